"""Pause Python's cyclic garbage collector around bulk work on acyclic data.

Rendering, loading and checking allocate hundreds of thousands of short-lived dicts while holding
every model: each collection rescans everything alive, again and again (measured: object building
for 1000 tenants 1.6 s -> 0.3 s, loading 62k manifests 4.3 s -> 3.3 s). Reference counting still
frees the data; the collector is back on afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
