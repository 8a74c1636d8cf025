"""A self-contained HTML page (no external assets): counts at the top, findings grouped by tenant and kind."""

from __future__ import annotations

from itertools import groupby
from typing import Any

import jinja2

from checks.drift.formats.json import as_dict
from checks.drift.formats.markdown import VERDICT
from checks.drift.formats.values import owner, value
from checks.drift.model import DriftReport

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("checks.drift.formats", "templates"),
    autoescape=True,  # every value comes from a cluster or a repo: never trusted as markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["value"] = lambda v: value(v, cut=False)
_ENV.filters["owner"] = owner


def _groups(report: DriftReport) -> list[dict[str, Any]]:
    """Tenant -> kind -> findings, in the report's (sorted) order."""
    tenants = []
    for tenant, by_tenant in groupby(report.findings, key=lambda f: f.tenant):
        kinds = [{"kind": kind, "findings": list(items)}
                 for kind, items in groupby(by_tenant, key=lambda f: f.ref.kind)]
        tenants.append({"tenant": tenant, "kinds": kinds})
    return tenants


def render(report: DriftReport) -> str:
    data = as_dict(report)
    return _ENV.get_template("report.html.j2").render(
        report=report, data=data, verdict=VERDICT[report.exit_code()], tenants=_groups(report))
