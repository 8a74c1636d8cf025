"""Wait for a server's health endpoint, failing fast (with its log) when the server dies."""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from checks.cluster.errors import ClusterError
from checks.cluster.process import Proc, alive, log_tail

if TYPE_CHECKING:
    from checks.cluster.pki import Pair


def tls_context(ca: Path, client: Pair) -> ssl.SSLContext:
    """Trust only our CA and present a client certificate (both servers require one)."""
    context = ssl.create_default_context(cafile=str(ca))
    context.load_cert_chain(str(client.cert), str(client.key))
    return context


def get(url: str, context: ssl.SSLContext, timeout: float = 5.0) -> tuple[int, str]:
    """Status and body of a GET; (0, reason) when nothing answered."""
    try:
        with urllib.request.urlopen(url, context=context, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        return 0, str(getattr(exc, "reason", exc))


def wait_healthy(what: str, url: str, context: ssl.SSLContext, proc: Proc, log: Path, timeout: float) -> None:
    """Poll `url` until it answers 200; raise ClusterError with the log tail if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    status, body = 0, ""
    while True:
        if not alive(proc):
            tail = log_tail(log)
            hint = " (a port was taken after it was chosen: run up again)" if "address already in use" in tail else ""
            raise ClusterError(f"{what} exited during startup{hint}; last lines of {log}:\n{tail}")
        status, body = get(url, context, timeout=min(5.0, max(0.5, deadline - time.monotonic())))
        if status == 200:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    last = f"HTTP {status}" if status else body
    detail = "\n".join(line for line in body.splitlines() if "failed" in line)[:2000] if status else ""
    raise ClusterError(f"{what} not ready at {url} within {timeout:g}s (last answer: {last})"
                       + (f"\n{detail}" if detail else "") + f"\nlast lines of {log}:\n{log_tail(log)}")
