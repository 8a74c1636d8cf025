"""Exemptions: the platform team's, in ``checks/policy.yaml``, each with a reason and an expiry date.

Objects cannot exempt themselves: annotations are never read, because whoever writes the object
would then decide which rules apply to it. An expired exemption stops applying and becomes a
finding of its own, so it is renewed or removed rather than forgotten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.findings import Finding, RuleInfo
from checks.manifests import Manifest

EXPIRED_RULE = RuleInfo("exemption-expired", "error", "Policy exemptions must not outlive their expiry date",
                        "Fix the objects and remove the exemption, or renew it with a new date and reason.")


class PolicyFileError(Exception):
    """checks/policy.yaml is unreadable or invalid; the CLI exits 2."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(_Strict):
    """Which objects an exemption covers; every field a glob (``*``, ``?``, ``[...]``), all must match."""

    kind: str = "*"
    namespace: str = "*"
    name: str = "*"
    environment: str = "*"


class Exemption(_Strict):
    rule: str = Field(min_length=1)
    match: Selector
    reason: str = Field(min_length=10, description="why the rule does not apply; reviewed like code")
    expires: datetime.date


class PolicyFile(_Strict):
    apiVersion: Literal["platformctl.dev/v1alpha1"]  # the YAML key
    kind: Literal["PolicyExemptions"]
    exemptions: list[Exemption] = []


@dataclass(frozen=True)
class Exemptions:
    file: str
    entries: tuple[tuple[Exemption, int], ...]  # with the line each entry starts on

    def active(self, today: datetime.date) -> list[Exemption]:
        return [e for e, _ in self.entries if e.expires >= today]

    def expired(self, today: datetime.date) -> list[Finding]:
        return [
            Finding(EXPIRED_RULE.id, EXPIRED_RULE.severity,
                    f"exemption of {e.rule} for {e.match.kind}/{e.match.namespace}/{e.match.name} expired on "
                    f"{e.expires.isoformat()}", self.file, EXPIRED_RULE.remediation, line)
            for e, line in self.entries if e.expires < today
        ]


NONE = Exemptions("", ())


def _entry_lines(text: str) -> list[int]:
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "exemptions" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def load(path: Path, known_rules: set[str], shown: str | None = None) -> Exemptions:
    """Parse and strictly validate the exemption file; unknown fields or rule IDs are errors."""
    shown = shown or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        lines = _entry_lines(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyFileError([f"{shown}: cannot read: {exc}"]) from exc
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            line = lines[loc[1]] if len(loc) > 1 and loc[0] == "exemptions" and isinstance(loc[1], int) \
                and loc[1] < len(lines) else 1
            where = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{shown}:{line}: {where}: {error['msg']}")
        raise PolicyFileError(problems) from exc
    problems = [f"{shown}:{lines[i] if i < len(lines) else 1}: exemptions.{i}.rule: unknown rule {e.rule!r}"
                for i, e in enumerate(parsed.exemptions) if e.rule not in known_rules]
    if problems:
        raise PolicyFileError(problems)
    return Exemptions(shown, tuple(zip(parsed.exemptions, lines or [1] * len(parsed.exemptions), strict=False)))


def covers(exemption: Exemption, rule_id: str, m: Manifest) -> bool:
    sel = exemption.match
    return (exemption.rule == rule_id and fnmatchcase(m.kind, sel.kind) and fnmatchcase(m.namespace, sel.namespace)
            and fnmatchcase(m.name, sel.name) and fnmatchcase(m.env, sel.environment))
