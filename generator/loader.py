"""Read blueprints/ and environments/ into validated models, reporting every problem at once.

Each file is parsed with positions (yamlsource), checked for kind and apiVersion, validated by
its pydantic model, and finally checked against the others (consistency). Nothing is returned
unless everything is valid: the caller gets a ``Blueprints`` or a ``BlueprintError``.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator import consistency
from generator.errors import BlueprintError, Problem
from generator.model import KINDS, Environment, Platform, Tenant
from generator.model.base import API_VERSION
from generator.yamlsource import Loc, SourceDoc, parse

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Blueprints:
    """Everything the renderer needs, validated; dicts are ordered by name."""

    platform: Platform
    environments: dict[str, Environment]
    tenants: dict[str, Tenant]


def _yaml_files(directory: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The blueprint files of ``directory``, and a problem for anything else in it.

    A silently skipped ``acme.YAML`` or ``tenants/team/acme.yaml`` would make its tenant vanish, and
    a render prune it, namespaces and all; so every non-hidden entry must be a blueprint.
    """
    if not directory.is_dir():
        return [], []
    files, problems = [], []
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue  # editor swap files and the like
        if path.suffix in YAML_SUFFIXES and path.is_file():
            files.append(path)
        else:
            shown = path.relative_to(root).as_posix()
            problems.append(Problem(shown, 1, 1, "", f"not a blueprint: only <name>.yaml files belong in "
                                    f"{directory.relative_to(root).as_posix()}/ (rename, move or remove it)"))
    return files, problems


def _strip(annotation: Any) -> list[Any]:
    """The model classes reachable through Optional / Annotated / list / dict wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _strip(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        args = typing.get_args(annotation)
        if origin is dict:
            args = args[1:]
        return [m for a in args for m in _strip(a)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def known_fields(model: type[BaseModel], loc: Loc) -> list[str]:
    """The YAML field names valid at ``loc`` (the location of a mapping) within ``model``."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following: list[type[BaseModel]] = []
        for cls in current:
            for name, info in cls.model_fields.items():
                if part in (info.alias, name):
                    following.extend(_strip(info.annotation))
        if following:
            current = following
    return sorted({info.alias or name for cls in current for name, info in cls.model_fields.items()})


def _data_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's bookkeeping entries (union members, '[key]') from an error location."""
    kept: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            kept.append(part)
        elif isinstance(part, str) and isinstance(node, dict) and part not in node and part.isidentifier():
            kept.append(part)  # a missing field: keep its name, position falls back to the parent
            node = None
    return tuple(kept)


