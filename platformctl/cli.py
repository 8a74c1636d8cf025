"""The ``platformctl`` command: wires subcommands to the generator and the checks, holds no logic.

Exit codes: 0 clean, 1 findings (e.g. rendered/ is stale), 2 bad input or broken environment.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from generator import build, schema
from generator.errors import BlueprintError
from platformctl.progress import interactive

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


def _fail_input(exc: BlueprintError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(exc.problems)} problem(s); nothing was written", err=True)
    sys.exit(EXIT_BAD_INPUT)


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="platform repository holding blueprints/, environments/ and rendered/",
)


class _Group(click.Group):
    """Exit 2 on an unexpected error: exit 1 means findings, and CI must tell the two apart."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception:
            traceback.print_exc()
            click.echo("platformctl: internal error (the traceback above); nothing was written", err=True)
            sys.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group)
@click.version_option(package_name="platformctl")
def main() -> None:
    """Render, check and run a multi-tenant developer platform from YAML blueprints."""


@main.command()
@root_option
@click.option("--env", "only", metavar="ENV", help="render only this environment")
@click.option("--check", is_flag=True, help="write nothing; exit 1 if rendered/ is out of date")
def render(root: Path, only: str | None, check: bool) -> None:
    """Render blueprints into rendered/<env>/ (atomically, pruning what was removed)."""
    try:
        if interactive():
            from platformctl.progress import render_with_progress

            report = render_with_progress(root, only=only, check=check)
        else:
            report = build.run(root, only=only, check=check, background_cleanup=True)
    except BlueprintError as exc:
        _fail_input(exc)
    if check:
        _print_check(report)
        sys.exit(0 if report.clean else EXIT_FINDINGS)
    for env in report.envs:
        what = f"{len(env.written)} written, {len(env.removed)} removed" if env.written or env.removed else "unchanged"
        click.echo(f"rendered/{env.env}: {env.files} files, {what}")
    for name in report.pruned_envs:
        click.echo(f"rendered/{name}: removed (no such environment)")


def _print_check(report: build.RenderReport) -> None:
    for env in report.envs:
        assert env.stale is not None
        for label, paths in (("stale", env.stale.stale), ("missing", env.stale.missing), ("extra", env.stale.extra)):
            for path in paths:
                click.echo(f"{label}: rendered/{env.env}/{path}")
    for name in report.extra_envs:
        click.echo(f"extra: rendered/{name}/ (no such environment)")
    if report.clean:
        click.echo("rendered/ is up to date")
    else:
        click.echo("rendered/ is out of date: run 'platformctl render'", err=True)


@main.command("schema")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"directory for the schemas (default: <root>/{schema.SCHEMA_DIR})")
@click.option("--check", is_flag=True, help="write nothing; exit 1 if the schema files are out of date")
def schema_command(root: Path, out: Path | None, check: bool) -> None:
    """Write a JSON Schema per blueprint kind, for editors."""
    directory = out or root / schema.SCHEMA_DIR
    if check:
        stale = schema.stale(directory)
        for name in stale:
            click.echo(f"stale: {directory / name}")
        sys.exit(EXIT_FINDINGS if stale else 0)
    for name in schema.write(directory):
        click.echo(f"wrote {directory / name}")

from platformctl.policy_command import policy  # noqa: E402 - registered last: the command module imports checks

main.add_command(policy)

from platformctl.validate_command import validate_command  # noqa: E402 - registered last, like policy

main.add_command(validate_command)

from platformctl.check_command import check  # noqa: E402 - registered last, like policy

main.add_command(check)

from platformctl.cluster_command import cluster  # noqa: E402 - registered last, like policy

main.add_command(cluster)

from platformctl.drift_command import drift  # noqa: E402 - registered last, like policy

main.add_command(drift)

from platformctl.secrets_command import secrets  # noqa: E402 - registered last, like policy

main.add_command(secrets)

from platformctl.diff_command import diff  # noqa: E402 - registered last, like policy

main.add_command(diff)

from platformctl.propose_command import propose_command  # noqa: E402 - registered last, like policy

main.add_command(propose_command)

from platformctl.gitea_commands import drift_issue, pr_comment  # noqa: E402 - registered last, like policy

main.add_command(pr_comment)
main.add_command(drift_issue)
