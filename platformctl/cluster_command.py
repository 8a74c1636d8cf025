"""``platformctl cluster up/down``: wiring only; the work lives in ``checks.cluster``.

Exit codes: 0 done (also when already running / already stopped), 2 could not start or stop.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checks.cluster import DEFAULT_DIR, ClusterError, timeouts
from checks.findings import EXIT_COULD_NOT_RUN
from checks.schemagen import DEFAULT_CRDS

if TYPE_CHECKING:
    from checks.cluster.state import State

dir_option = click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DIR, show_default=True,
    help="state directory: certificates, etcd data, logs, kubeconfigs, state.json",
)


@click.group("cluster")
def cluster() -> None:
    """A throwaway local control plane (etcd + kube-apiserver on 127.0.0.1) with admin and read-only kubeconfigs."""


def _show(state: State, directory: Path) -> None:
    click.echo(f"server:               {state.server}")
    click.echo(f"admin kubeconfig:     {state.admin_kubeconfig}")
    click.echo(f"read-only kubeconfig: {state.readonly_kubeconfig}")
    click.echo(f"CRDs:                 {len(state.crds)} established")
    click.echo(f"stop with:            platformctl cluster down --dir {directory}")


@cluster.command("up")
@dir_option
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="kube-apiserver port on 127.0.0.1  [default: a free one]")
@click.option("--crds", "crd_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CRDS,
              show_default=True, help="directory of the upstream CRDs to install")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=timeouts.APISERVER, show_default=True,
              help="seconds to wait for kube-apiserver to become ready")
def up_command(directory: Path, port: int | None, crd_dir: Path, timeout: float) -> None:
    """Start etcd and kube-apiserver, install the CRDs, write the kubeconfigs (does nothing if running)."""
    from checks.cluster.lifecycle import up  # imports the kubernetes client: only when needed

    try:
        result = up(directory, crd_dir=crd_dir, port=port, timeout=timeout)
    except ClusterError as exc:
        click.echo(f"platformctl cluster up: {exc}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    click.echo(f"control plane {'already running' if result.already_running else 'started'} in {directory}")
    _show(result.state, directory)


@cluster.command("down")
@dir_option
def down_command(directory: Path) -> None:
    """Stop the control plane and remove its state (logs included)."""
    from checks.cluster.lifecycle import down

    try:
        was_running = down(directory)
    except ClusterError as exc:
        click.echo(f"platformctl cluster down: {exc}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    click.echo(f"control plane in {directory} {'stopped' if was_running else 'was not running'}; state removed")


@cluster.command("apply")
@dir_option
@click.option("--env", "env", required=True, help="the environment whose rendered/<env> to apply")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository holding rendered/")
def apply_command(directory: Path, env: str, root: Path) -> None:
    """Server-side apply rendered/<env> into the local control plane, as Argo CD would sync it.

    For trying the platform locally (then ``platformctl drift`` against it): the local control plane runs no
    controllers, so nothing is reconciled, only stored. Field manager ``platformctl``, conflicts forced.
    """
    from checks.cluster import kubeconfig
    from checks.cluster.lifecycle import status
    from checks.drift.apply import DryRunError, apply_order, server_side_apply
    from checks.drift.desired import load_env
    from checks.drift.discovery import discover
    from checks.drift.kubeapi import Requester
    from checks.manifests import ManifestError

    state = status(directory)
    if state is None:
        click.echo(f"platformctl cluster apply: no control plane running in {directory}; "
                   "run 'platformctl cluster up' first", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    try:
        desired = load_env(root, env)
    except ManifestError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    api = kubeconfig.api_client(Path(state.admin_kubeconfig))
    refused: list[str] = []
    try:
        served = discover(Requester(api))
        for item in sorted(desired, key=lambda d: apply_order(d.obj)):
            try:
                server_side_apply(api, item.obj, field_manager="platformctl", served=served)
            except DryRunError as exc:
                refused.append(f"{exc.ref}: HTTP {exc.status}: {exc}")
    finally:
        api.close()
    for line in refused:
        click.echo(line, err=True)
    click.echo(f"applied {len(desired) - len(refused)} of {len(desired)} objects of rendered/{env}")
    sys.exit(EXIT_COULD_NOT_RUN if refused else 0)
