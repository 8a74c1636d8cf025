"""generator.schema and `platformctl schema`: editor schemas that agree with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import schema
from tests.support import REPO, platformctl

EXAMPLES = sorted([*REPO.glob("blueprints/*.yaml"), *REPO.glob("blueprints/tenants/*.yaml"),
                   *REPO.glob("environments/*.yaml")])
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def test_committed_schemas_are_up_to_date() -> None:
    assert schema.stale(REPO / schema.SCHEMA_DIR) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_example_blueprint_names_its_schema_and_validates_against_it(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path} must start with a yaml-language-server modeline"
    schema_path = (path.parent / match.group(1)).resolve()
    document = yaml.safe_load(path.read_text())
    assert schema_path.name == schema.file_name(document["kind"])
    jsonschema.validate(document, json.loads(schema_path.read_text()))


def test_schema_rejects_unknown_fields_and_bad_enums_like_the_loader() -> None:
    tenant = json.loads(schema.schemas()["tenant.schema.json"])
    document = yaml.safe_load((REPO / "blueprints/tenants/acme.yaml").read_text())
    document["spec"]["apps"][0]["replica"] = 2
    with pytest.raises(jsonschema.ValidationError, match="replica"):
        jsonschema.validate(document, tenant)
    document["spec"]["apps"][0].pop("replica")
    document["spec"]["apps"][0]["runtime"] = "lambda"
    with pytest.raises(jsonschema.ValidationError, match="lambda"):
        jsonschema.validate(document, tenant)


def test_schema_command_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    assert platformctl("schema", "--out", str(out), "--check").returncode == 1
    result = platformctl("schema", "--out", str(out))
    assert result.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["environment.schema.json", "platform.schema.json",
                                                     "tenant.schema.json"]
    assert platformctl("schema", "--out", str(out), "--check").returncode == 0
    assert platformctl("schema", "--out", str(out)).stdout == ""  # nothing to rewrite
