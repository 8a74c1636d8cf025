"""Generate the vendored strict JSON Schemas of every custom kind platformctl renders.

Regenerate: `python -m checks.schemagen [--crds DIR]`; `--check` exits 1 when the vendored files differ.
Sources are the upstream CRDs in ../shared/crds (their openAPIV3Schema, made strict the way kubeconform's
openapi2jsonschema.py does it) plus hand-written schemas for Kubero, whose CRDs accept anything.
Output layout is kubeconform's CRD template: crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SCHEMA_ROOT = Path(__file__).resolve().parent / "schemas"
OUT_DIR = SCHEMA_ROOT / "crds"
KUBERO_DIR = SCHEMA_ROOT / "kubero"
KUBERO_GROUP = "application.kubero.dev"
DEFAULT_CRDS = Path(__file__).resolve().parent.parent.parent / "shared" / "crds"

# The CRD files of the kinds we render or will render (capsule's is reference only, Kubero's are hand-written).
CRD_FILES = (
    "argo_application.yaml",
    "argo_applicationset.yaml",
    "argo_appproject.yaml",
    "barman_objectstores.yaml",
    "cnpg_clusters.yaml",
    "cnpg_databaseroles.yaml",
    "cnpg_databases.yaml",
    "cnpg_poolers.yaml",
    "cnpg_scheduledbackups.yaml",
    "eso_clustersecretstores.yaml",
    "eso_externalsecrets.yaml",
    "prom_podmonitors.yaml",
    "prom_prometheusrules.yaml",
    "prom_servicemonitors.yaml",
)

PRESERVE = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "x-kubernetes-int-or-string"


SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")  # name -> schema
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_VALUES = ("items", "additionalProperties", "additionalItems", "not", "contains")


def strict(schema: Any) -> Any:
    """Forbid unknown fields wherever the schema lists its fields and does not say to keep unknown ones.

    Walks schema keywords only: a field literally named `properties`, or a `default` value, is data.
    """
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: strict(sub) for name, sub in out[key].items()}
    for key in SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [strict(sub) for sub in out[key]]
    for key in SCHEMA_VALUES:
        if isinstance(out.get(key), list):
            out[key] = [strict(sub) for sub in out[key]]
        elif isinstance(out.get(key), dict):
            out[key] = strict(out[key])
    if out.get(INT_OR_STRING) or out.get("format") == "int-or-string":
        for key in ("anyOf", "oneOf", "type", "format"):
            out.pop(key, None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "properties" in out and "additionalProperties" not in out and not out.get(PRESERVE):
        out["additionalProperties"] = False
    return out


def with_envelope(schema: dict[str, Any]) -> dict[str, Any]:
    """Make sure apiVersion/kind are strings and metadata an object (CRDs often leave them untyped)."""
    props = schema.setdefault("properties", {})
    props.setdefault("apiVersion", {}).setdefault("type", "string")
    props.setdefault("kind", {}).setdefault("type", "string")
    metadata = props.setdefault("metadata", {})
    metadata.setdefault("type", "object")
    if "properties" in metadata:  # a CRD constraining e.g. metadata.name must not forbid labels and annotations
        metadata.setdefault("additionalProperties", True)
    return schema


def crd_schemas(crd_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(relative output path, strict schema) for every version of every CRD we render."""
    for file_name in CRD_FILES:
        for doc in yaml.safe_load_all((crd_dir / file_name).read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            kind = spec["names"]["kind"].lower()
            for version in spec["versions"]:
                schema = version["schema"]["openAPIV3Schema"]
                yield f"{spec['group']}/{kind}_{version['name']}.json", strict(with_envelope(dict(schema)))


def kubero_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    """The hand-written Kubero schemas, as they are."""
    for path in sorted(KUBERO_DIR.glob("*.json")):
        yield f"{KUBERO_GROUP}/{path.name}", json.loads(path.read_text())


def render(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, indent 1, trailing newline."""
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate(crd_dir: Path = DEFAULT_CRDS) -> dict[str, str]:
    """Every vendored file's relative path and text."""
    return {path: render(schema) for path, schema in [*crd_schemas(crd_dir), *kubero_schemas()]}


def differences(expected: dict[str, str], out_dir: Path = OUT_DIR) -> list[str]:
    """`stale:`, `missing:`, `extra:` lines, like `platformctl render --check`."""
    problems = []
    for rel, text in sorted(expected.items()):
        path = out_dir / rel
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_text() != text:
            problems.append(f"stale: {path}")
    actual = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.json")} if out_dir.is_dir() else set()
    problems += [f"extra: {out_dir / rel}" for rel in sorted(actual - expected.keys())]
    return problems


def write(expected: dict[str, str], out_dir: Path = OUT_DIR) -> None:
    """Write changed files and remove ones no longer generated."""
    for rel, text in expected.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
    for path in out_dir.rglob("*.json"):
        if path.relative_to(out_dir).as_posix() not in expected:
            path.unlink()


def main(argv: list[str] | None = None) -> int:
    """CLI: regenerate, or `--check` that the vendored schemas are up to date."""
    parser = argparse.ArgumentParser(prog="python -m checks.schemagen", description=__doc__.splitlines()[0])
    parser.add_argument("--crds", type=Path, default=DEFAULT_CRDS, help="directory of upstream CRD YAML")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="vendored schema directory")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything differs")
    args = parser.parse_args(argv)
    if not args.crds.is_dir():
        print(f"{args.crds}: no such directory of CRDs (pass --crds DIR)", file=sys.stderr)
        return 2
    expected = generate(args.crds)
    if args.check:
        problems = differences(expected, args.out)
        for line in problems:
            print(line)
        return 1 if problems else 0
    write(expected, args.out)
    print(f"{len(expected)} schemas in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
