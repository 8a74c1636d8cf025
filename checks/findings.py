"""The result model every checker reports in (policy now, validate later): findings, rules, a report.

One model, many views: the formats in ``checks.formats`` only render a ``Report``; none of them
decides anything, so text, JSON, SARIF and JUnit always say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {"error": 0, "warning": 1, "info": 2}

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_COULD_NOT_RUN = 2


@dataclass(frozen=True, order=True)
class RuleInfo:
    """What a rule checks and how to fix it: the metadata SARIF and JSON publish once per rule."""

    id: str
    severity: Severity
    description: str
    remediation: str


@dataclass(frozen=True)
class Finding:
    """One problem with one object (or one file, when no object could be identified)."""

    rule: str
    severity: Severity
    message: str
    file: str
    remediation: str = ""
    line: int | None = None
    kind: str = ""
    api_version: str = ""
    namespace: str = ""
    name: str = ""
    field: str | None = None

    @property
    def object_ref(self) -> str:
        """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped), as users grep for it."""
        parts = [p for p in (self.kind, self.namespace, self.name) if p]
        return "/".join(parts)

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.rule, self.kind, self.namespace, self.name, self.field or "",
                self.message)


@dataclass(frozen=True)
class Report:
    """Findings of one run, sorted, plus what was checked; suppressed findings are kept, not counted."""

    tool_command: str
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, str], ...] = ()
    objects: int = 0
    files: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, tool_command: str, rules: Iterable[RuleInfo], findings: Iterable[Finding],
              suppressed: Iterable[tuple[Finding, str]] = (), *, objects: int = 0, files: int = 0) -> Report:
        """Sort everything so that output is byte-identical whatever order the checks ran in."""
        ordered = tuple(sorted(findings, key=Finding.sort_key))
        by_severity = Counter(f.severity for f in ordered)
        return cls(
            tool_command=tool_command,
            rules=tuple(sorted(set(rules))),
            findings=ordered,
            suppressed=tuple(sorted(suppressed, key=lambda pair: (pair[0].sort_key(), pair[1]))),
            objects=objects,
            files=files,
            counts={s: by_severity.get(s, 0) for s in SEVERITIES},
        )

    def worst_exit_code(self, fail_on: Severity = "warning") -> int:
        """1 when any finding is at least as severe as ``fail_on`` (default: errors and warnings fail)."""
        limit = _RANK[fail_on]
        return EXIT_FINDINGS if any(_RANK[f.severity] <= limit for f in self.findings) else EXIT_CLEAN
