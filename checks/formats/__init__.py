"""Views of a ``checks.findings.Report``: text for people, JSON (canonical), SARIF and JUnit for CI."""

from __future__ import annotations

from collections.abc import Callable

from checks.findings import Report
from checks.formats import json, junit, sarif, text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
