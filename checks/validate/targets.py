"""What to validate under the user's paths: manifest files, kustomization directories, kubeconform arguments.

We walk the tree ourselves (skipping hidden entries: ``.platformctl-*`` spare trees and caches, ``.git``)
because kubeconform's walk would descend into them; kubeconform is handed the non-hidden top-level entries
plus ignore patterns, so its argv stays short even for 64k files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from checks.manifests import KUSTOMIZATION

SUFFIXES = (".yaml", ".yml", ".json")  # what kubeconform reads from a directory
# kubeconform -ignore-filename-pattern values: kustomize's input (no schema; `kustomize build` checks it) and
# anything hidden below a path we pass (a deeper .platformctl-* tree or .git).
IGNORE_PATTERNS = (r"(^|/)(kustomization\.ya?ml|Kustomization)$", r"(^|/)\.[^/.]")


class UnreadablePath(Exception):
    """A path the user named does not exist or cannot be listed; validate exits 2."""


@dataclass
class Targets:
    """The collected work: files kubeconform checks, directories kustomize builds, kubeconform's arguments."""

    files: list[Path] = field(default_factory=list)
    kustomize_dirs: list[Path] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in (".", "..")


def collect(paths: list[Path]) -> Targets:
    """Walk ``paths`` once; a missing or unreadable path raises UnreadablePath (never silently nothing)."""
    targets = Targets()
    for path in paths:
        if path.is_file():
            if path.name in KUSTOMIZATION:
                targets.kustomize_dirs.append(path.parent)
            else:
                targets.files.append(path)
                targets.arguments.append(str(path))
            continue
        if not path.is_dir():
            raise UnreadablePath(f"{path}: no such file or directory")
        try:
            top = sorted(os.listdir(path))
        except OSError as exc:
            raise UnreadablePath(f"{path}: cannot read: {exc.strerror}") from exc
        targets.arguments.extend(str(path / name) for name in top
                                 if not _hidden(name) and ((path / name).is_dir() or name.endswith(SUFFIXES)))
        _walk(path, targets)
    return targets


def _walk(root: Path, targets: Targets) -> None:
    def fail(exc: OSError) -> None:
        raise UnreadablePath(f"{exc.filename}: cannot read: {exc.strerror}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        base = Path(dirpath)
        for name in sorted(filenames):
            if _hidden(name):
                continue
            if name in KUSTOMIZATION:
                targets.kustomize_dirs.append(base)
            elif name.endswith(SUFFIXES):
                targets.files.append(base / name)
