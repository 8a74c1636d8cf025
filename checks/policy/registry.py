"""The rule registry: a rule is a function decorated with its stable ID, severity and texts.

Rules receive one object and the shared indexes (``Context``) and yield ``(message, field path)``
pairs; the engine turns them into findings. IDs are a public contract (exemptions and CI dashboards
name them): never rename one, retire it and add a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checks.findings import RuleInfo, Severity

if TYPE_CHECKING:
    from checks.manifests import Manifest
    from checks.policy.context import Context

Hit = tuple[str, "str | None"]
Check = Callable[["Manifest", "Context"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    kinds: frozenset[str] | None  # None: every kind
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, description: str, remediation: str,
         kinds: Iterable[str] | None = None) -> Callable[[Any], Any]:
    """Register the decorated check under ``rule_id``; ``kinds`` limits which objects it is shown."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"duplicate policy rule id {rule_id!r}")
        RULES[rule_id] = Rule(RuleInfo(rule_id, severity, description, remediation),
                              frozenset(kinds) if kinds is not None else None, check)
        return check

    return register
