"""checks.drift.argocd against Argo CD's own swagger (``../shared/api/argocd-swagger.json``).

Every request the client sends goes through FakeArgoCD, which fails the test unless the swagger has an
operation for its method and path with every query parameter it carries, and which validates every body it
serves against that operation's response schema. A recording dict checks that each field the parsers read
exists in the swagger, so a field renamed upstream fails here rather than reading as "absent" in production.
Fixtures (argocd_fixtures/) follow the swagger's v1alpha1ApplicationList, applicationManagedResourcesResponse
and runtimeError, with values as a prod environment of the example platform would show them.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from checks.cluster import pki
from checks.drift import argocd
from checks.drift.argocd import ArgoCD, ArgoCDAuthError, ArgoCDError, ArgoCDUnavailable, ManagedResource
from checks.drift.model import EXIT_COULD_NOT_CHECK, ObjectRef
from tests.drift.argocd_contract import (
    FIXTURES,
    LIST,
    SWAGGER_PATH,
    TOKEN,
    URL,
    FakeArgoCD,
    fixture,
    managed,
    validate,
)
from tests.swagger import operation


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    # Missing is a failure, not a skip: CI always has ../shared beside the clone.
    return json.loads(SWAGGER_PATH.read_text())


# --- the contract ---------------------------------------------------------------------------------------------

def test_the_api_offers_no_pagination(swagger: dict[str, Any]) -> None:
    """No limit/continue on either operation: one answer is all there is, so the client never pages."""
    for path in (LIST, managed("x")):
        _, op = operation(swagger, "GET", path)
        names = {p["name"] for p in op["parameters"]}
        assert not names & {"limit", "continue", "pageSize", "pageToken", "offset"}, (path, names)
    _, op = operation(swagger, "GET", LIST)
    assert {"selector", "projects"} <= {p["name"] for p in op["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize(("name", "definition"), [
    ("applications.json", "v1alpha1ApplicationList"),
    ("managed-resources-tenancy-acme.json", "applicationManagedResourcesResponse"),
    ("managed-resources-system-gitea.json", "applicationManagedResourcesResponse"),
    ("managed-resources-states-only.json", "applicationManagedResourcesResponse"),
    ("error-401.json", "runtimeError"),
    ("error-403.json", "runtimeError"),
    ("error-500.json", "runtimeError"),
])
def test_fixtures_follow_the_swagger(swagger: dict[str, Any], name: str, definition: str) -> None:
    validate(swagger, definition, fixture(name))


def test_the_fixture_schemas_are_strict(swagger: dict[str, Any]) -> None:
    """An invented field or a wrong type fails, so passing fixtures mean documented shapes."""
    body = fixture("applications.json")
    invented = copy.deepcopy(body)
    invented["items"][0]["status"]["sync"]["state"] = "Synced"
    wrong_type = copy.deepcopy(body)
    wrong_type["items"][0]["status"]["resources"][0]["hook"] = "no"
    for bad in (invented, wrong_type):
        with pytest.raises(AssertionError):
            validate(swagger, "v1alpha1ApplicationList", bad)


class Recorder(dict[str, Any]):
    """A dict that records the path of every key read through it (``[]`` stands for any list item)."""

    def __init__(self, data: dict[str, Any], path: tuple[str, ...], reads: set[tuple[str, ...]]) -> None:
        super().__init__(data)
        self.path, self.reads = path, reads

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.add((*self.path, key))
        return record(super().get(key, default), (*self.path, key), self.reads)

    def __getitem__(self, key: str) -> Any:
        self.reads.add((*self.path, key))
        return record(super().__getitem__(key), (*self.path, key), self.reads)

    def __contains__(self, key: object) -> bool:
        self.reads.add((*self.path, str(key)))
        return super().__contains__(key)


def record(value: Any, path: tuple[str, ...], reads: set[tuple[str, ...]]) -> Any:
    if isinstance(value, dict):
        return Recorder(value, path, reads)
    if isinstance(value, list):
        return [record(v, (*path, "[]"), reads) for v in value]
    return value


def resolve(swagger: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its $ref followed and its allOf merged."""
    while "$ref" in schema or "allOf" in schema:
        if "$ref" in schema:
            schema = swagger["definitions"][schema["$ref"].removeprefix("#/definitions/")]
        else:
            properties = dict(schema.get("properties", {}))
            for part in schema["allOf"]:
                properties.update(resolve(swagger, part).get("properties", {}))
            schema = {"type": "object", "properties": properties}
    return schema


