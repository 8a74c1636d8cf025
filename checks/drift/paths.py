"""Field paths in the one notation every part of the drift check speaks (``FieldDiff.path``).

    spec.template.spec.containers[name=web].image      a list entry picked by its key
    spec.ports[port=443,protocol=TCP]                  a composite key, fields in name order
    metadata.finalizers[=kubernetes.io/pvc-protection]  a member of a set, picked by its value
    spec.rules[3]                                      a list without a key, by index
    metadata.labels["app.kubernetes.io/instance"]      a map key that is not a plain word, JSON-quoted

Keys, set members and indexes are written as structured-merge-diff writes them (``PathElement.String()``),
so a path built from an object and one read from its managedFields are the same string. Values are quoted
only when they would be ambiguous (``,``, ``]``, ``=``, blanks, empty).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Key:
    """A list entry by the values of its key fields (kept sorted by name, as structured-merge-diff does)."""

    fields: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, pairs: dict[str, Any] | list[tuple[str, Any]]) -> Key:
        items = pairs.items() if isinstance(pairs, dict) else pairs
        return cls(tuple(sorted(((name, _hashable(value)) for name, value in items), key=lambda p: p[0])))


@dataclass(frozen=True)
class Member:
    """A member of a set-like list of scalars (finalizers), by its value."""

    value: Any


Segment = str | int | Key | Member
Path = tuple[Segment, ...]

_WORD = re.compile(r"[A-Za-z0-9_-]+")  # a map key written bare; anything else is JSON-quoted
_PLAIN = re.compile(r"[^\s,\[\]=\"]+")  # a key value written bare inside [...]


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def value_text(value: Any) -> str:
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) else json.dumps(value)
    return json.dumps(value)


def render(path: Path) -> str:
    """The dotted text of a path; the empty path is the whole object (``""``)."""
    out: list[str] = []
    for seg in path:
        if isinstance(seg, str):
            out.append(("." if out else "") + seg if _WORD.fullmatch(seg) else f"[{json.dumps(seg)}]")
        elif isinstance(seg, Key):
            out.append("[" + ",".join(f"{name}={value_text(value)}" for name, value in seg.fields) + "]")
        elif isinstance(seg, Member):
            out.append(f"[={value_text(seg.value)}]")
        else:
            out.append(f"[{seg}]")
    return "".join(out)


def prefixes(path: Path) -> Iterator[Path]:
    """The path and its ancestors, nearest first (for "the nearest owned ancestor")."""
    for end in range(len(path), 0, -1):
        yield path[:end]


def within(path: Path, ancestor: Path) -> bool:
    """True when ``path`` is ``ancestor`` or lies below it."""
    return path[:len(ancestor)] == ancestor
