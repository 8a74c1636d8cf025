"""Render many tenants on all cores. Tenants are independent, so this is a plain process pool.

Workers are forked with the platform and environment already in memory; only tenants go in and
file bytes come back. Small batches run in-process, where a pool costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

from generator.model import Environment, Platform, Tenant
from generator.pipeline import Files, tenant_files

MIN_PARALLEL = 64
_context: tuple[Platform, Environment] | None = None


def _init(platform: Platform, env: Environment) -> None:
    global _context
    _context = (platform, env)


def _render(tenant: Tenant) -> tuple[str, Files]:
    assert _context is not None
    return tenant.name, tenant_files(*_context, tenant)


def workers() -> int:
    """Every core this process may use (the affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_tenants(platform: Platform, env: Environment, tenants: list[Tenant]) -> Iterator[tuple[str, Files]]:
    """(tenant name, files) for every tenant, in the order given."""
    count = workers()
    if count < 2 or len(tenants) < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
        for tenant in tenants:
            yield tenant.name, tenant_files(platform, env, tenant)
        return
    context = multiprocessing.get_context("fork")
    chunk = max(1, min(32, len(tenants) // (count * 8)))
    with context.Pool(count, initializer=_init, initargs=(platform, env)) as pool:
        yield from pool.imap(_render, tenants, chunksize=chunk)