def walk(swagger: dict[str, Any], definition: str, path: tuple[str, ...]) -> dict[str, Any]:
    """The schema at ``path`` below ``definition``; fails naming the first step the swagger lacks."""
    schema = resolve(swagger, {"$ref": f"#/definitions/{definition}"})
    for i, step in enumerate(path):
        where = ".".join(path[:i]) or "the top"
        if step == "[]":
            assert schema.get("type") == "array", f"{definition}: {where} is not an array"
            schema = schema["items"]
        else:
            assert step in schema.get("properties", {}), f"{definition}: {where} has no field {step!r}"
            schema = schema["properties"][step]
        schema = resolve(swagger, schema)
    return schema


def test_every_field_the_parsers_read_is_in_the_swagger(swagger: dict[str, Any]) -> None:
    reads: set[tuple[str, ...]] = set()
    argocd.parse_applications(record(fixture("applications.json"), (), reads))
    for path in reads:
        walk(swagger, "v1alpha1ApplicationList", path)
    assert {("items", "[]", "status", "sync", "revision"), ("items", "[]", "status", "sync", "revisions"),
            ("items", "[]", "status", "resources", "[]", "status"), ("metadata", "continue")} <= reads

    reads = set()
    for name in ("managed-resources-tenancy-acme.json", "managed-resources-system-gitea.json",
                 "managed-resources-states-only.json"):
        argocd.parse_managed_resources(record(fixture(name), (), reads))
    for path in reads:
        walk(swagger, "applicationManagedResourcesResponse", path)
    assert {("items", "[]", key) for key in ("predictedLiveState", "targetState", "normalizedLiveState",
                                             "liveState", "modified")} <= reads

    reads = set()
    argocd.error_message(record(fixture("error-403.json"), (), reads))
    for path in reads:
        walk(swagger, "runtimeError", path)
    assert ("message",) in reads


def test_the_field_walk_fails_on_a_renamed_field(swagger: dict[str, Any]) -> None:
    walk(swagger, "v1alpha1ApplicationList", ("items", "[]", "status", "sync", "status"))
    with pytest.raises(AssertionError, match="has no field 'syncStatus'"):
        walk(swagger, "v1alpha1ApplicationList", ("items", "[]", "status", "syncStatus"))


# --- calls ----------------------------------------------------------------------------------------------------

def test_applications_of_an_environment(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, fixture("applications.json"))})
    with fake.client() as client:
        apps = client.applications("prod")
    (request,) = fake.requests
    assert request.url.params.multi_items() == [("selector", "platformctl.dev/environment=prod")]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [a.name for a in apps] == ["root", "system-gitea", "tenancy-acme", "tenant-acme"]
    by_name = {a.name: a for a in apps}
    root = by_name["root"]
    assert (root.project, root.sync, root.health, root.out_of_sync) == ("platform", "Synced", "Healthy", ())
    assert root.revision == "3f6c2a9e8b1d4c07a5e2f9b6d8c1a4e7f0b3d5c2"
    tenancy = by_name["tenancy-acme"]
    assert (tenancy.sync, tenancy.health) == ("OutOfSync", "Healthy")
    assert tenancy.out_of_sync == (  # sorted; the OutOfSync hook Job is not the app's drift
        ObjectRef("", "ResourceQuota", "acme-shop", "tenant-quota"),
        ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "allow-legacy"),
        ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "allow-monitoring"),
    )
    gitea = by_name["system-gitea"]
    assert (gitea.sync, gitea.health, gitea.revision) == (
        "OutOfSync", "Degraded", "12.1.2,3f6c2a9e8b1d4c07a5e2f9b6d8c1a4e7f0b3d5c2")  # multi-source
    assert gitea.out_of_sync == (ObjectRef("", "Secret", "gitea", "gitea-inline-config"),)
    assert (by_name["tenant-acme"].project, by_name["tenant-acme"].health) == ("acme", "Progressing")
    assert client.requests == 1


