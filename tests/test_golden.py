"""Golden output: a small platform with edge cases, rendered byte for byte.

Regenerate after an intended change with ``PLATFORMCTL_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff of tests/golden/expected/ like any other change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator import build
from tests.support import tree_digest

GOLDEN = Path(__file__).parent / "golden"


def test_golden_tree(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(GOLDEN / "input", root)
    build.run(root)
    produced = root / "rendered"
    expected = GOLDEN / "expected"
    if os.environ.get("PLATFORMCTL_UPDATE_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(produced, expected, ignore=shutil.ignore_patterns(".platformctl-*"))
    assert tree_digest(produced) == tree_digest(expected)
    for rel in tree_digest(expected):
        assert (produced / rel).read_bytes() == (expected / rel).read_bytes(), rel
