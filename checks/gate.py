"""``platformctl check``, the PR gate: render --check, validate and policy over every environment.

Each step runs even when an earlier one failed (a PR author wants every problem at once); a step that
cannot run is exit 2 for that cell, never a crash of the gate. The gate's exit code is the worst cell's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import checks
from checks.findings import EXIT_CLEAN, EXIT_COULD_NOT_RUN, EXIT_FINDINGS, Report
from checks.formats import text
from checks.manifests import ManifestError
from checks.policy import RULES as POLICY_RULES
from checks.policy import exemptions as exemptions_mod
from checks.policy import sharded
from checks.policy.facts import PlatformFacts, from_repo
from checks.schema_registry import MissingSchemas
from checks.tools import MissingTool
from checks.validate import ValidateError, validate
from generator import build
from generator.errors import BlueprintError

STEPS = ("render", "validate", "policy")
PACKAGED_POLICY_FILE = Path(checks.__file__).resolve().parent / "policy.yaml"


@dataclass
class Cell:
    """One step for one environment: exit code, a short summary for the table, the lines behind it."""

    exit_code: int
    summary: str
    details: list[str] = field(default_factory=list)


@dataclass
class GateReport:
    """Cells by environment and step (in STEPS order), plus problems that belong to no environment."""

    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)
    general: list[Cell] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        codes = [c.exit_code for row in self.cells.values() for c in row.values()]
        return max([*codes, *(c.exit_code for c in self.general)], default=EXIT_CLEAN)


def _report_cell(report: Report) -> Cell:
    if not report.findings:
        return Cell(EXIT_CLEAN, f"ok ({report.objects} objects)")
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items() if n)
    return Cell(EXIT_FINDINGS, counts, [text.line(f) for f in report.findings])


def _could_not_run(problems: list[str]) -> Cell:
    return Cell(EXIT_COULD_NOT_RUN, "could not run", problems)


def _render_cells(root: Path, gate: GateReport, envs: list[str]) -> list[str]:
    """render --check for every environment; returns the environments the blueprints define."""
    try:
        report = build.run(root, check=True)
    except BlueprintError as exc:
        problems = [str(p) for p in exc.problems]
        if not envs:  # nothing rendered either: no row would carry the failure
            gate.general.append(_could_not_run(problems))
        for env in envs:
            gate.cells.setdefault(env, {})["render"] = _could_not_run(problems)
        return envs
    for env in report.envs:
        stale = env.stale
        assert stale is not None
        lines = [f"{label}: rendered/{env.env}/{p}" for label, paths in
                 (("stale", stale.stale), ("missing", stale.missing), ("extra", stale.extra)) for p in paths]
        gate.cells.setdefault(env.env, {})["render"] = (
            Cell(EXIT_FINDINGS, f"{len(lines)} files out of date", lines) if lines else Cell(EXIT_CLEAN, "up to date"))
    if report.extra_envs:
        gate.general.append(Cell(EXIT_FINDINGS, "extra environments",
                                 [f"extra: rendered/{name}/ (no such environment)" for name in report.extra_envs]))
    return [env.env for env in report.envs]


def _policy_cell(path: Path, facts: PlatformFacts | None, exemptions: exemptions_mod.Exemptions,
                 today: datetime.date) -> Cell:
    try:
        return _report_cell(sharded.check([path], today=today, relative_to=Path.cwd(), facts=facts,
                                          exemptions=exemptions))
    except ManifestError as exc:
        return _could_not_run(exc.problems)


def run(root: Path, kubernetes_version: str, *, today: datetime.date | None = None) -> GateReport:
    """Every step over every rendered environment of the platform repo at ``root``."""
    gate = GateReport()
    rendered = root / "rendered"
    on_disk = sorted(p.name for p in rendered.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if rendered.is_dir() else []
    envs = sorted(set(_render_cells(root, gate, on_disk)) | set(on_disk))
    if not envs and not gate.general:
        gate.general.append(_could_not_run([f"{root}: no environments to check"]))
    today = today or datetime.datetime.now(datetime.UTC).date()
    facts: PlatformFacts | None = None
    exemptions: exemptions_mod.Exemptions | None = None
    policy_problem: list[str] = []
    try:
        facts = from_repo(root)
        own = root / "checks" / "policy.yaml"
        exemptions = exemptions_mod.load(own if own.is_file() else PACKAGED_POLICY_FILE, set(POLICY_RULES))
    except BlueprintError as exc:
        policy_problem = [str(p) for p in exc.problems]
    except exemptions_mod.PolicyFileError as exc:
        policy_problem = exc.problems
    for env in envs:
        row = gate.cells.setdefault(env, {})
        row.setdefault("render", Cell(EXIT_CLEAN, "-"))
        path = rendered / env
        if not path.is_dir():
            row["validate"] = row["policy"] = Cell(EXIT_FINDINGS, "not rendered")
            continue
        try:
            row["validate"] = _report_cell(validate([path], kubernetes_version, relative_to=Path.cwd()))
        except (MissingTool, MissingSchemas, ValidateError) as exc:
            row["validate"] = _could_not_run([str(exc)])
        row["policy"] = _could_not_run(policy_problem) if exemptions is None else \
            _policy_cell(path, facts, exemptions, today)
    return gate
