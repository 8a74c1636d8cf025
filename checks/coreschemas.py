"""Kubernetes core schemas from kubernetes-validate, rewritten so kubeconform reads them offline.

kubernetes-validate ships `$id: https://kubernetes.io/api/...` and `$ref: /api/_definitions.json#/...`:
kubeconform would resolve those against kubernetes.io. Dropping `$id` and making refs relative to the
file's own directory lets `-schema-location <dir>/{{.ResourceKind}}{{.KindSuffix}}.json` work with no
network. Converted at install time into the user cache (too big to vendor), built in a temp dir and renamed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

ABSOLUTE_DEFS = "/api/_definitions.json#"
DONE_MARKER = ".complete"
INSTALL_COMMAND = "python tools/install.py schemas"
PLATFORM_FILE = Path(__file__).resolve().parent.parent / "blueprints" / "platform.yaml"


def minor_version(kubernetes_version: str) -> str:
    """'1.33.4' or 'v1.33' -> 'v1.33.0': kubernetes-validate publishes one schema set per minor."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", kubernetes_version.strip())
    if match is None:
        raise ValueError(f"not a Kubernetes version: {kubernetes_version!r}")
    return f"v{match[1]}.{match[2]}.0"


def platform_kubernetes_version(platform_file: Path = PLATFORM_FILE) -> str:
    """spec.kubernetesVersion of the example platform, read with a regex so install.py needs no PyYAML."""
    match = re.search(r"^\s+kubernetesVersion:\s*[\"']?([0-9.v]+)", platform_file.read_text(), re.MULTILINE)
    if match is None:
        raise ValueError(f"{platform_file}: no spec.kubernetesVersion")
    return match[1]


def core_dir(cache: Path, kubernetes_version: str) -> Path:
    """The converted schema directory of one Kubernetes minor."""
    return cache / "schemas" / "kubernetes" / f"{minor_version(kubernetes_version)}-standalone-strict"


def is_installed(cache: Path, kubernetes_version: str) -> bool:
    """True once a conversion finished (the marker is written last, before the rename)."""
    return (core_dir(cache, kubernetes_version) / DONE_MARKER).is_file()


def source_dir(kubernetes_version: str) -> Path:
    """The strict schema set of kubernetes-validate, located without importing the package."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        raise RuntimeError("kubernetes-validate is not installed (pip install -e .)")
    src = Path(spec.origin).parent / "kubernetes-json-schema" / f"{minor_version(kubernetes_version)}-local-strict"
    if not src.is_dir():
        raise RuntimeError(f"{src} missing: the installed kubernetes-validate lacks Kubernetes {kubernetes_version}")
    return src


def rewrite(node: Any) -> Any:
    """Drop `$id`, make `/api/_definitions.json#...` refs relative; leave in-file `#/$defs` refs alone."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$id":
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(ABSOLUTE_DEFS):
                value = "_definitions.json#" + value[len(ABSOLUTE_DEFS) :]
            out[key] = rewrite(value)
        return out
    if isinstance(node, list):
        return [rewrite(item) for item in node]
    return node


def convert(cache: Path, kubernetes_version: str | None = None) -> Path:
    """Convert once; an existing complete conversion is reused."""
    version = kubernetes_version or platform_kubernetes_version()
    target = core_dir(cache, version)
    if is_installed(cache, version):
        print(f"schemas: reusing {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        for src in sorted(source_dir(version).glob("*.json")):
            data = rewrite(json.loads(src.read_text()))
            (tmp / src.name).write_text(json.dumps(data, separators=(",", ":")))
        (tmp / DONE_MARKER).write_text(version + "\n")
        if target.exists():  # an incomplete leftover: never trusted
            shutil.rmtree(target)
        os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"schemas: converted Kubernetes {minor_version(version)} into {target}")
    return target
