"""Argo CD's REST API, read only: the Applications of one environment and Argo CD's own view of their objects.

Two GETs, both checked against Argo CD's swagger by tests/drift/test_argocd.py:

    GET /api/v1/applications?selector=&projects=             ApplicationService_List -> v1alpha1ApplicationList
    GET /api/v1/applications/{name}/managed-resources         ApplicationService_ManagedResources
                                                              -> applicationManagedResourcesResponse

Neither operation takes ``limit``/``continue``: the API offers no pagination, one answer holds everything.
List filters by RBAC without saying so: an app the token may not see is simply absent, never a 403.

The bearer token comes from ``ARGOCD_TOKEN`` or from the file named by ``ARGOCD_TOKEN_FILE``, never from a
command line (every local user can read argv). It lives in one object whose repr hides it, is added to each
request only, and is scrubbed from every error message. TLS is verified unless ``insecure`` is asked for.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import ssl
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from checks.drift.model import EXIT_COULD_NOT_CHECK, AppStatus, ObjectRef

log = logging.getLogger(__name__)
T = TypeVar("T")

TOKEN_ENV = "ARGOCD_TOKEN"
TOKEN_FILE_ENV = "ARGOCD_TOKEN_FILE"
ENVIRONMENT_LABEL = "platformctl.dev/environment"
DEFAULT_TIMEOUT = 10.0  # seconds, for connect, read, write and pool each
APPLICATIONS_PATH = "/api/v1/applications"

_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: anything else would corrupt the header
_LABEL_VALUE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DETAIL_CHARS = 300


class ArgoCDError(Exception):
    """Argo CD could not be asked; its part of the drift check is incomplete."""

    exit_code = EXIT_COULD_NOT_CHECK


class ArgoCDAuthError(ArgoCDError):
    """No usable token, or Argo CD rejected it (401) or forbade the call (403)."""


class ArgoCDUnavailable(ArgoCDError):
    """Argo CD unreachable, timed out, failed TLS verification, or answered 5xx."""


@dataclass(frozen=True)
class ManagedResource:
    """One object of an Application as Argo CD compares it.

    ``target``/``live`` are the two sides of Argo CD's own diff: predictedLiveState (git's object applied onto
    live) against normalizedLiveState (live less ignoreDifferences and normalizers), else targetState/liveState
    from servers that send no predicted/normalized state. None means absent: no target, Argo CD would prune
    the object; no live, it is missing from the cluster.
    ``masked``: a core Secret. Argo CD replaced its data values (and sensitive annotations) by runs of ``+``
    whose lengths only tell equal from different, so its values must never be reported as drift.
    """

    ref: ObjectRef
    api_version: str
    modified: bool
    target: dict[str, Any] | None
    live: dict[str, Any] | None
    masked: bool = False


class _Bearer(httpx.Auth):
    """Adds the token to each request; the one place that holds it, with a repr that does not show it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "<redacted>")

    def __repr__(self) -> str:
        return "_Bearer(<redacted>)"


