"""Raw requests: counted, errors as values (403, 5xx, timeouts), only an unreachable server raises."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from checks.cluster import kubeconfig, pki, ports
from checks.cluster.state import State
from checks.drift.kubeapi import ClusterUnreachable, Requester, Response, ensure_pool

FORBIDDEN = (b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"secrets is forbidden: User \\"u\\" '
             b'cannot list resource \\"secrets\\" in API group \\"\\" at the cluster scope","reason":"Forbidden",'
             b'"code":403}')


def test_describe_says_why() -> None:
    assert Response(403, FORBIDDEN).describe() == ('forbidden: secrets is forbidden: User "u" cannot list resource '
                                                   '"secrets" in API group "" at the cluster scope')
    assert Response(503, b"service unavailable\n").describe() == "HTTP 503: service unavailable"
    assert Response(0, error="GET /api: ReadTimeoutError: read timed out").describe() == (
        "GET /api: ReadTimeoutError: read timed out")
    assert Response(500, b"").describe() == "HTTP 500: no message"
    assert Response(200).ok and not Response(404).ok and not Response(0).ok


def test_every_request_is_counted(readonly_api: client.ApiClient) -> None:
    requester = Requester(readonly_api)
    assert requester.request("GET", "/api/v1/namespaces/default").ok
    assert requester.request("GET", "/api/v1/namespaces/does-not-exist").status == 404
    assert requester.count == 2


def test_the_read_only_user_gets_403_as_a_value(readonly_api: client.ApiClient) -> None:
    response = Requester(readonly_api).request("POST", "/api/v1/namespaces", content_type="application/json",
                                               body={"metadata": {"name": "never"}})
    assert response.status == 403
    assert response.describe().startswith('forbidden: namespaces is forbidden: User "platformctl-readonly"')


def test_ensure_pool_raises_never_lowers(control_plane: State) -> None:
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    try:
        ensure_pool(api, 32)
        assert api.rest_client.pool_manager.connection_pool_kw["maxsize"] == 32
        ensure_pool(api, 2)
        assert api.rest_client.pool_manager.connection_pool_kw["maxsize"] == 32
    finally:
        api.close()


@pytest.fixture
def silent_server(control_plane: State) -> Iterator[str]:
    """A TLS server with the apiserver's certificate that accepts requests and never answers."""
    keys = pki.Pki(Path(control_plane.directory) / "pki")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(keys.apiserver.cert, keys.apiserver.key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                held.append(context.wrap_socket(conn, server_side=True))
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_timeout_is_an_error_value(control_plane: State, silent_server: str) -> None:
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    api.configuration.host = silent_server
    try:
        response = Requester(api, timeout=0.2).request("GET", "/api/v1/configmaps")
    finally:
        api.close()
    assert response.status == 0
    assert "timed out" in response.describe()


def test_connection_refused_raises(control_plane: State) -> None:
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    api.configuration.host = f"https://127.0.0.1:{ports.free_ports(1)[0]}"
    try:
        with pytest.raises(ClusterUnreachable, match=r"127\.0\.0\.1:\d+: cannot connect"):
            Requester(api).request("GET", "/api")
    finally:
        api.close()
