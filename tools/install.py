"""Install the pinned external tools (and offline core schemas) into the user cache, idempotently.

Usage: python tools/install.py [tool...]   (default: every non-optional tool in versions.json, plus the core schemas)
       python tools/install.py kube-apiserver etcd   (just the local control plane)

Binaries go to ${PLATFORMCTL_CACHE:-~/.cache/platformctl}/bin/<tool>-<version>: outside the repo so a
fresh clone (CI) reuses what an earlier run built. Plain tools are built by `go install module@version`;
tools whose module cannot be `go install`ed (local replace directives: kube-apiserver, etcd) by `go build`
inside their wrapper module tools/<wrapper>/ (go.mod + go.sum committed). Either way the binary is written
to a temporary name beside the target and renamed into place, so a killed run never leaves a half-written
binary that would later be trusted. Stdlib only: this runs before any virtualenv exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent
VERSIONS_FILE = TOOLS_DIR / "versions.json"
SCHEMAS = "schemas"  # pseudo-tool: the converted Kubernetes core schemas


def cache_dir() -> Path:
    """The cache root; PLATFORMCTL_CACHE overrides it (tests point it at a tmp dir)."""
    env = os.environ.get("PLATFORMCTL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "platformctl"


def versions() -> dict[str, dict[str, str]]:
    """The pinned tools: the single place their versions live."""
    return json.loads(VERSIONS_FILE.read_text())


def default_tools() -> list[str]:
    """The tools installed when none is named: every pin not marked `"optional": true` (gitea: a long build)."""
    return [name for name, pin in versions().items() if not pin.get("optional")]


def binary_path(name: str, cache: Path | None = None) -> Path:
    """Where the pinned binary of `name` lives in the cache."""
    pin = versions()[name]
    return (cache or cache_dir()) / "bin" / f"{name}-{pin['version']}"


def _go(name: str, pin: dict[str, str]) -> str:
    go = shutil.which("go")
    if go is None:
        raise SystemExit(f"{name}: `go` is not on PATH; install Go to build {pin['module']}@{pin['version']}")
    return go


def wrapper_dir(name: str) -> Path:
    """The wrapper module that builds `name` (tools/<wrapper>/)."""
    return TOOLS_DIR / versions()[name]["wrapper"]


def check_wrapper(name: str) -> None:
    """Refuse to build when the wrapper's go.mod requires another version than versions.json pins.

    versions.json names the binary, go.mod decides what is compiled: if they disagreed, a binary named
    for one version would silently contain another.
    """
    pin = versions()[name]
    gomod = (wrapper_dir(name) / "go.mod").read_text()
    required = re.search(rf"^\s*(?:require\s+)?{re.escape(pin['module'])}\s+(\S+)", gomod, re.MULTILINE)
    if required is None or required.group(1) != pin["version"]:
        found = required.group(1) if required else "nothing"
        raise RuntimeError(f"{name}: tools/{pin['wrapper']}/go.mod requires {pin['module']} {found}, "
                           f"but tools/versions.json pins {pin['version']}; update one of them and run `go mod tidy`")


def ldflags(pin: dict[str, str]) -> str:
    """The pin's -ldflags with {version}, {bare} (no "v"), {major}, {minor} and {tags} filled in.

    kube-apiserver and gitea report the version they were built from only when it is linked in.
    """
    bare = pin["version"].lstrip("v")
    major, minor = bare.split(".")[:2]
    return pin.get("ldflags", "").format(version=pin["version"], bare=bare, major=major, minor=minor,
                                         tags=pin.get("tags", "").replace(" ", ","))


def _build(name: str, target: Path, go: str, directory: Path) -> None:
    """`go install` a plain tool into a temporary GOBIN, then rename it to `target`."""
    pin = versions()[name]
    env = {**os.environ, "GOBIN": str(directory), "CGO_ENABLED": "0"}
    subprocess.run([go, "install", f"{pin['module']}@{pin['version']}"], env=env, check=True)
    built = directory / Path(pin["module"]).name
    if not built.is_file():  # module path ending in a major version (…/kustomize/v5) names the binary by its parent
        built = directory / name
    os.replace(built, target)


def _build_wrapped(name: str, target: Path, go: str, directory: Path) -> None:
    """`go build` the pin's package inside its wrapper module (go.sum verified, nothing edited), then rename."""
    pin = versions()[name]
    check_wrapper(name)
    built = directory / name
    cgo = "1" if pin.get("cgo") else "0"  # gitea: cgo for mattn/go-sqlite3 (needs a C compiler)
    env = {**os.environ, "CGO_ENABLED": cgo, "GOFLAGS": f"{os.environ.get('GOFLAGS', '')} -mod=readonly".strip()}
    command = [go, "build", "-trimpath", "-buildvcs=false", "-o", str(built)]
    if tags := pin.get("tags"):
        command += ["-tags", tags]
    if flags := ldflags(pin):
        command += ["-ldflags", flags]
    subprocess.run([*command, pin["package"]], cwd=wrapper_dir(name), env=env, check=True)
    os.replace(built, target)


def install_binary(name: str, cache: Path | None = None) -> Path:
    """Build `name` unless the pinned binary is already cached."""
    target = binary_path(name, cache)
    if target.is_file() and os.access(target, os.X_OK):
        print(f"{name}: reusing {target}")
        return target
    pin = versions()[name]
    go = _go(name, pin)
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"{name}: building {pin['module']} {pin['version']} (this can take minutes)", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-build-") as directory:
        build = _build_wrapped if "wrapper" in pin else _build
        build(name, target, go, Path(directory))
    print(f"{name}: built {target} in {time.monotonic() - started:.1f}s")
    return target


def install_schemas(cache: Path | None = None) -> Path:
    """Convert the kubernetes-validate schemas for the platform's Kubernetes minor (see checks/coreschemas.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks.coreschemas import convert

    return convert(cache or cache_dir())


def main(argv: list[str]) -> int:
    """Install the named tools, or all of them."""
    names = argv or [*default_tools(), SCHEMAS]
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
