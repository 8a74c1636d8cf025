"""``platformctl secrets [--env ENV]``: the records each environment's secret store must hold.

Read from ``rendered/<env>/`` (what Argo CD applies), never from a cluster, and without values (git has
none). The work is ``checks.secretkeys``; here: the environment models, file reading and the three views.
Exit codes: 0, or 2 for bad input (unknown environment, unrendered tree, malformed ExternalSecret).
``--format json`` prints one document with ``--env``, else a list of them, one per environment.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click

from checks import secretkeys
from checks.manifests import Manifest, ManifestError, entries, load_entries
from generator import loader
from generator.errors import BlueprintError
from generator.model import Environment
from platformctl.progress import interactive

EXIT_BAD_INPUT = 2
TABLE_WIDTH = 200  # off a terminal rich would wrap at 80 columns; rows are one line each in logs and docs


def _fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    click.echo("platformctl secrets: could not run", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _environments(root: Path, only: str | None) -> list[Environment]:
    """The models of the environments asked for; each must be rendered (rendered/ is what gets applied)."""
    try:
        known = loader.load(root, accounting=False).environments
    except BlueprintError as exc:
        _fail([str(p) for p in exc.problems])
    rendered = root / "rendered"
    if only is not None:
        if only not in known:
            _fail([f"{only}: no such environment (known: {', '.join(known) or 'none'})"])
        names = [only]
    else:
        names = sorted(p.name for p in rendered.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if rendered.is_dir() else []
        if not names:
            _fail([f"{rendered}: no rendered environments; run 'platformctl render'"])
        unknown = [n for n in names if n not in known]
        if unknown:
            _fail([f"{rendered / n}: no environments/{n}.yaml; run 'platformctl render' to prune it" for n in unknown])
    missing = [n for n in names if not (rendered / n).is_dir()]
    if missing:
        _fail([f"{rendered / n}: not rendered; run 'platformctl render --env {n}'" for n in missing])
    return [known[n] for n in names]


def _external_secrets(tree: Path) -> list[Manifest]:
    """Only files that mention the kind are parsed: a 1000-tenant tree has tens of thousands of others."""
    kind = secretkeys.KIND.encode()
    wanted = [(path, shown) for path, shown in entries([tree], Path.cwd()) if kind in Path(path).read_bytes()]
    manifests, problems = load_entries(wanted)
    if problems:
        raise ManifestError(problems)
    return [m for m in manifests if secretkeys.is_external_secret(m)]


def _rows(result: secretkeys.StoreRecords) -> list[tuple[str, str, str]]:
    return [(record.key, prop, ", ".join(map(str, readers)))
            for record in result.records for prop, readers in record.properties]


def _summary(result: secretkeys.StoreRecords) -> str:
    props = sum(len(r.properties) for r in result.records)
    return (f"{result.environment}: {len(result.records)} records, {props} properties in "
            f"{result.store.kind}/{result.store.name}; {result.copied} ExternalSecrets copied in-cluster "
            f"(other stores, not listed)")


def table(results: list[secretkeys.StoreRecords]) -> str:
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=None if interactive() else TABLE_WIDTH, force_terminal=interactive())
    for result in results:
        grid = Table(title=f"{result.environment}: {result.store.kind}/{result.store.name}", title_justify="left")
        for column in ("key", "property", "read by (namespace/ExternalSecret -> Secret)"):
            grid.add_column(column, overflow="fold")
        for row in _rows(result):
            grid.add_row(*row)
        console.print(grid)
        console.print(_summary(result), highlight=False)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())  # rich pads the title


def markdown(results: list[secretkeys.StoreRecords]) -> str:
    def cell(text: str) -> str:
        return f"`{text}`" if text else ""

    lines: list[str] = []
    for result in results:
        lines += [f"### {result.environment}: `{result.store.kind}/{result.store.name}`", "",
                  "| key | property | read by (namespace/ExternalSecret -> Secret) |", "|---|---|---|"]
        lines += [f"| {cell(key)} | {cell(prop)} | {readers.replace(', ', '<br>')} |"
                  for key, prop, readers in _rows(result)]
        lines += ["", _summary(result), ""]
    return "\n".join(lines)


def as_json(results: list[secretkeys.StoreRecords], single: bool) -> str:
    docs = [r.as_dict() for r in results]
    return json.dumps(docs[0] if single else docs, indent=2) + "\n"


@click.command("secrets")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository holding environments/ and rendered/")
@click.option("--env", "only", metavar="ENV", help="this environment only (default: every one under rendered/)")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="table for people, json for scripts, markdown for a PR or doc")
def secrets(root: Path, only: str | None, fmt: str) -> None:
    """List the records (keys and properties) each environment's secret store must hold, and who reads them."""
    results = []
    try:
        for env in _environments(root, only):
            store = secretkeys.Store(env.spec.secret_store.kind, env.spec.secret_store.name)
            results.append(secretkeys.records(env.name, store, _external_secrets(root / "rendered" / env.name)))
    except ManifestError as exc:
        _fail(exc.problems)
    text = {"table": lambda: table(results), "markdown": lambda: markdown(results),
            "json": lambda: as_json(results, single=only is not None)}[fmt]()
    click.echo(text, nl=False)
