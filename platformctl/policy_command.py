"""``platformctl policy [PATH...]``: wiring only; the rules live in ``checks.policy``.

Exit codes: 0 clean, 1 findings at or above ``--fail-on`` (default ``warning``: warnings fail the gate
too, so they get fixed or exempted with a reason rather than ignored; ``info`` never fails),
2 when it could not run (bad YAML, invalid policy.yaml or blueprints, no such path).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

import checks
from checks.findings import EXIT_COULD_NOT_RUN, SEVERITIES
from checks.formats import FORMATS
from checks.manifests import ManifestError, shown_path
from checks.policy import RULES, sharded
from checks.policy import exemptions as exemptions_mod
from checks.policy.facts import from_repo
from generator import gcpause
from generator.errors import BlueprintError

POLICY_FILE = Path(checks.__file__).resolve().parent / "policy.yaml"


def _could_not_run(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    click.echo("platformctl policy: could not run", err=True)
    sys.exit(EXIT_COULD_NOT_RUN)


def _default_paths(root: Path) -> list[Path]:
    rendered = root / "rendered"
    paths = sorted(p for p in rendered.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if rendered.is_dir() else []
    if not paths:
        _could_not_run([f"{rendered}: no rendered environments to check (give PATHs, or run 'platformctl render')"])
    return paths


@click.command("policy")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output", "output", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="report format (json is the canonical model)")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="platform repo whose blueprints/ give registries, domains and tenants "
                   "(default: the current directory when it has blueprints/platform.yaml)")
@click.option("--exemptions", "exemption_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="exemption file (default: the platform's checks/policy.yaml)")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="warning", show_default=True,
              help="lowest severity that makes the exit code 1")
def policy(paths: tuple[Path, ...], output: str, root: Path | None, exemption_file: Path | None,
           fail_on: str) -> None:
    """Check Kubernetes manifests against the platform's policy rules (default: rendered/ of every env)."""
    with gcpause.paused():  # bulk work on acyclic data: loading and indexing tens of thousands of objects
        code = _policy(paths, output, root, exemption_file, fail_on)
    sys.exit(code)


def _policy(paths: tuple[Path, ...], output: str, root: Path | None, exemption_file: Path | None,
            fail_on: str) -> int:
    if root is None and (Path("blueprints") / "platform.yaml").is_file():
        root = Path(".")
    elif root is not None and not (root / "blueprints" / "platform.yaml").is_file():
        _could_not_run([f"{root}: no blueprints/platform.yaml (not a platform repository)"])
    targets = list(paths) or _default_paths(root or Path("."))
    path = exemption_file or (root / "checks" / "policy.yaml" if root and (root / "checks" / "policy.yaml").is_file()
                              else POLICY_FILE)
    try:
        exempt = exemptions_mod.load(path, set(RULES), shown=shown_path(path, Path.cwd()))
    except exemptions_mod.PolicyFileError as exc:
        _could_not_run(exc.problems)
    try:  # the blueprints load while the manifests parse
        report = sharded.check(targets, today=datetime.datetime.now(datetime.UTC).date(), relative_to=Path.cwd(),
                               facts=lambda: from_repo(root) if root is not None else None, exemptions=exempt)
    except BlueprintError as exc:
        _could_not_run([str(p) for p in exc.problems])
    except ManifestError as exc:
        _could_not_run(exc.problems)
    click.echo(FORMATS[output](report), nl=False)
    return report.worst_exit_code(fail_on)  # type: ignore[arg-type]

