"""Views of a DiffReport: Markdown for a pull-request comment, JSON as the canonical model."""

from __future__ import annotations

import json
from typing import Any

from review.diff import PLATFORM, DiffReport, EnvDiff, ObjectId, OwnerDiff

MAX_FIELDS = 8  # per changed object in Markdown; JSON has them all


def _object(obj: ObjectId) -> dict[str, str]:
    return {"kind": obj.kind, "namespace": obj.namespace, "name": obj.name, "path": obj.path}


def to_dict(report: DiffReport) -> dict[str, Any]:
    return {
        "base": report.base,
        "baseCommit": report.base_commit,
        "changed": not report.empty,
        "environments": [{
            "environment": env.env,
            "status": env.status,
            "owners": [{
                "tenant": part.owner or None,
                "added": [_object(o) for o in part.added],
                "removed": [_object(o) for o in part.removed],
                "changed": [{**_object(c.object), "fields": list(c.fields)} for c in part.changed],
            } for part in env.owners],
        } for env in report.envs],
        "unchangedTenants": report.quiet_tenants,
        "baseRenderedDiffers": report.base_stale,
    }


def to_json(report: DiffReport) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=True) + "\n"


def _owner(part: OwnerDiff) -> str:
    return f"tenant `{part.owner}`" if part.owner != PLATFORM else "platform"


def _counts(part: OwnerDiff) -> str:
    return f"{len(part.added)} added, {len(part.removed)} removed, {len(part.changed)} changed"


def _fields(fields: tuple[str, ...]) -> str:
    shown = ", ".join(f"`{f}`" for f in fields[:MAX_FIELDS])
    more = len(fields) - MAX_FIELDS
    return shown + (f" and {more} more" if more > 0 else "")


def _env(env: EnvDiff) -> list[str]:
    title = f"### {env.env}" + {"added": " (new environment)", "removed": " (environment removed)"}.get(env.status, "")
    lines = [title, "", "| owner | added | removed | changed |", "|---|---:|---:|---:|"]
    lines += [f"| {_owner(p)} | {len(p.added)} | {len(p.removed)} | {len(p.changed)} |" for p in env.owners]
    for part in env.owners:
        lines += ["", f"<details><summary>{_owner(part)}: {_counts(part)}</summary>", ""]
        lines += [f"- added `{o}`" for o in part.added]
        lines += [f"- removed `{o}`" for o in part.removed]
        lines += [f"- changed `{c.object}`: {_fields(c.fields)}" for c in part.changed]
        lines += ["", "</details>"]
    return lines


def to_markdown(report: DiffReport) -> str:
    head = f"## What this change does to rendered/ (against `{report.base}`, {report.base_commit[:12]})"
    lines = [head, ""]
    if report.empty:
        lines.append("Nothing rendered changes in any environment.")
    for env in report.envs:
        lines += [*_env(env), ""]
    if report.quiet_tenants:
        names = ", ".join(f"`{t}`" for t in report.quiet_tenants)
        lines += [f"Blueprint edited, nothing rendered changed: {names}.", ""]
    if report.base_stale:
        lines += [f"Note: {len(report.base_stale)} file(s) of the base's committed rendered/ differ from what this "
                  "platformctl renders for the base: part of what Argo CD will see comes from platformctl itself "
                  "(a code change), not from the blueprints.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