def test_selector_and_projects_are_sent(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, {"metadata": {"resourceVersion": "918400"}, "items": []})})
    with fake.client() as client:
        assert client.applications("staging", selector="platformctl.dev/tenant=acme",
                                   projects=["acme", "platform"]) == []
        client.applications(projects=["platform"])
        client.applications()
    assert [r.url.params.multi_items() for r in fake.requests] == [
        [("selector", "platformctl.dev/environment=staging,platformctl.dev/tenant=acme"),
         ("projects", "acme"), ("projects", "platform")],
        [("projects", "platform")],
        [],
    ]


def test_an_environment_that_is_no_label_value_is_refused_before_any_request(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {})
    with fake.client() as client, pytest.raises(ArgoCDError, match="not a label value"):
        client.applications("prod,platformctl.dev/tenant!=x")
    assert fake.requests == []


def test_a_partial_list_is_an_error(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, {"metadata": {"continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
                                             "items": []})})
    with fake.client() as client, pytest.raises(ArgoCDError, match="partial application list"):
        client.applications("prod")


def test_managed_resources_compare_predicted_against_normalized_state(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {managed("tenancy-acme"): (200, fixture("managed-resources-tenancy-acme.json"))})
    with fake.client() as client:
        resources = client.managed_resources("tenancy-acme")
    assert fake.requests[0].url.params.multi_items() == []
    assert [r.ref for r in resources] == [
        ObjectRef("", "Namespace", "", "acme-shop"),
        ObjectRef("", "ResourceQuota", "acme-shop", "tenant-quota"),
        ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "allow-legacy"),
        ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "allow-monitoring"),
        ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "default-deny"),
    ]
    namespace, quota, legacy, monitoring, deny = resources
    assert not namespace.modified and not deny.modified
    assert quota.modified and quota.api_version == "v1" and not quota.masked
    assert quota.target is not None and quota.live is not None
    assert quota.target["spec"]["hard"]["limits.memory"] == "4Gi"  # predicted: git's value applied onto live
    assert quota.live["spec"]["hard"]["limits.memory"] == "8Gi"
    assert "managedFields" not in quota.live["metadata"]  # normalizedLiveState, not liveState
    assert legacy.modified and legacy.target is None and legacy.live is not None  # Argo CD would prune it
    assert monitoring.modified and monitoring.live is None and monitoring.target is not None  # missing live
    assert monitoring.api_version == legacy.api_version == "networking.k8s.io/v1"


def test_secret_values_are_marked_masked(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {managed("system-gitea"): (200, fixture("managed-resources-system-gitea.json"))})
    with fake.client() as client:
        secret, deployment = client.managed_resources("system-gitea", app_namespace="argocd", project="platform")
    assert fake.requests[0].url.params.multi_items() == [("appNamespace", "argocd"), ("project", "platform")]
    assert secret.ref == ObjectRef("", "Secret", "gitea", "gitea-inline-config")
    assert secret.masked and secret.modified
    assert secret.target is not None and set(secret.target["data"].values()) == {"++++++++"}
    assert deployment.ref.kind == "Deployment" and not deployment.masked and deployment.api_version == "apps/v1"


def test_states_fall_back_to_target_and_live_state(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {managed("tenant-acme"): (200, fixture("managed-resources-states-only.json"))})
    with fake.client() as client:
        (service,) = client.managed_resources("tenant-acme")
    assert service == ManagedResource(
        ObjectRef("", "Service", "acme-shop", "shop"), "v1", False,
        json.loads(fixture("managed-resources-states-only.json")["items"][0]["targetState"]),
        json.loads(fixture("managed-resources-states-only.json")["items"][0]["liveState"]))


def test_an_app_without_managed_resources(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {managed("tenant-initech"): (200, {})})
    with fake.client() as client:
        assert client.managed_resources("tenant-initech") == []


def test_a_rootpath_in_the_url_prefixes_every_path(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, fixture("applications.json"))}, prefix="/argocd")
    with fake.client(URL + "/argocd/") as client:
        assert len(client.applications("prod")) == 4
    assert str(fake.requests[0].url).startswith(f"{URL}/argocd{LIST}?")


# --- token ----------------------------------------------------------------------------------------------------

