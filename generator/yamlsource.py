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
from generator.yamlloader import QuickLoader

# Expanded nodes allowed per document: far above any real blueprint (a tenant with 100 apps is
# ~5,000), far below what a "billion laughs" file expands to.
MAX_NODES = 100_000
# Nesting allowed per document: blueprints nest about 6 deep. LibYAML composes recursively in C and
# crashes the interpreter on a few hundred thousand '[', so depth is checked on the event stream first.
MAX_DEPTH = 64

# Below this many characters a file cannot nest deep enough to endanger LibYAML's recursive composer
# (that takes thousands of levels, each at least one character), so the event pass is skipped and
# ``_measure`` alone enforces MAX_DEPTH on the composed nodes: a third of the cost of reading a blueprint.
EVENT_CHECK_FROM = 8192

Loc = tuple[str | int, ...]

_SCALARS = yaml.constructor.SafeConstructor()
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_NULL_TAG = "tag:yaml.org,2002:null"
# Plain scalar types only: the collection constructors (set, omap, ...) expect other node kinds.
_SCALAR_TAGS = frozenset(_SCALARS.yaml_constructors) - {None, _MAP_TAG, _SEQ_TAG} - {
    f"tag:yaml.org,2002:{name}" for name in ("set", "omap", "pairs")
}


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
    """The document is hostile or absurd: building it is pointless."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


def _pos(mark: yaml.Mark) -> Pos:
    return Pos(mark.line + 1, mark.column + 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


class _Builder:
    """Turns a composed node graph into dicts, lists and scalars, recording positions."""

    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, pos: Pos, loc: Loc, message: str) -> None:
        self.problems.append(
            Problem(self.doc.path, pos.line, pos.column, ".".join(map(str, loc)), message)
        )

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        """Build a graph that ``_measure`` accepted, or one without anchors (then its depth is checked here)."""
        self.doc.values.setdefault(loc, _pos(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, loc)
        if len(loc) >= MAX_DEPTH:  # a collection at depth len(loc) + 1: only reached when _measure was skipped
            self.problem(_pos(node.start_mark), (), f"document nests deeper than {MAX_DEPTH} levels")
            return None
        expected = _SEQ_TAG if isinstance(node, yaml.SequenceNode) else _MAP_TAG
        if node.tag != expected:
            self.problem(_pos(node.start_mark), loc, f"unsupported YAML tag {_short_tag(node.tag)!r}")
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.build_mapping(node, loc)

    def scalar(self, node: yaml.ScalarNode, loc: Loc) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.problem(_pos(node.start_mark), loc, f"unsupported YAML tag {_short_tag(node.tag)!r}")
            return None
        try:
            return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
        except (yaml.YAMLError, ValueError, LookupError, TypeError, AttributeError):
            # The constructors fail in assorted ways on explicitly tagged junk such as `!!int abc`.
            self.problem(_pos(node.start_mark), loc, f"{node.value!r} is not a valid {_short_tag(node.tag)}")
            return None

    def build_mapping(self, node: yaml.MappingNode, loc: Loc, taken: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Build ``node``'s keys except those in ``taken`` (already set by a mapping merging this one).

        YAML merge keys: keys written in the mapping win over merged ones, and earlier merge
        sources win over later ones. Only the winning value is built, so every recorded position
        is that of the value actually used.
        """
        result: dict[str, Any] = {}
        seen: dict[str, Pos] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(_pos(key_node.start_mark), loc, "mapping keys must be plain strings")
                continue
            key = "<<" if key_node.tag == _MERGE_TAG else str(key_node.value)
            key_pos = _pos(key_node.start_mark)
            if key in seen:
                first = seen[key]
                self.problem(key_pos, (*loc, key), f"duplicate key {key!r} (first at line {first.line})")
                continue
            seen[key] = key_pos
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
            elif key not in taken:
                self.doc.keys[(*loc, key)] = key_pos
                result[key] = self.build(value_node, (*loc, key))
        merged: dict[str, Any] = {}
        for value_node in merges:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self.problem(_pos(source.start_mark), loc, "'<<' merges only mappings")
                    continue
                merged.update(self.build_mapping(source, loc, taken.union(result, merged)))
        return {**merged, **result}


