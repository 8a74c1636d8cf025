"""How field values and owners read in the human views (text, Markdown, HTML): short, one line, exact."""

from __future__ import annotations

import json
from typing import Any

from checks.drift.model import FieldDiff

ABSENT = "(absent)"
LONG = 120  # characters; longer values are cut in text and Markdown (the JSON and HTML views keep them whole)


def value(v: Any, *, cut: bool = True) -> str:
    """JSON spelling, so "1" and 1 stay distinguishable; None means the field is absent on that side."""
    if v is None:
        return ABSENT
    shown = json.dumps(v, sort_keys=True, separators=(",", ":"), default=str)
    return shown[: LONG - 1] + "…" if cut and len(shown) > LONG else shown


def owner(diff: FieldDiff) -> str:
    """"kubectl-edit, 2026-11-26 02:14": who last wrote the live field, and when."""
    if not diff.manager:
        return ""
    when = (diff.time or "").replace("T", " ").removesuffix("Z")[:16]
    return f"{diff.manager}, {when}" if when else diff.manager
