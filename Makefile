# The two fresh-machine commands: `make check` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: check test install lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## the main job on the example platform: blueprints/ -> rendered/ must be up to date
check: $(STAMP)
	$(BIN)/platformctl schema --check
	$(BIN)/platformctl render --check

## the whole test suite (and lint)
test: $(STAMP)
	$(BIN)/ruff check generator checks platformctl tests bench
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV)
