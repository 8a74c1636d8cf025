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
