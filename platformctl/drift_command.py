"""``platformctl drift --env E``: wiring only; the work lives in ``checks.drift``.

Exit codes: 0 in sync, 1 drift found, 2 could not check (bad rendered/ tree or ignore file, cluster or
Argo CD unreachable or refusing, objects that could not be read). The report is written even on 2 when
the check got that far, so a nightly job always has something to post.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

import checks
from checks.drift.formats import FORMATS
from checks.drift.model import EXIT_COULD_NOT_CHECK, DriftReport
from checks.manifests import ManifestError, shown_path
from platformctl.progress import bars, interactive

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

IGNORE_FILE = Path(checks.__file__).resolve().parent / "drift.yaml"


def _fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    click.echo("platformctl drift: could not check", err=True)
    sys.exit(EXIT_COULD_NOT_CHECK)


def _write(text: str, out: Path | None) -> None:
    """Stdout, or a file replaced atomically (a half-written report is never uploaded)."""
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("drift")
@click.option("--env", "env", required=True, help="environment to check: rendered/<env> against its cluster")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="platform repository (default: the current directory)")
@click.option("--kubeconfig", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="kubeconfig of a read-only user (default: $KUBECONFIG, else ~/.kube/config)")
@click.option("--context", default=None, help="kubeconfig context (default: its current context)")
@click.option("--argocd-url", envvar="ARGOCD_URL", default=None,
              help="Argo CD base URL (or $ARGOCD_URL); token from $ARGOCD_TOKEN or $ARGOCD_TOKEN_FILE")
@click.option("--argocd-ca", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CA bundle that signed Argo CD's certificate")
@click.option("--argocd-insecure", is_flag=True, help="do not verify Argo CD's TLS certificate (never the default)")
@click.option("--server-side", is_flag=True,
              help="desired state = the API server's dry-run apply of git (absorbs defaults; needs patch rights)")
@click.option("--field-manager", default="platformctl", show_default=True,
              help="field manager of our applies (server-side mode, and whose fields removals are drift)")
@click.option("--unmanaged", is_flag=True, help="also report fields only the live object has")
@click.option("--ignore", "ignore_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ignore rules (default: <root>/checks/drift.yaml, else the one shipped in checks/)")
@click.option("--output", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="report format (json is the canonical model)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the report to this file instead of stdout")
@click.option("--also", "also", multiple=True, metavar="FORMAT=FILE",
              help="also write the report in FORMAT to FILE (repeatable): one check, several views")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="concurrent API requests")
def drift(env: str, root: Path, kubeconfig: Path | None, context: str | None, argocd_url: str | None,
          argocd_ca: Path | None, argocd_insecure: bool, server_side: bool, field_manager: str, unmanaged: bool,
          ignore_file: Path | None, output: str, out: Path | None, also: tuple[str, ...], workers: int) -> None:
    """Compare rendered/<env> with the live cluster (and Argo CD): missing, extra, modified, unknown."""
    extra = _extra_outputs(also)
    from checks.drift import check, ignore  # imports the kubernetes client: only when drift runs
    from checks.drift.argocd import ArgoCD, ArgoCDError
    from checks.drift.kubeapi import ClusterUnreachable

    rules_path = ignore_file or (root / "checks" / "drift.yaml" if (root / "checks" / "drift.yaml").is_file()
                                 else IGNORE_FILE)
    try:
        rules = ignore.load(rules_path, shown=shown_path(rules_path, Path.cwd()))
    except ignore.DriftFileError as exc:
        _fail(exc.problems)
    api = _api_client(kubeconfig, context)
    argocd = None
    if argocd_url:
        try:
            argocd = ArgoCD.from_env(argocd_url, ca_bundle=argocd_ca, insecure=argocd_insecure)
        except ArgoCDError as exc:
            _fail([str(exc)])
    options = check.Options(server_side=server_side, field_manager=field_manager, unmanaged=unmanaged,
                            workers=workers, ignore=rules)
    try:
        if interactive():
            with bars(lambda phase: f"drift: {phase}") as advance:
                report = check.run(root, env, api, options=options, argocd=argocd, progress=advance)
        else:
            report = check.run(root, env, api, options=options, argocd=argocd)
    except ManifestError as exc:
        _fail(exc.problems)
    except ClusterUnreachable as exc:
        report = DriftReport.build(env, [], problems=[f"cluster: {exc}"])
    finally:
        api.close()
        if argocd is not None:
            argocd.close()
    _write(FORMATS[output](report), out)
    for fmt, path in extra:
        _write(FORMATS[fmt](report), path)
    sys.exit(report.exit_code())


def _extra_outputs(also: tuple[str, ...]) -> list[tuple[str, Path]]:
    """``--also markdown=drift.md`` -> [("markdown", Path("drift.md"))]; a bad entry exits 2 before any work."""
    result = []
    for entry in also:
        fmt, sep, path = entry.partition("=")
        if not sep or not path or fmt not in FORMATS:
            _fail([f"--also {entry!r}: expected FORMAT=FILE with FORMAT one of {', '.join(sorted(FORMATS))}"])
        result.append((fmt, Path(path)))
    return result


def _api_client(kubeconfig: Path | None, context: str | None) -> ApiClient:
    """An API client from the kubeconfig; a missing or broken one exits 2 naming the file."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    path = kubeconfig or Path(os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]).expanduser()
    if not path.is_file():
        _fail([f"{path}: no kubeconfig (give --kubeconfig, or set KUBECONFIG)"])
    try:
        return config.new_client_from_config(config_file=str(path), context=context)
    except (ConfigException, OSError, ValueError) as exc:
        _fail([f"{path}: unusable kubeconfig: {exc}"])
        raise  # unreachable: _fail exits
