"""JSON Schemas of the blueprint kinds, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json
from pathlib import Path

from generator.model import KINDS

SCHEMA_DIR = Path("blueprints") / "schema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_name(kind: str) -> str:
    return f"{kind.lower()}.schema.json"


def schemas() -> dict[str, bytes]:
    """File name -> schema document, deterministic bytes."""
    result = {}
    for kind, model in sorted(KINDS.items()):
        schema = {"$schema": DIALECT, **model.model_json_schema(by_alias=True, mode="validation")}
        result[file_name(kind)] = (json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return result


def stale(directory: Path) -> list[str]:
    """Schema files under ``directory`` that differ from what the models produce."""
    return [
        name for name, data in schemas().items()
        if not (directory / name).is_file() or (directory / name).read_bytes() != data
    ]


def write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale(directory)
    for name, data in schemas().items():
        if name in changed:
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(data)
            tmp.replace(directory / name)
    return changed
