"""Platform-owned ignore rules for the drift check, in ``checks/drift.yaml``.

A rule names the objects it covers (group, kind, namespace and name, each an fnmatch glob; group ``""`` is
the core group) and the fields to leave out, as RFC 6901 JSON pointers (``~1`` is ``/``, ``~0`` is ``~``).
A ``*`` token stands for every entry of a list (``/spec/template/spec/containers/*/image``); any other token
into a list must be an index. The fields are removed from both sides (git and live) before comparing, so an
ignored field is neither drift nor unmanaged. Like policy exemptions, rules live in reviewed platform config,
never in annotations on the objects themselves, and every rule carries its reason.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from checks.drift.model import ObjectRef

_TOKEN = re.compile(r"(?:[^~]|~[01])*")  # an RFC 6901 reference token: ~ only as ~0 or ~1


class DriftFileError(Exception):
    """checks/drift.yaml is unreadable or invalid; the CLI exits 2."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_pointer(text: str) -> tuple[str, ...]:
    """The unescaped reference tokens of a JSON pointer; ValueError when it is not RFC 6901 (or is "")."""
    if not text.startswith("/"):
        raise ValueError(f"{text!r} is not a JSON pointer: it must start with '/' (RFC 6901), e.g. /spec/replicas")
    tokens = text[1:].split("/")
    for token in tokens:
        if not _TOKEN.fullmatch(token):
            raise ValueError(f"{text!r}: '~' must be escaped as ~0 ('~') or ~1 ('/') in {token!r}")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in tokens)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Which objects a rule covers; every field a glob (``*``, ``?``, ``[...]``), all must match."""

    group: str = "*"
    kind: str = "*"
    namespace: str = "*"
    name: str = "*"

    def covers(self, ref: ObjectRef) -> bool:
        return (fnmatchcase(ref.group, self.group) and fnmatchcase(ref.kind, self.kind)
                and fnmatchcase(ref.namespace, self.namespace) and fnmatchcase(ref.name, self.name))


def _pointer(text: str) -> str:
    parse_pointer(text)
    return text


Pointer = Annotated[str, AfterValidator(_pointer)]


class Rule(_Strict):
    match: Match
    jsonPointers: list[Pointer] = Field(min_length=1)  # the YAML key
    reason: str = Field(min_length=10, description="why this difference is not drift; reviewed like code")


class DriftFile(_Strict):
    apiVersion: Literal["platformctl.dev/v1alpha1"]  # the YAML key
    kind: Literal["DriftIgnoreRules"]
    rules: list[Rule] = []


def _remove(value: Any, tokens: tuple[str, ...]) -> None:
    if not tokens:
        return
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        if head not in value:
            return
        if rest:
            _remove(value[head], rest)
        else:
            del value[head]
    elif isinstance(value, list):
        if head == "*":
            indexes = list(range(len(value)))
        elif head.isdigit() and (head == "0" or not head.startswith("0")) and int(head) < len(value):
            indexes = [int(head)]
        else:
            return
        if rest:
            for i in indexes:
                _remove(value[i], rest)
        else:
            for i in reversed(indexes):
                del value[i]


@dataclass(frozen=True)
class IgnoreRules:
    file: str = ""
    rules: tuple[Rule, ...] = ()

    def pointers(self, ref: ObjectRef) -> list[tuple[str, ...]]:
        return [parse_pointer(p) for rule in self.rules if rule.match.covers(ref) for p in rule.jsonPointers]

    def apply(self, obj: dict[str, Any], ref: ObjectRef) -> dict[str, Any]:
        """``obj`` without the fields the rules covering ``ref`` name (a copy when anything is removed)."""
        pointers = self.pointers(ref)
        if not pointers:
            return obj
        out = copy.deepcopy(obj)
        for tokens in pointers:
            _remove(out, tokens)
        return out


NO_RULES = IgnoreRules()


def _line(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest YAML node ``loc`` (a pydantic error location) reaches."""
    node, line = root, (root.start_mark.line + 1 if root is not None else 1)
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def load(path: Path, shown: str | None = None) -> IgnoreRules:
    """Parse and strictly validate the rule file; every problem names file, line and field."""
    shown = shown or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DriftFileError([f"{shown}: cannot read: {exc}"]) from exc
    try:
        parsed = DriftFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{shown}:{_line(root, loc)}: {where}: {error['msg']}")
        raise DriftFileError(problems) from exc
    return IgnoreRules(shown, tuple(parsed.rules))
