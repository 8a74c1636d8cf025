"""Helpers shared by the tests: throwaway platform repos built from the example platform."""

from __future__ import annotations

import hashlib
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def example_repo(dest: Path, *, rendered: bool = False) -> Path:
    """A copy of the example platform (blueprints/ and environments/, optionally rendered/)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "blueprints", dest / "blueprints")
    shutil.copytree(REPO / "environments", dest / "environments")
    if rendered:
        shutil.copytree(REPO / "rendered", dest / "rendered")
    return dest


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> sha256 of every file under ``root``, hidden platformctl entries excluded.

    Hidden directories are never entered: detached housekeeping may be deleting or building them
    while we read.
    """
    found = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".platformctl-")]
        for name in filenames:
            if name.startswith(".platformctl-"):
                continue
            path = Path(directory) / name
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(found.items()))


def platformctl(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "platformctl", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def write_tenant(root: Path, name: str, body: str) -> Path:
    path = root / "blueprints" / "tenants" / f"{name}.yaml"
    path.write_text(body)
    return path


def synthetic_tenant(name: str, index: int) -> str:
    """A tenant with 3 apps, 2 databases and 2 sandboxes, unique hosts per index."""
    return f"""apiVersion: platformctl.dev/v1alpha1
kind: Tenant
metadata: {{name: {name}}}
spec:
  owners: [owner@{name}.io]
  members: [dev@{name}.io]
  quota: {{cpu: "6", memory: 12Gi, storage: 200Gi, pods: 40}}
  apps:
    - name: web
      image: registry.example.com/{name}/web:1.{index}.0
      databases: [main]
      ingress: {{host: {name}-web}}
    - {{name: jobs, image: registry.example.com/{name}/jobs:1.0.0, databases: [main, events]}}
    - {{name: api, runtime: kubero, repo: {name}/api, image: registry.example.com/{name}/api:2.0.0}}
  databases:
    - {{name: main}}
    - {{name: events, backup: {{schedule: "0 0 3 * * *"}}}}
  sandboxes:
    - {{user: owner@{name}.io}}
    - {{user: dev@{name}.io}}
"""


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "platformctl", *args], stdout=secondary, stderr=secondary,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    return proc.wait(), b"".join(chunks).decode(errors="replace")


def stored_differently(stored: Any, desired: Any, path: str = "") -> list[str]:
    """Fields of ``desired`` the API server stored differently (a rewrite there would show up as drift);
    fields the server adds are not differences."""
    if isinstance(desired, dict):
        if not isinstance(stored, dict):
            return [path]
        return [p for key, value in desired.items()
                for p in stored_differently(stored.get(key), value, f"{path}.{key}")]
    if isinstance(desired, list):
        if not isinstance(stored, list) or len(stored) != len(desired):
            return [path]
        pairs = enumerate(zip(stored, desired, strict=True))
        return [p for i, (s, d) in pairs for p in stored_differently(s, d, f"{path}[{i}]")]
    return [] if stored == desired else [f"{path}: {desired!r} -> {stored!r}"]
