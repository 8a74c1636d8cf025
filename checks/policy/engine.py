"""Run every rule over every object once, apply exemptions, and return a sorted ``Report``."""

from __future__ import annotations

import datetime

from checks.findings import Finding, Report
from checks.manifests import Manifest
from checks.policy import context as context_mod
from checks.policy.context import Context
from checks.policy.exemptions import EXPIRED_RULE, NONE, Exemption, Exemptions, covers
from checks.policy.facts import PlatformFacts
from checks.policy.registry import RULES, Rule

Suppressed = tuple[Finding, str]  # a finding an exemption covers, with the exemption's reason


def _by_kind(kinds: set[str]) -> dict[str, list[Rule]]:
    """Dispatch table: the rules each kind is shown, in ID order (computed once per run)."""
    table = {kind: [r for r in RULES.values() if r.kinds is None or kind in r.kinds] for kind in kinds}
    return {kind: sorted(rules, key=lambda r: r.info.id) for kind, rules in table.items()}


def judge(manifests: list[Manifest], ctx: Context, active: list[Exemption]) -> tuple[list[Finding], list[Suppressed]]:
    """Every rule's findings on ``manifests`` (indexed into ``ctx``), split by the active exemptions."""
    table = _by_kind({m.kind for m in manifests})
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    for m in manifests:
        for r in table[m.kind]:
            for message, field in r.check(m, ctx):
                info = r.info
                finding = Finding(info.id, info.severity, message, m.file, info.remediation, m.line, m.kind,
                                  m.api_version, m.namespace, m.name, field)
                exemption = next((e for e in active if covers(e, info.id, m)), None) if active else None
                if exemption is None:
                    findings.append(finding)
                else:
                    suppressed.append((finding, exemption.reason))
    return findings, suppressed


def report(findings: list[Finding], suppressed: list[Suppressed], exemptions: Exemptions, today: datetime.date,
           *, objects: int, files: int) -> Report:
    """The Report of a run: rule findings plus expired exemptions, sorted whatever order shards finished in."""
    rules = [r.info for r in RULES.values()] + [EXPIRED_RULE]
    return Report.build("policy", rules, exemptions.expired(today) + findings, suppressed, objects=objects,
                        files=files)


def run(manifests: list[Manifest], *, facts: PlatformFacts | None = None, exemptions: Exemptions = NONE,
        today: datetime.date, files: int = 0) -> Report:
    """Judge ``manifests``; pure apart from the date, which the caller passes in (tests pin it)."""
    ctx = context_mod.build(manifests, facts or PlatformFacts())
    findings, suppressed = judge(manifests, ctx, exemptions.active(today))
    return report(findings, suppressed, exemptions, today, objects=len(manifests), files=files)
