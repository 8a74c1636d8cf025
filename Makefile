# The two fresh-machine commands: `make check` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: check test install tools lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## pinned kubeconform/kustomize/etcd/kube-apiserver and offline Kubernetes schemas, in ~/.cache/platformctl
## (reused when present; a cold kube-apiserver build takes ~5 min on 2 cores)
tools: $(STAMP)
	$(BIN)/python tools/install.py

## the PR gate on the example platform: schemas current, then render --check + validate + policy per environment
check: tools
	$(BIN)/platformctl schema --check
	$(BIN)/platformctl check

## the whole test suite (and lint)
test: tools
	$(BIN)/ruff check generator checks platformctl review tests bench tools
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV)
