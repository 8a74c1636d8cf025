"""Safe YAML reading that remembers where every value came from.

PyYAML's constructors forget source positions, expand aliases without limit and silently keep
the last of two duplicate keys. We compose the node graph with LibYAML and build plain Python
values ourselves, so every problem can name ``file:line:col`` and a hostile file cannot blow up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.errors import Problem

# Expanded nodes allowed per document: far above any real blueprint (a tenant with 100 apps is
# ~5,000), far below what a "billion laughs" file expands to.
MAX_NODES = 100_000

Loc = tuple[str | int, ...]

_SCALARS = yaml.constructor.SafeConstructor()
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass
class SourceDoc:
    """A parsed YAML document with the position of every key and value, addressed by path."""

    path: str
    data: Any
    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)

    def position(self, loc: Loc, *, key: bool = False) -> Pos:
        """Position of ``loc``, or of its nearest ancestor that exists in the source."""
        loc = tuple(loc)
        while loc:
            found = (self.keys.get(loc) if key else None) or self.values.get(loc)
            if found:
                return found
            loc = loc[:-1]
        return self.values.get((), Pos(1, 1))


class _TooLarge(Exception):
    pass


def _pos(mark: yaml.Mark) -> Pos:
    return Pos(mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node graph into dicts, lists and scalars, recording positions."""

    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.count = 0

    def problem(self, pos: Pos, loc: Loc, message: str) -> None:
        self.problems.append(
            Problem(self.doc.path, pos.line, pos.column, ".".join(map(str, loc)), message)
        )

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        self.doc.values.setdefault(loc, _pos(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.build_mapping(node, loc)

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: dict[str, Pos] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.update(self.merge_sources(value_node, loc))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(_pos(key_node.start_mark), loc, "mapping keys must be plain strings")
                continue
            key = str(key_node.value)
            key_pos = _pos(key_node.start_mark)
            if key in seen:
                first = seen[key]
                self.problem(key_pos, (*loc, key), f"duplicate key {key!r} (first at line {first.line})")
                continue
            seen[key] = key_pos
            self.doc.keys[(*loc, key)] = key_pos
            result[key] = self.build(value_node, (*loc, key))
        return {**merged, **result}

    def merge_sources(self, node: yaml.Node, loc: Loc) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self.problem(_pos(source.start_mark), loc, "'<<' merges only mappings")
                continue
            merged.update(self.build_mapping(source, loc))
        return merged


def _decode(path: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(path, line, column, "", "file is not valid UTF-8")]
    text = text.removeprefix("\ufeff")
    problems = [
        Problem(path, n, line.index("\t") + 1, "", "tab character; indent and separate with spaces")
        for n, line in enumerate(text.split("\n"), start=1)
        if "\t" in line
    ]
    return (None if problems else text), problems


def parse(path: str, raw: bytes) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one single-document YAML file. Returns the document, or None and the problems."""
    text, problems = _decode(path, raw)
    if text is None:
        return None, problems
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark) if mark else Pos(1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Problem(path, pos.line, pos.column, "", f"YAML syntax error: {message}")]
    except yaml.YAMLError as exc:  # pragma: no cover - LibYAML reports marks for all we know of
        return None, [Problem(path, 1, 1, "", f"YAML error: {exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, [Problem(path, 1, 1, "", "empty file: expected a blueprint document")]
    if len(nodes) > 1:
        pos = _pos(nodes[1].start_mark)
        return None, [Problem(path, pos.line, pos.column, "", "expected one YAML document per file")]
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        pos = _pos(root.start_mark)
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a scalar"
        return None, [Problem(path, pos.line, pos.column, "", f"expected a mapping, found {found}")]
    doc = SourceDoc(path, None)
    builder = _Builder(doc)
    try:
        doc.data = builder.build(root, ())
    except _TooLarge:
        return None, [
            Problem(path, 1, 1, "", f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
        ]
    if builder.problems:
        return None, builder.problems
    return doc, []