# Pydantic's type errors speak Python ("a valid dictionary or instance of Autoscale"); say it in YAML.
_EXPECTED = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}
_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _describe(value: Any) -> str:
    """A YAML value as a user would name it, in a type error."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a YAML {type(value).__name__}"  # dates and timestamps: unquoted 2024-01-01


def _message(error: dict[str, Any], doc: SourceDoc, model: type[BaseModel], loc: Loc) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        known = known_fields(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; known fields: {', '.join(known)}"
        return f"unknown field {loc[-1]!r}{suggestion}"
    if kind == "missing":
        return "required field is missing"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(error.get('input'))}"
    message: str = error["msg"]
    if kind in _RANGE:
        message = f"{message}, got {error.get('input')!r}"
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _validate(doc: SourceDoc, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = _data_loc(doc.data, error["loc"])
            pos = doc.position(loc, key=error["type"] == "extra_forbidden")
            message = _message(error, doc, model, loc)
            problems.append(Problem(doc.path, pos.line, pos.column, ".".join(map(str, loc)), message))
        return None, problems


def _check_header(doc: SourceDoc, expected: str) -> list[Problem]:
    def problem(field: str, message: str) -> Problem:
        pos = doc.position((field,))
        return Problem(doc.path, pos.line, pos.column, field, message)

    problems = []
    api_version, kind = doc.data.get("apiVersion"), doc.data.get("kind")
    if api_version != API_VERSION:
        what = "missing apiVersion" if api_version is None else f"unknown apiVersion {api_version!r}"
        problems.append(problem("apiVersion", f"{what}; expected {API_VERSION!r}"))
    if not isinstance(kind, str) or kind not in KINDS:  # a list or mapping here is unhashable
        hint = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        what = "missing kind" if kind is None else f"unknown kind {kind!r}"
        more = f"; did you mean {hint[0]!r}?" if hint else f"; expected one of {', '.join(sorted(KINDS))}"
        problems.append(problem("kind", what + more))
    elif kind != expected:
        problems.append(problem("kind", f"this file must hold a {expected}, found {kind}"))
    return problems


def _load_file(path: Path, root: Path, expected: str) -> tuple[Any, SourceDoc | None, list[Problem]]:
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, [Problem(shown, 1, 1, "", f"cannot read: {exc.strerror}")]
    doc, problems = parse(shown, raw)
    if doc is None:
        return None, None, problems
    problems = _check_header(doc, expected)
    if problems:
        return None, doc, problems
    model, problems = _validate(doc, KINDS[expected])
    if model is not None and path.stem != model.metadata.name and expected != "Platform":
        pos = doc.position(("metadata", "name"))
        problems.append(
            Problem(shown, pos.line, pos.column, "metadata.name",
                    f"name {model.metadata.name!r} must match the file name {path.name!r}")
        )
        model = None
    return model, doc, problems


def _duplicate(doc: SourceDoc, what: str, other: SourceDoc) -> Problem:
    pos = doc.position(("metadata", "name"))
    name = doc.data["metadata"]["name"]
    return Problem(doc.path, pos.line, pos.column, "metadata.name", f"duplicate {what} {name!r} (also in {other.path})")


def load(root: Path, *, accounting: bool = True, fit_only: str | None = None) -> Blueprints:
    """Load and check the platform repo at ``root``; raise BlueprintError listing every problem.

    ``accounting=False`` skips the quota fit, ``fit_only`` limits it to one environment (see
    consistency.check): it is most of the load's cost that grows with environments.
    """
    root = root.resolve()
    problems: list[Problem] = []
    platform_path = root / "blueprints" / "platform.yaml"
    platform, platform_doc, found = _load_file(platform_path, root, "Platform")
    if not platform_path.exists():
        found = [Problem("blueprints/platform.yaml", 1, 1, "", "missing: every platform repo needs one")]
    problems += found

    environments: dict[str, tuple[Environment, SourceDoc]] = {}
    env_files, found = _yaml_files(root / "environments", root)
    problems += found
    if not env_files:
        problems.append(Problem("environments", 1, 1, "", "no environment files (environments/<env>.yaml)"))
    for path in env_files:
        env, doc, found = _load_file(path, root, "Environment")
        problems += found
        if env is None:
            continue
        if env.name in environments:  # local.yaml and local.yml: neither may silently win
            problems.append(_duplicate(doc, "environment", environments[env.name][1]))
            continue
        environments[env.name] = (env, doc)

    tenants: dict[str, tuple[Tenant, SourceDoc]] = {}
    tenant_files, found = _yaml_files(root / "blueprints" / "tenants", root)
    problems += found
    for path in tenant_files:
        tenant, doc, found = _load_file(path, root, "Tenant")
        problems += found
        if tenant is None:
            continue
        if tenant.name in tenants:
            problems.append(_duplicate(doc, "tenant", tenants[tenant.name][1]))
            continue
        tenants[tenant.name] = (tenant, doc)

    if platform is not None:
        problems += consistency.check(platform, platform_doc, environments, tenants, accounting=accounting,
                                      fit_only=fit_only)
    if problems:
        raise BlueprintError(problems)
    return Blueprints(
        platform=platform,
        environments={name: environments[name][0] for name in sorted(environments)},
        tenants={name: tenants[name][0] for name in sorted(tenants)},
    )