def _measure(root: yaml.Node) -> None:
    """Reject graphs that expand beyond MAX_NODES or nest beyond MAX_DEPTH before building anything.

    Sizes and heights are memoized per node, and aliases share nodes, so a "billion laughs" file costs
    as many steps as it has distinct nodes, not as many as it would expand to; the height makes a node
    reused deeper down (a chain of aliases) count at every place it lands. Depth counts collections from
    1 at the root, as the event check does; a node met again below itself is a recursive alias.
    """
    measured: dict[int, tuple[int, int]] = {}  # id -> (expanded nodes, collection levels at and below)
    path: set[int] = set()

    def too_deep(node: yaml.Node, why: str = "") -> _TooLarge:
        return _TooLarge(_pos(node.start_mark), f"document nests deeper than {MAX_DEPTH} levels{why}")

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in measured:
            total, height = measured[key]
            if depth + height - 1 > MAX_DEPTH:
                raise too_deep(node)
            return total, height
        if key in path:
            raise too_deep(node, " (recursive alias?)")
        if isinstance(node, yaml.ScalarNode):
            measured[key] = (1, 0)
            return 1, 0
        if depth > MAX_DEPTH:
            raise too_deep(node)
        path.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else [value for _, value in node.value]
        total, height = 1, 0
        for child in children:
            size, below = measure(child, depth + 1)
            total += size
            height = max(height, below)
        path.discard(key)
        if total > MAX_NODES:
            raise _TooLarge(_pos(node.start_mark), f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
        measured[key] = (total, height + 1)
        return total, height + 1

    measure(root, 1)


def _decode(path: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")  # valid up to the bad byte
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1  # in characters, as YAML marks count
        return None, [Problem(path, line, column, "", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]
    text = text.removeprefix("\ufeff")
    problems = [
        Problem(path, n, line.index("\t") + 1, "", "tab character; indent and separate with spaces")
        for n, line in enumerate(text.split("\n"), start=1)
        if "\t" in line
    ]
    return (None if problems else text), problems


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """LibYAML splits its message into context and problem; put the context's position in words."""
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        mark = exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark and mark != exc.problem_mark else ""
        message = f"{exc.problem} ({exc.context}{where})"
    return f"YAML syntax error: {message}"


def _check_depth(text: str) -> Pos | None:
    """Where the event stream first nests deeper than MAX_DEPTH; stops reading right there."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return _pos(event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _is_empty(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG)


def parse(path: str, raw: bytes) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one single-document YAML file. Returns the document, or None and the problems."""
    text, problems = _decode(path, raw)
    if text is None:
        return None, problems
    try:
        too_deep = _check_depth(text) if len(text) > EVENT_CHECK_FROM else None
        if too_deep is not None:
            return None, [Problem(path, too_deep.line, too_deep.column, "",
                                  f"document nests deeper than {MAX_DEPTH} levels")]
        nodes = list(yaml.compose_all(text, Loader=QuickLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark) if mark else Pos(1, 1)
        return None, [Problem(path, pos.line, pos.column, "", _syntax_message(exc))]
    except yaml.YAMLError as exc:  # pragma: no cover - LibYAML reports marks for all we know of
        return None, [Problem(path, 1, 1, "", f"YAML error: {exc}")]
    nodes = [n for n in nodes if not _is_empty(n)]
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
    if "&" in text or len(text) >= MAX_NODES:
        # Anchors make aliases possible: the expanded graph may be far bigger and deeper than the text.
        # Without them every node is written out, so the text bounds the size and build() the depth.
        try:
            _measure(root)
        except _TooLarge as exc:
            return None, [Problem(path, exc.pos.line, exc.pos.column, "", exc.message)]
    doc = SourceDoc(path, None)
    builder = _Builder(doc)
    doc.data = builder.build(root, ())
    if builder.problems:
        return None, builder.problems
    return doc, []
