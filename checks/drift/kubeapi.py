"""Raw JSON requests through the official client's ApiClient: counted, thread-safe, errors as values.

The drift checker reads whole object lists; the client's model deserialization is slow and drops fields its
models do not know (CRDs, newer API fields), so requests go through ``param_serialize`` + ``call_api`` (the
client's auth, TLS and proxy settings) and the body is parsed with ``json.loads``. An HTTP error is a
``Response`` the caller judges per resource type; only "the cluster cannot be reached at all" raises.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

DEFAULT_TIMEOUT = 60.0  # seconds per request: one page of 500 large objects from a busy apiserver fits easily
JSON = "application/json"


class ClusterUnreachable(Exception):
    """The API server cannot be reached or refuses us as a whole (connection, TLS, credentials): exit 2."""


@dataclass(frozen=True)
class Response:
    """One HTTP exchange: ``status`` 0 when no HTTP answer came (timeout, connection reset); see ``error``."""

    status: int
    body: bytes = b""
    content_type: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    def json(self) -> Any:
        return json.loads(self.body)

    def message(self) -> str:
        """The server's own words (a Status object's message), else the transport error or the raw body."""
        if self.error:
            return self.error
        try:
            status = json.loads(self.body)
        except ValueError:
            status = None
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
        return self.body[:200].decode("utf-8", "replace").strip() or "no message"

    def describe(self) -> str:
        """Why a request failed, in one line: forbidden names the resource (the server's message does)."""
        if self.status == 403:
            return f"forbidden: {self.message()}"
        if self.status == 0:
            return self.message()
        return f"HTTP {self.status}: {self.message()}"


def _unreachable(exc: BaseException) -> bool:
    """Connection-level failures: nothing answers (or nothing we trust) at the server's address."""
    reason = getattr(exc, "reason", None) if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
                      | urllib3.exceptions.NameResolutionError | urllib3.exceptions.SSLError
                      | urllib3.exceptions.ProxyError)


def ensure_pool(api: client.ApiClient, size: int) -> None:
    """Let urllib3 keep at least ``size`` connections per host, so ``size`` threads never discard theirs.

    urllib3 keys its pools by their settings, maxsize included: raising it here makes the next request open a
    new, larger pool (the old one is dropped when unused); a larger pool the caller set up is left alone.
    """
    kw = api.rest_client.pool_manager.connection_pool_kw
    if int(kw.get("maxsize") or 1) < size:
        kw["maxsize"] = size
    if (api.configuration.connection_pool_maxsize or 0) < size:
        api.configuration.connection_pool_maxsize = size


class Requester:
    """Sends requests with one ApiClient from many threads and counts every one of them."""

    def __init__(self, api: client.ApiClient, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.api = api
        self.timeout = timeout
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def request(self, method: str, path: str, *, query: list[tuple[str, str]] | None = None,
                accept: str = JSON, content_type: str | None = None, body: dict[str, Any] | None = None) -> Response:
        """One HTTP request; raises ClusterUnreachable only when the server cannot be reached at all."""
        with self._lock:
            self._count += 1
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        prepared = self.api.param_serialize(method, path, query_params=query or None, header_params=headers,
                                            body=body, auth_settings=["BearerToken"])
        try:
            answer = self.api.call_api(*prepared, _request_timeout=self.timeout)
        except ApiException as exc:  # the client wraps TLS failures as status 0
            raise ClusterUnreachable(f"{self.api.configuration.host}: {exc.reason}") from exc
        except urllib3.exceptions.HTTPError as exc:
            return self._failed(exc, method, path)
        try:
            data = answer.read()
        except urllib3.exceptions.HTTPError as exc:  # a timeout or reset half-way through the body
            return self._failed(exc, method, path)
        finally:
            answer.response.release_conn()
        return Response(answer.status, data or b"", answer.headers.get("Content-Type", ""))

    def _failed(self, exc: urllib3.exceptions.HTTPError, method: str, path: str) -> Response:
        if _unreachable(exc):
            raise ClusterUnreachable(f"{self.api.configuration.host}: cannot connect: "
                                     f"{getattr(exc, 'reason', exc)}") from exc
        return Response(0, error=f"{method} {path}: {type(exc).__name__}: {exc}")
