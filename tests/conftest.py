"""Fixtures shared by the test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A throwaway copy of the example platform (blueprints/ and environments/, no rendered/).

    The example is valid, so a test breaks exactly one thing and asserts exactly what is reported.
    """
    root = tmp_path / "repo"
    root.mkdir()
    for part in ("blueprints", "environments"):
        shutil.copytree(EXAMPLE_ROOT / part, root / part)
    return root
