"""Loopback TCP ports: pick free ones, or refuse a requested one that is taken."""

from __future__ import annotations

import socket
from contextlib import ExitStack

from checks.cluster.errors import ClusterError

HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """`count` distinct ports nothing listens on now (all held open at once, so they cannot repeat)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)]
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


def ensure_free(port: int) -> None:
    """Fail clearly before starting anything if `port` is already bound on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # like the servers: TIME_WAIT is not "in use"
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise ClusterError(f"port {port} on {HOST} is in use ({exc.strerror}); choose another with --port, "
                               "or omit --port to use a free one") from exc


def is_listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0
