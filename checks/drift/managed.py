"""managedFields: who owns which live field, and what one manager owns.

A ``fieldsV1`` value is a set of paths written as a tree (structured-merge-diff ``fieldpath/serialize-pe.go``
and ``serialize.go``). Each key is one path element:

    f:<name>          a field of a map or struct               -> "name"
    k:<json object>   an entry of a list keyed by those fields -> Key (sorted by field name)
    v:<json value>    a member of a set of scalars             -> Member
    i:<int>           an entry of an atomic list, by index     -> int
    .                 the path that holds it is itself in the set (the manager created that entry or map)

A key whose value is ``{}`` is a leaf: the manager owns that field and everything in it, unless other managers
own parts of it (then it is a map the manager merely set, e.g. ``f:annotations: {}``). Paths come out in the
notation of ``checks.drift.paths`` so that they match ``FieldDiff.path`` string for string.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.drift.paths import Key, Member, Path, Segment, render

IDENTITY = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))


@dataclass
class Node:
    """One level of a field set: the elements below it, and whether the path itself is owned."""

    children: dict[Segment, Node] = field(default_factory=dict)
    owned: bool = False  # "." present, or a leaf ({})

    def merge(self, other: Node) -> None:
        self.owned = self.owned or other.owned
        for seg, child in other.children.items():
            self.children.setdefault(seg, Node()).merge(child)

    def owns_anything(self) -> bool:
        return self.owned or any(c.owns_anything() for c in self.children.values())


@dataclass(frozen=True)
class Entry:
    manager: str
    operation: str
    time: str | None
    subresource: str
    fields: Node


def segment(text: str) -> Segment:
    """One serialized path element (``f:``, ``k:``, ``v:``, ``i:``) as a path segment."""
    prefix, sep, body = text.partition(":")
    if not sep:
        raise ValueError(f"not a fieldsV1 path element: {text!r}")
    if prefix == "f":
        return body
    if prefix == "k":
        fields = json.loads(body)
        if not isinstance(fields, dict):
            raise ValueError(f"k: element is not an object: {text!r}")
        return Key.of(fields)
    if prefix == "v":
        return Member(json.loads(body))
    if prefix == "i":
        return int(body)
    raise ValueError(f"unknown fieldsV1 path element type {prefix!r} in {text!r}")


def parse(fields_v1: Mapping[str, Any]) -> Node:
    """The tree of a ``fieldsV1`` value."""
    node = Node(owned=not fields_v1)
    for text, value in fields_v1.items():
        if text == ".":
            node.owned = True
        else:
            node.children[segment(text)] = parse(value if isinstance(value, Mapping) else {})
    return node


def entries(obj: Mapping[str, Any]) -> tuple[Entry, ...]:
    """The managedFields entries of an object (malformed ones skipped: they own nothing we can read)."""
    out = []
    for item in (obj.get("metadata") or {}).get("managedFields") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("fieldsV1"), Mapping):
            continue
        try:
            tree = parse(item["fieldsV1"])
        except (ValueError, TypeError):
            continue
        out.append(Entry(str(item.get("manager") or ""), str(item.get("operation") or ""), item.get("time"),
                         str(item.get("subresource") or ""), tree))
    return tuple(out)


def fields_of(obj: Mapping[str, Any], managers: Iterable[str], *, operation: str | None = None,
              exclude: bool = False) -> Node:
    """The union of the field sets of ``managers`` (entries of ``operation`` only, when given), or, with
    ``exclude``, of every entry those do not select."""
    wanted = set(managers)
    union = Node()
    for entry in entries(obj):
        if (entry.manager in wanted and operation in (None, entry.operation)) != exclude:
            union.merge(entry.fields)
    return union


def owned_paths(node: Node, prefix: Path = ()) -> Iterator[Path]:
    """Every path the set owns (leaves and "." members), parents before children."""
    if node.owned and prefix:
        yield prefix
    for seg, child in node.children.items():
        yield from owned_paths(child, (*prefix, seg))


def owners(live: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """Rendered path -> (manager, time) for every owned live field; shared fields go to the latest writer."""
    out: dict[str, tuple[str, str | None]] = {}
    for entry in entries(live):
        for path in owned_paths(entry.fields):
            text = render(path)
            previous = out.get(text)
            if previous is None or (entry.time or "") > (previous[1] or ""):
                out[text] = (entry.manager, entry.time)
    return out


def matches(element: Any, seg: Segment, defaults: Mapping[str, Any] | None = None) -> bool:
    """Whether a list element is the one a Key/Member names (key fields absent from it take ``defaults``)."""
    if isinstance(seg, Member):
        return element == seg.value
    if isinstance(seg, Key) and isinstance(element, Mapping):
        fallback = defaults or {}
        return all(_key_value(element.get(name, fallback.get(name))) == value for name, value in seg.fields)
    return False


def _key_value(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def _minus(value: Any, others: Node | None) -> Any:
    """``value`` without the parts other managers own (a leaf-owned map another manager also writes into)."""
    if others is None or not isinstance(value, dict):
        return copy.deepcopy(value)
    out = {}
    for name, child in value.items():
        theirs = others.children.get(name)
        if theirs is not None and theirs.owned:
            continue
        out[name] = _minus(child, theirs)
    return out


def _prune(value: Any, mine: Node, others: Node | None) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for seg, child in mine.children.items():
            if not isinstance(seg, str) or seg not in value:
                continue
            theirs = others.children.get(seg) if others else None
            if not child.children:  # leaf: the whole value, less what others own inside it
                out[seg] = _minus(value[seg], theirs if theirs and theirs.owns_anything() else None)
            else:
                out[seg] = _prune(value[seg], child, theirs)
        return out
    if isinstance(value, list):
        kept = []
        for index, element in enumerate(value):
            for seg, child in mine.children.items():
                if seg == index or (not isinstance(seg, int) and matches(element, seg)):
                    theirs = others.children.get(seg) if others else None
                    pruned = _prune(element, child, theirs) if child.children else copy.deepcopy(element)
                    if isinstance(seg, Key) and isinstance(pruned, dict):  # an entry keeps its identity
                        pruned = {**{name: element[name] for name, _ in seg.fields if name in element}, **pruned}
                    kept.append(pruned)
                    break
        return kept
    return copy.deepcopy(value)


def owned_by(obj: Mapping[str, Any], manager: str) -> dict[str, Any]:
    """``obj`` pruned to the fields ``manager`` owns (apiVersion, kind, name and namespace always kept).

    For the server-side mode: the dry-run result of applying git, less what admission webhooks and other
    controllers added, is what git asks for in the server's own terms (defaults included).
    """
    mine = fields_of(obj, (manager,))
    out = _prune(dict(obj), mine, fields_of(obj, (manager,), exclude=True))
    for path in IDENTITY:
        source: Any = obj
        for name in path:
            source = source.get(name) if isinstance(source, Mapping) else None
        if source is not None:
            target = out
            for name in path[:-1]:
                target = target.setdefault(name, {})
            target[path[-1]] = source
    return out