def test_token_from_the_environment(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, {"items": []})})
    client = ArgoCD.from_env(URL, {"ARGOCD_TOKEN": f" {TOKEN}\n"}, transport=httpx.MockTransport(fake))
    client.applications("prod")
    assert fake.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert repr(client) == f"ArgoCD('{URL}', token from ARGOCD_TOKEN)"


def test_token_from_a_file(swagger: dict[str, Any], tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    fake = FakeArgoCD(swagger, {LIST: (200, {"items": []})})
    client = ArgoCD.from_env(URL, {"ARGOCD_TOKEN_FILE": str(token_file)}, transport=httpx.MockTransport(fake))
    client.applications("prod")
    assert fake.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert str(token_file) in repr(client) and TOKEN not in repr(client)


def test_a_missing_token_says_where_to_put_one() -> None:
    with pytest.raises(ArgoCDAuthError, match="no Argo CD token: set ARGOCD_TOKEN, or ARGOCD_TOKEN_FILE") as err:
        ArgoCD.from_env(URL, {"ARGOCD_AUTH_TOKEN": TOKEN})
    assert err.value.exit_code == EXIT_COULD_NOT_CHECK == 2


@pytest.mark.parametrize(("environ", "message"), [
    ({"ARGOCD_TOKEN": TOKEN, "ARGOCD_TOKEN_FILE": "/run/secrets/argocd"}, "both ARGOCD_TOKEN and ARGOCD_TOKEN_FILE"),
    ({"ARGOCD_TOKEN": "   "}, "from ARGOCD_TOKEN is empty"),
    ({"ARGOCD_TOKEN_FILE": "/nonexistent/argocd-token"}, "cannot read the Argo CD token file /nonexistent/argocd-tok"),
    ({"ARGOCD_TOKEN": f"{TOKEN} {TOKEN}"}, "from ARGOCD_TOKEN is not a bearer token"),
    ({"ARGOCD_TOKEN": f"{TOKEN}\r\nX-Injected: 1"}, "from ARGOCD_TOKEN is not a bearer token"),
])
def test_unusable_tokens_are_refused_without_showing_them(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ArgoCDAuthError, match=re.escape(message)) as err:
        ArgoCD.from_env(URL, environ)
    assert TOKEN not in str(err.value)


def test_an_empty_token_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("\n")
    with pytest.raises(ArgoCDAuthError, match=r"from ARGOCD_TOKEN_FILE=\S+/token is empty"):
        ArgoCD.from_env(URL, {"ARGOCD_TOKEN_FILE": str(tmp_path / "token")})


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ArgoCDError, match="must not hold credentials") as err:
        ArgoCD("https://admin:hunter2@argocd.platform.example.com", TOKEN)
    assert "hunter2" not in str(err.value)


# --- errors ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "error", "words"), [
    (401, ArgoCDAuthError, ["rejected the token from ARGOCD_TOKEN (401 Unauthorized)", "missing, invalid or expired",
                            "token is expired"]),
    (403, ArgoCDAuthError, ["forbade the token from ARGOCD_TOKEN to list applications (403 Forbidden)",
                            "applications, get", "permission denied"]),
    (500, ArgoCDUnavailable, ["answered 500 Internal Server Error to list applications", "cache: key is missing"]),
])
def test_http_errors_name_the_url_and_the_cause(swagger: dict[str, Any], caplog: pytest.LogCaptureFixture,
                                                status: int, error: type[ArgoCDError], words: list[str]) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeArgoCD(swagger, {LIST: (status, fixture(f"error-{status}.json"))})
    with fake.client() as client, pytest.raises(error) as err:
        client.applications("prod")
    text = str(err.value)
    assert f"{URL}{LIST}?selector=platformctl.dev%2Fenvironment%3Dprod" in text
    for word in words:
        assert word in text
    assert err.value.exit_code == 2
    assert TOKEN not in text and TOKEN not in caplog.text and TOKEN not in repr(client)


@pytest.mark.parametrize("padding", [0, 250])  # 250: the shortened message would cut the token
def test_the_token_is_scrubbed_from_what_the_server_echoes(swagger: dict[str, Any], padding: int) -> None:
    echoed = f"{'x' * padding} bad token {TOKEN}"
    fake = FakeArgoCD(swagger, {LIST: (401, {"error": echoed, "code": 16, "message": echoed})})
    with fake.client() as client, pytest.raises(ArgoCDAuthError) as err:
        client.applications("prod")
    assert TOKEN[:12] not in str(err.value) and "bad token <redacted>" in str(err.value)


