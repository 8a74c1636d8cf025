"""Session fixtures: the pinned binaries and core schemas, installed through tools/install.py (never skipped)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checks.schema_registry import schema_locations
from checks.tools import binary

REPO = Path(__file__).resolve().parent.parent.parent
INSTALL = REPO / "tools" / "install.py"
KUBERNETES_VERSION = "1.33.4"


@pytest.fixture(scope="session")
def installed() -> None:
    """Run the real installer once per session; it reuses the user cache, so this is cheap when warm."""
    subprocess.run([sys.executable, str(INSTALL)], check=True, cwd=REPO)


@pytest.fixture(scope="session")
def kubeconform(installed: None) -> Path:
    """The pinned kubeconform binary."""
    return binary("kubeconform")


@pytest.fixture(scope="session")
def locations(installed: None) -> list[str]:
    """kubeconform -schema-location values for the example platform's Kubernetes version."""
    return schema_locations(KUBERNETES_VERSION)


@pytest.fixture(scope="session")
def run_kubeconform(kubeconform: Path, locations: list[str]):
    """Run kubeconform strictly (no -ignore-missing-schemas) with our locations; returns the process."""

    def run(*paths: Path | str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        args = [str(kubeconform), "-strict", "-summary", *extra]
        for location in locations:
            args += ["-schema-location", location]
        return subprocess.run([*args, *map(str, paths)], capture_output=True, text=True, check=False)

    return run
