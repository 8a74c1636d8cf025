"""Paths of the pinned external binaries that tools/install.py builds into the user cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

VERSIONS_FILE = Path(__file__).resolve().parent.parent / "tools" / "versions.json"


class MissingTool(Exception):
    """A pinned binary is not in the cache; the message says how to install it."""


def cache_dir() -> Path:
    """Same rule as tools/install.py: PLATFORMCTL_CACHE, else ~/.cache/platformctl."""
    env = os.environ.get("PLATFORMCTL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "platformctl"


def pinned_version(name: str) -> str:
    """The version tools/versions.json pins for `name`."""
    pins = json.loads(VERSIONS_FILE.read_text())
    if name not in pins:
        raise MissingTool(f"unknown tool {name!r}; pinned tools: {', '.join(sorted(pins))}")
    return pins[name]["version"]


def binary(name: str) -> Path:
    """The cached binary of `name`, never a random one from PATH (its version would be unpinned)."""
    path = cache_dir() / "bin" / f"{name}-{pinned_version(name)}"
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise MissingTool(f"{name} is not installed at {path}; run: python tools/install.py {name}")
    return path