def read_token(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(token, where it came from) from ARGOCD_TOKEN or the file ARGOCD_TOKEN_FILE names; both set is ambiguous."""
    value, path = environ.get(TOKEN_ENV, ""), environ.get(TOKEN_FILE_ENV, "")
    if value and path:
        raise ArgoCDAuthError(f"both {TOKEN_ENV} and {TOKEN_FILE_ENV} are set: set only one")
    if value:
        token, source = value.strip(), TOKEN_ENV
    elif path:
        source = f"{TOKEN_FILE_ENV}={path}"
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ArgoCDAuthError(f"cannot read the Argo CD token file {path} ({TOKEN_FILE_ENV}): "
                                  f"{exc.strerror or type(exc).__name__}") from None
        except UnicodeDecodeError:
            raise ArgoCDAuthError(f"the Argo CD token file {path} ({TOKEN_FILE_ENV}) is not text") from None
    else:
        raise ArgoCDAuthError(f"no Argo CD token: set {TOKEN_ENV}, or {TOKEN_FILE_ENV} to a file holding it "
                              "(an API token of a read-only account: argocd account generate-token)")
    if not token:
        raise ArgoCDAuthError(f"the Argo CD token from {source} is empty")
    if not _TOKEN.fullmatch(token):
        raise ArgoCDAuthError(f"the Argo CD token from {source} is not a bearer token "
                              "(it holds spaces, control or non-ASCII characters)")
    return token, source


class ArgoCD:
    """A read-only client of one Argo CD server (base URL, with its rootpath if it has one)."""

    def __init__(self, url: str, token: str, *, token_source: str = "the caller",
                 ca_bundle: str | os.PathLike[str] | None = None, insecure: bool = False,
                 timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None,
                 client: httpx.Client | None = None) -> None:
        """``client`` is used as it is (its TLS and timeouts apply) and left open; else one is made here, on
        ``transport`` if given. TLS is verified against httpx's default CAs (certifi, or SSL_CERT_FILE), or
        ``ca_bundle`` alone; ``insecure`` turns verification off and is never the default."""
        self.url = _base_url(url)
        if not _TOKEN.fullmatch(token):
            raise ArgoCDAuthError(f"the Argo CD token from {token_source} is not a bearer token")
        self._auth = _Bearer(token)
        self._source = token_source
        self.timeout = timeout if client is None else client.timeout.read
        self.requests = 0  # made so far, for the report
        if client is not None:
            self._client, self._owned = client, False
            return
        if ca_bundle is not None and insecure:
            raise ArgoCDError("a CA bundle and insecure exclude each other")
        verify: bool | ssl.SSLContext = not insecure
        if ca_bundle is not None:
            try:
                verify = ssl.create_default_context(cafile=os.fspath(ca_bundle))
            except (OSError, ssl.SSLError) as exc:
                raise ArgoCDError(f"cannot load the CA bundle {os.fspath(ca_bundle)}: {exc}") from None
        if insecure:
            log.warning("TLS verification of Argo CD at %s is off", self.url)
        elif not self.url.startswith("https://") and not _loopback(self.url):
            log.warning("Argo CD at %s is plain HTTP: the token crosses the network in clear", self.url)
        self._client = httpx.Client(verify=verify, timeout=httpx.Timeout(timeout), transport=transport,
                                    follow_redirects=False,
                                    headers={"Accept": "application/json", "User-Agent": "platformctl"})
        self._owned = True

    @classmethod
    def from_env(cls, url: str, environ: Mapping[str, str] = os.environ, *,
                 ca_bundle: str | os.PathLike[str] | None = None, insecure: bool = False,
                 timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None,
                 client: httpx.Client | None = None) -> ArgoCD:
        """The client with the token from ARGOCD_TOKEN or ARGOCD_TOKEN_FILE (see read_token)."""
        token, source = read_token(environ)
        return cls(url, token, token_source=source, ca_bundle=ca_bundle, insecure=insecure, timeout=timeout,
                   transport=transport, client=client)

    def applications(self, environment: str | None = None, *, selector: str | None = None,
                     projects: Iterable[str] = ()) -> list[AppStatus]:
        """The Applications labelled with ``environment`` (and matching ``selector``, in ``projects``), by name."""
        selectors = [selector] if selector else []
        if environment is not None:
            if not _LABEL_VALUE.fullmatch(environment):
                raise ArgoCDError(f"environment {environment!r} is not a label value")
            selectors.insert(0, f"{ENVIRONMENT_LABEL}={environment}")
        params = [("selector", ",".join(selectors))] if selectors else []
        params += [("projects", p) for p in projects]
        return _parsed(parse_applications, self._get(APPLICATIONS_PATH, params, "list applications"), self.url)

    def managed_resources(self, app: str, *, app_namespace: str | None = None,
                          project: str | None = None) -> list[ManagedResource]:
        """Argo CD's target and live state of every object ``app`` manages (hooks excluded), sorted by ref."""
        params = [(k, v) for k, v in (("appNamespace", app_namespace), ("project", project)) if v]
        path = f"{APPLICATIONS_PATH}/{quote(app, safe='')}/managed-resources"
        body = self._get(path, params, f"read the managed resources of {app}")
        return _parsed(parse_managed_resources, body, self.url)

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def __enter__(self) -> ArgoCD:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ArgoCD({self.url!r}, token from {self._source})"

    def _get(self, path: str, params: list[tuple[str, str]], what: str) -> dict[str, Any]:
        """The JSON object GET answers, or an ArgoCDError that names the URL and never the token."""
        url = self.url + path
        self.requests += 1
        try:
            response = self._client.get(url, params=params, auth=self._auth)
        except httpx.TimeoutException as exc:
            within = f" within {self.timeout:g}s" if self.timeout else ""
            raise ArgoCDUnavailable(self._auth.scrub(
                f"Argo CD at {url} did not answer{within} ({type(exc).__name__})")) from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            hint = (": give its CA bundle, or check that the URL is Argo CD's" if "CERTIFICATE_VERIFY_FAILED" in reason
                    else "")
            raise ArgoCDUnavailable(self._auth.scrub(f"cannot reach Argo CD at {url}: {reason}{hint}")) from None
        shown = str(response.request.url)
        log.debug("GET %s -> %d", shown, response.status_code)
        status = response.status_code
        if status == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                kind = response.headers.get("content-type", "no content type")
                raise ArgoCDError(f"Argo CD at {shown} answered 200 without a JSON object ({kind}): "
                                  f"is {self.url} the Argo CD server?")
            return body
        detail = _error_detail(response, self._auth.scrub)
        if status == 401:
            raise ArgoCDAuthError(f"Argo CD at {shown} rejected the token from {self._source} (401 Unauthorized): "
                                  f"it is missing, invalid or expired{detail}")
        if status == 403:
            raise ArgoCDAuthError(f"Argo CD at {shown} forbade the token from {self._source} to {what} "
                                  f"(403 Forbidden): its account needs RBAC 'applications, get'{detail}")
        text = f"Argo CD at {shown} answered {status} {response.reason_phrase} to {what}{detail}"
        raise ArgoCDUnavailable(text) if status >= 500 else ArgoCDError(text)


def _parsed(parse: Callable[[dict[str, Any]], list[T]], body: dict[str, Any], url: str) -> list[T]:
    """``parse(body)``, with a body of another shape than the swagger's reported as an ArgoCDError."""
    try:
        return parse(body)
    except (AttributeError, TypeError) as exc:
        raise ArgoCDError(f"Argo CD at {url} answered in an unexpected shape ({exc})") from None


def parse_applications(body: Mapping[str, Any]) -> list[AppStatus]:
    """AppStatus of each item of a v1alpha1ApplicationList, by name."""
    if (body.get("metadata") or {}).get("continue"):
        raise ArgoCDError("Argo CD answered a partial application list, and its API offers no way to continue it")
    return sorted((_app_status(item) for item in body.get("items") or ()), key=lambda app: app.name)


def _app_status(item: Mapping[str, Any]) -> AppStatus:
    status = item.get("status") or {}
    sync = status.get("sync") or {}
    out_of_sync = sorted(_ref(res) for res in status.get("resources") or ()
                         if res.get("status") == "OutOfSync" and not res.get("hook"))
    return AppStatus(
        name=str((item.get("metadata") or {}).get("name") or ""),
        project=str((item.get("spec") or {}).get("project") or "default"),  # "" means default (swagger)
        sync=str(sync.get("status") or "Unknown"),
        health=str((status.get("health") or {}).get("status") or "Unknown"),
        revision=str(sync.get("revision") or ",".join(sync.get("revisions") or ())),  # multi-source: revisions
        out_of_sync=tuple(out_of_sync),
    )


def parse_managed_resources(body: Mapping[str, Any]) -> list[ManagedResource]:
    """ManagedResource of each item of an applicationManagedResourcesResponse, by ref."""
    resources = []
    for item in body.get("items") or ():
        if item.get("hook"):
            continue
        ref = _ref(item)
        target = _state(item, ref, "predictedLiveState", "targetState")
        live = _state(item, ref, "normalizedLiveState", "liveState")
        api_version = str((target or live or {}).get("apiVersion") or "")
        resources.append(ManagedResource(ref, api_version, bool(item.get("modified")), target, live,
                                         masked=ref.group == "" and ref.kind == "Secret"))
    return sorted(resources, key=lambda res: res.ref)


def _ref(item: Mapping[str, Any]) -> ObjectRef:
    return ObjectRef(str(item.get("group") or ""), str(item.get("kind") or ""), str(item.get("namespace") or ""),
                     str(item.get("name") or ""))


def _state(item: Mapping[str, Any], ref: ObjectRef, *keys: str) -> dict[str, Any] | None:
    """The first of ``keys`` that holds an object; Argo CD writes "null" for an absent side, "" for an unsent one."""
    for key in keys:
        raw = item.get(key)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except (TypeError, ValueError):
            raise ArgoCDError(f"Argo CD sent {key} of {ref} that is not JSON") from None
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ArgoCDError(f"Argo CD sent {key} of {ref} that is not an object")
        return value
    return None


def _error_detail(response: httpx.Response, scrub: Callable[[str], str]) -> str:
    """': <message>' of an error body, scrubbed before it is shortened (a cut token would escape the scrub)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = scrub(error_message(body)) if isinstance(body, dict) else ""
    if len(message) > _DETAIL_CHARS:
        message = message[:_DETAIL_CHARS] + "..."
    return f": {message}" if message else ""


def error_message(body: Mapping[str, Any]) -> str:
    """The message of a runtimeError body (grpc-gateway's error shape) on one line; '' when it has none."""
    return " ".join(str(body.get("message") or body.get("error") or "").split())


def _base_url(url: str) -> str:
    """The URL without a trailing slash; http(s), a host, no credentials (the URL is shown in errors)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise ArgoCDError("the Argo CD URL is not a URL") from None
    if parsed.userinfo:
        raise ArgoCDError("the Argo CD URL must not hold credentials: the token comes from "
                          f"{TOKEN_ENV} or {TOKEN_FILE_ENV}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ArgoCDError(f"the Argo CD URL must be http(s)://host[:port][/rootpath], not {url!r}")
    if parsed.query or parsed.fragment:
        raise ArgoCDError(f"the Argo CD URL must have no query or fragment: {url!r}")
    return str(parsed).rstrip("/")


def _loopback(url: str) -> bool:
    host = httpx.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
