"""``platformctl validate [PATH...]``: wiring only; the work lives in ``checks.validate``.

Exit codes: 0 valid, 1 invalid (any finding), 2 when it could not run (missing binary or schemas, no such
path, kubeconform broke, unreadable blueprints/platform.yaml).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from checks.findings import EXIT_COULD_NOT_RUN, EXIT_FINDINGS, Report
from checks.formats import FORMATS
from checks.schema_registry import MissingSchemas
from checks.tools import MissingTool
from checks.validate import ValidateError, validate

DEFAULT_KUBERNETES_VERSION = "1.33.4"


def could_not_run(problems: list[str], command: str = "validate") -> None:
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"platformctl {command}: could not run", err=True)
    sys.exit(EXIT_COULD_NOT_RUN)


def kubernetes_version(root: Path) -> str | None:
    """spec.kubernetesVersion of <root>/blueprints/platform.yaml, None when root is not a platform repo."""
    path = root / "blueprints" / "platform.yaml"
    if not path.is_file():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return str(doc["spec"]["kubernetesVersion"])
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as exc:
        could_not_run([f"{path}: cannot read spec.kubernetesVersion: {exc}"])
    return None


def rendered_environments(root: Path, command: str = "validate") -> list[Path]:
    """rendered/<env> of every rendered environment (hidden .platformctl-* entries are never environments)."""
    rendered = root / "rendered"
    paths = sorted(p for p in rendered.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if rendered.is_dir() else []
    if not paths:
        could_not_run([f"{rendered}: no rendered environments (give PATHs, or run 'platformctl render')"], command)
    return paths


def run_validate(paths: list[Path], version: str, *, kustomize_builds: bool = True) -> Report:
    """validate() with could-not-run errors turned into exit 2."""
    try:
        return validate(paths, version, relative_to=Path.cwd(), kustomize_builds=kustomize_builds)
    except (MissingTool, MissingSchemas, ValidateError) as exc:
        could_not_run([str(exc)])
    raise AssertionError("unreachable")


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository: rendered/<env> are the default PATHs, blueprints/platform.yaml pins "
                   "the Kubernetes version")
@click.option("--kubernetes-version", "version", metavar="X.Y.Z", default=None,
              help=f"schemas to validate against (default: the platform's, else {DEFAULT_KUBERNETES_VERSION})")
@click.option("--output", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="report format (json is the canonical model)")
@click.option("--kustomize/--no-kustomize", "kustomize_builds", default=True, show_default=True,
              help="also `kustomize build` every directory holding a kustomization.yaml")
def validate_command(paths: tuple[Path, ...], root: Path, version: str | None, output: str,
                     kustomize_builds: bool) -> None:
    """Validate Kubernetes manifests strictly against offline schemas, and kustomize-build every kustomization."""
    version = version or kubernetes_version(root) or DEFAULT_KUBERNETES_VERSION
    report = run_validate(list(paths) or rendered_environments(root), version, kustomize_builds=kustomize_builds)
    click.echo(FORMATS[output](report), nl=False)
    sys.exit(EXIT_FINDINGS if report.findings else 0)
