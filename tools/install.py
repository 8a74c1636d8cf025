"""Install the pinned external tools (and offline core schemas) into the user cache, idempotently.

Usage: python tools/install.py [tool...]   (default: every tool in versions.json, plus the core schemas)

Binaries go to ${PLATFORMCTL_CACHE:-~/.cache/platformctl}/bin/<tool>-<version>: outside the repo so a
fresh clone (CI) reuses what an earlier run built. Each is built by `go install` into a temporary GOBIN
and renamed into place, so a killed run never leaves a half-written binary that would later be trusted.
Stdlib only: this runs before any virtualenv exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VERSIONS_FILE = Path(__file__).resolve().with_name("versions.json")
SCHEMAS = "schemas"  # pseudo-tool: the converted Kubernetes core schemas


def cache_dir() -> Path:
    """The cache root; PLATFORMCTL_CACHE overrides it (tests point it at a tmp dir)."""
    env = os.environ.get("PLATFORMCTL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "platformctl"


def versions() -> dict[str, dict[str, str]]:
    """The pinned tools: the single place their versions live."""
    return json.loads(VERSIONS_FILE.read_text())


def binary_path(name: str, cache: Path | None = None) -> Path:
    """Where the pinned binary of `name` lives in the cache."""
    pin = versions()[name]
    return (cache or cache_dir()) / "bin" / f"{name}-{pin['version']}"


def install_binary(name: str, cache: Path | None = None) -> Path:
    """Build `name` with `go install` unless the pinned binary is already cached."""
    target = binary_path(name, cache)
    if target.is_file() and os.access(target, os.X_OK):
        print(f"{name}: reusing {target}")
        return target
    pin = versions()[name]
    go = shutil.which("go")
    if go is None:
        raise SystemExit(f"{name}: `go` is not on PATH; install Go to build {pin['module']}@{pin['version']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-build-") as gobin:
        env = {**os.environ, "GOBIN": gobin, "CGO_ENABLED": "0"}
        subprocess.run([go, "install", f"{pin['module']}@{pin['version']}"], env=env, check=True)
        built = Path(gobin) / Path(pin["module"]).name
        if not built.is_file():  # module path ending in a major version (…/kustomize/v5) names the binary by its parent
            built = Path(gobin) / name
        os.replace(built, target)
    print(f"{name}: built {target} in {time.monotonic() - started:.1f}s")
    return target


def install_schemas(cache: Path | None = None) -> Path:
    """Convert the kubernetes-validate schemas for the platform's Kubernetes minor (see checks/coreschemas.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks.coreschemas import convert

    return convert(cache or cache_dir())


def main(argv: list[str]) -> int:
    """Install the named tools, or all of them."""
    names = argv or [*versions(), SCHEMAS]
    unknown = [n for n in names if n not in versions() and n != SCHEMAS]
    if unknown:
        print(f"unknown tool(s): {', '.join(unknown)}; known: {', '.join([*versions(), SCHEMAS])}", file=sys.stderr)
        return 2
    try:
        for name in names:
            if name == SCHEMAS:
                install_schemas()
            else:
                install_binary(name)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"install failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
