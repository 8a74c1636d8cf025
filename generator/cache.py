"""What the last render wrote, so an unchanged tenant is linked instead of rendered again.

A tenant's files are a pure function of (generator code, platform, environment, tenant). The cache
records, per environment, a hash of the first three and per tenant a hash of its blueprint and the
identity (inode, size, mtime) of each file it produced. A tenant is reused only when all hashes
match and every one of its files on disk is still the very file the last render wrote; anything
else (a hand edit, a git checkout, a new platformctl) renders it again. ``render --check`` never
uses the cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import marshal
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pydantic
import yaml

from generator.model import Environment, Platform, Tenant

FORMAT = 2  # 2: marshal instead of JSON (a 1,000-tenant cache loads in a third of the time)
Identity = tuple[int, int, int]  # st_ino, st_size, st_mtime_ns


def _code_hash() -> str:
    """Hash of what shapes the output besides the inputs: the generator's own sources and the
    versions of Python and the libraries that emit or compute bytes (PyYAML and LibYAML, pydantic,
    the quantity parser). New code or libraries, new output, no stale reuse."""
    digest = hashlib.sha256()
    versions = [sys.version, yaml.__version__, str(getattr(yaml, "__with_libyaml__", False)),
                pydantic.VERSION, importlib.metadata.version("kubernetes")]
    if getattr(yaml, "__with_libyaml__", False):
        versions.append(yaml._yaml.get_version_string())
    digest.update("\0".join(versions).encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE = _code_hash()


def context_key(platform: Platform, env: Environment) -> str:
    blob = f"{FORMAT}\0{CODE}\0{platform.model_dump_json()}\0{env.model_dump_json()}"
    return hashlib.sha256(blob.encode()).hexdigest()


def tenant_key(tenant: Tenant) -> str:
    return hashlib.sha256(tenant.model_dump_json().encode()).hexdigest()


def identity(path: Path | str) -> Identity:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class TenantEntry:
    key: str
    files: dict[str, Identity]


@dataclass
class RenderCache:
    context: str
    tenants: dict[str, TenantEntry] = field(default_factory=dict)

    def reusable(self, tenant: Tenant, key: str, tree: Path) -> list[str] | None:
        """The tenant's file paths if its cached files are still on disk untouched, else None."""
        entry = self.tenants.get(tenant.name)
        if entry is None or entry.key != key:
            return None
        base = f"{tree}/"
        try:
            if all(identity(base + rel) == ident for rel, ident in entry.files.items()):
                return list(entry.files)
        except OSError:
            pass
        return None


def path_for(tree: Path) -> Path:
    return tree.parent / f".platformctl-cache-{tree.name}.marshal"


def load(tree: Path, context: str) -> RenderCache:
    """The cache of ``tree`` if it was written for this context, else an empty one. marshal, not JSON: it
    is read on every render, holds an identity per file, and only this Python writes it (the context key
    includes the Python version; another one's file is a miss, never an error)."""
    try:
        data = marshal.loads(path_for(tree).read_bytes())
        if data.get("format") != FORMAT or data.get("context") != context:
            return RenderCache(context)
        tenants = {
            str(name): TenantEntry(str(key), {str(rel): _identity(ident) for rel, ident in files.items()})
            for name, (key, files) in data["tenants"].items()
        }
    except Exception:  # unreadable, truncated or not ours: a cache miss, never a failure
        return RenderCache(context)
    return RenderCache(context, tenants)


def _identity(value: object) -> Identity:
    ino, size, mtime = value  # type: ignore[misc]
    return int(ino), int(size), int(mtime)


def save(tree: Path, cache: RenderCache) -> None:
    """Write atomically; a cache lost to a crash only costs a full render next time."""
    data = {
        "format": FORMAT,
        "context": cache.context,
        "tenants": {name: (e.key, e.files) for name, e in sorted(cache.tenants.items())},
    }
    target = path_for(tree)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(marshal.dumps(data))
    tmp.replace(target)


def forget(tree: Path) -> None:
    path_for(tree).unlink(missing_ok=True)