def test_a_page_that_is_not_json_is_no_argocd(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, b"<!doctype html><title>Argo CD</title>")})
    with fake.client() as client, pytest.raises(ArgoCDError, match=r"without a JSON object \(text/html\)"):
        client.applications("prod")


def test_an_answer_of_another_shape_is_an_error(swagger: dict[str, Any]) -> None:
    fake = FakeArgoCD(swagger, {LIST: (200, b'{"items": ["tenancy-acme"]}')})
    with fake.client() as client, pytest.raises(ArgoCDError, match=f"at {URL} answered in an unexpected shape"):
        client.applications("prod")


def test_not_found_is_an_error_of_its_own(swagger: dict[str, Any]) -> None:
    body = {"error": "applications.argoproj.io \"nope\" not found", "code": 5,
            "message": "applications.argoproj.io \"nope\" not found"}
    fake = FakeArgoCD(swagger, {managed("nope"): (404, body)})
    with fake.client() as client, pytest.raises(ArgoCDError, match="answered 404 Not Found to read the managed") as err:
        client.managed_resources("nope")
    assert not isinstance(err.value, ArgoCDAuthError | ArgoCDUnavailable)


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback servers are reached directly, whatever proxy the machine's environment names."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.usefixtures("direct")
def test_connection_refused_names_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with ArgoCD(url, TOKEN, timeout=5) as client, pytest.raises(ArgoCDUnavailable) as err:
        client.applications("prod")
    assert f"cannot reach Argo CD at {url}{LIST}" in str(err.value)
    assert "refused" in str(err.value).lower()
    assert TOKEN not in str(err.value) and TOKEN not in caplog.text


def test_a_timeout_is_unavailable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with ArgoCD(URL, TOKEN, timeout=3, transport=httpx.MockTransport(hang)) as client, \
            pytest.raises(ArgoCDUnavailable, match=f"at {URL}{LIST} did not answer within 3s"):
        client.applications()


def test_an_injected_client_keeps_no_token() -> None:
    fake_client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"items": []})))
    with ArgoCD(URL, TOKEN, client=fake_client) as client:
        client.applications("prod")
    assert "authorization" not in fake_client.headers
    assert not fake_client.is_closed  # not ours to close
    fake_client.close()


# --- TLS ------------------------------------------------------------------------------------------------------

@pytest.fixture
def https_argocd(tmp_path: Path, direct: None) -> Iterator[tuple[str, Path]]:
    """A real HTTPS server on loopback with a certificate of a CA no system trusts: (URL, that CA's file)."""
    keys = pki.generate(tmp_path / "pki")
    body = (FIXTURES / "applications.json").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(keys.apiserver.cert, keys.apiserver.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", keys.ca.cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_tls_is_verified_by_default(https_argocd: tuple[str, Path]) -> None:
    url, _ = https_argocd
    with ArgoCD(url, TOKEN) as client, pytest.raises(ArgoCDUnavailable) as err:
        client.applications("prod")
    assert f"cannot reach Argo CD at {url}{LIST}" in str(err.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value) and "give its CA bundle" in str(err.value)


def test_a_ca_bundle_is_trusted(https_argocd: tuple[str, Path]) -> None:
    url, ca = https_argocd
    with ArgoCD(url, TOKEN, ca_bundle=ca) as client:
        assert len(client.applications("prod")) == 4


def test_insecure_is_explicit_and_warned_about(https_argocd: tuple[str, Path],
                                               caplog: pytest.LogCaptureFixture) -> None:
    url, ca = https_argocd
    with ArgoCD(url, TOKEN, insecure=True) as client:
        assert len(client.applications("prod")) == 4
    assert "TLS verification of Argo CD" in caplog.text and "is off" in caplog.text
    with pytest.raises(ArgoCDError, match="exclude each other"):
        ArgoCD(url, TOKEN, ca_bundle=ca, insecure=True)
    with pytest.raises(ArgoCDError, match=re.escape("cannot load the CA bundle /nonexistent/ca.crt")):
        ArgoCD(url, TOKEN, ca_bundle="/nonexistent/ca.crt")
