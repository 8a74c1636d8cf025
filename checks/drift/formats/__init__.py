"""Views of a ``checks.drift.model.DriftReport``: JSON (canonical), text, Markdown (issue bodies), HTML."""

from __future__ import annotations

from collections.abc import Callable

from checks.drift.formats import html, json, markdown, text
from checks.drift.model import DriftReport

FORMATS: dict[str, Callable[[DriftReport], str]] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
    "html": html.render,
}
