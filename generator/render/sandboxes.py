"""Per-user sandboxes: a code-server behind an oauth2-proxy, in ``<tenant>-sbx-<user>``.

Per sandbox of the effective tenant, in its own namespace (created by tenancy.py):

- a ServiceAccount (no token), a PersistentVolumeClaim from ``resources.storage`` for the home directory
  (``_home_claim``: why not a claim template) and a StatefulSet "sandbox" of 1 replica (0 where the
  environment disables sandboxes: the namespace and the volume stay). Its pod runs
  - code-server on 127.0.0.1:8080 only, ``--auth none``: nothing outside the pod reaches it, the proxy
    authenticates. Requests from the blueprint, memory limit = request.
  - oauth2-proxy on 4180, the pod's only port: OIDC against Casdoor, only the sandbox's user (an
    ``--authenticated-emails-file`` holding that one address, no e-mail domain), upstream code-server.
  - an init container that clones the listed Gitea repos into ``~/workspace/<owner>/<repo>``, skipping any
    path that already exists (a restart never touches the user's work). A failed clone fails the step, so
    the kubelet retries it (Gitea not up yet) and the pod status shows why the editor does not start.
- a ConfigMap with the allowed e-mail, a Service exposing 4180 only, an Ingress at ``host()`` whose only
  backend is that port, and ExternalSecrets for the proxy's client and cookie secrets and the Gitea token.

Guardrail: a NetworkPolicy opening egress to Gitea (HTTP), Casdoor and, when the environment names one, the
package proxy. The issue lists DNS and Gitea; the proxy must also reach its identity provider to redeem the
login code and fetch the signing keys, so Casdoor is allowed too, in-cluster (see ``_oauth2_proxy_args``).
DNS is tenancy.py's allow-dns; nothing else leaves the namespace (tenancy.py's default-deny).

Secrets in the environment's secret store, one record per sandbox at ``remote_key()``, with the properties
``oidc-client-secret`` (the Casdoor application ``client_id()``'s secret), ``cookie-secret`` (16, 24 or 32
random bytes, base64: oauth2-proxy's session cookie key) and ``gitea-token`` (a Gitea token that can read
the listed repos; only when the sandbox lists repos).
"""

from __future__ import annotations

import copy
from typing import Any

from generator import naming
from generator.accounting import SANDBOX_PROXY
from generator.model import Environment, Platform, Tenant
from generator.model.platform import SandboxImages
from generator.model.tenant import Sandbox
from generator.render.externalsecret import external_secret
from generator.render.meta import Obj, Rendered, labels, make
from generator.render.workload import restricted_container, secret_env, tls_ingress

COMPONENT = "sandbox"
NAME = "sandbox"  # every object of a sandbox: its namespace already names tenant and user
ARGOCD_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
SELECTOR = {"app.kubernetes.io/name": NAME}
SBX_DOMAIN = "sbx"  # sandbox hosts live below sbx.<domain>; app hosts are one label below <domain>

CODE_SERVER_PORT = 8080
PROXY_PORT = 4180
PROXY_PORT_NAME = "oauth2-proxy"
HOME = "/home/coder"  # code-server's image: user coder (uid 1000), this home
WORKSPACE = f"{HOME}/workspace"
USER_ID = 1000
PROXY_USER_ID = 65532  # oauth2-proxy's distroless "nonroot" user
EMAILS_DIR = "/etc/oauth2-proxy"
EMAILS_KEY = "authenticated-emails"
HOME_VOLUME, TMP_VOLUME, EMAILS_VOLUME = "home", "tmp", "authenticated-emails"
TMP_SIZE_LIMIT = "1Gi"

# The oauth2-proxy sidecar requests exactly what the quota accounting counts for it.
PROXY_CPU, PROXY_MEMORY = SANDBOX_PROXY.cpu, SANDBOX_PROXY.memory

# In-cluster Gitea: the gitea chart's HTTP Service "<release>-http" (release = component name), port 3000,
# headless, so the connection goes straight to the pod's port 3000.
GITEA_COMPONENT, GITEA_SERVICE, GITEA_PORT = "gitea", "gitea-http", 3000
# In-cluster Casdoor: the casdoor-helm-charts chart's Service "<release>-casdoor-helm-charts", port 8000.
CASDOOR_COMPONENT, CASDOOR_SERVICE, CASDOOR_PORT = "casdoor", "casdoor-casdoor-helm-charts", 8000

OAUTH2_SECRET, GITEA_SECRET = "sandbox-oauth2-proxy", "sandbox-gitea"
OIDC_CLIENT_SECRET_PROPERTY = "oidc-client-secret"  # the Casdoor application's secret, in remote_key()
# ingress-nginx: oauth2-proxy's session cookies (ID, access and refresh token) overflow nginx's 4k header
# buffer ("upstream sent too big header", a 502 after login); code-server is one long-lived websocket.
INGRESS_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/proxy-buffer-size": "16k",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
}

POD_SECURITY: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": USER_ID,
    "runAsGroup": USER_ID,
    "fsGroup": USER_ID,  # the home volume is writable by coder
    "fsGroupChangePolicy": "OnRootMismatch",  # a full home is not re-chowned on every start
    "seccompProfile": {"type": "RuntimeDefault"},
}

# Clone each repo given as an argument into the workspace; an existing path is left alone (idempotent, and
# never clobbers the user's files). A clone goes to <dest>.partial first, so an interrupted one is redone.
# The token travels as a one-off header (git -c), never stored in the clone's .git/config.
CLONE_SCRIPT = """set -eu
mkdir -p "$WORKSPACE"
failed=0
for repo in "$@"; do
  dest="$WORKSPACE/$repo"
  if [ -e "$dest" ]; then
    echo "$repo: $dest exists, skipped"
    continue
  fi
  mkdir -p "${dest%/*}"
  rm -rf "$dest.partial"
  if git -c "http.extraHeader=Authorization: token $GITEA_TOKEN" clone --quiet "$GITEA_URL/$repo.git" \\
      "$dest.partial" && mv "$dest.partial" "$dest"; then
    echo "$repo: cloned into $dest"
  else
    echo "$repo: clone failed" >&2
    failed=1
  fi
done
exit "$failed"
"""


def host(env: Environment, tenant: str, user: str) -> str:
    """``<user slug>.<tenant>.sbx.<domain>``: unique (slugs are unique per tenant, tenants per platform),
    and never an app host, which is a single label below the domain."""
    return f"{naming.sandbox_slug(user)}.{tenant}.{SBX_DOMAIN}.{env.spec.domain}"


def client_id(tenant: str, user: str) -> str:
    """The sandbox's OAuth application in Casdoor (one per sandbox: its redirect URL is the sandbox's)."""
    return f"sbx-{tenant}-{naming.sandbox_slug(user)}"


def remote_key(env: Environment, tenant: str, user: str) -> str:
    """The sandbox's record in the environment's secret store (properties: see the module docstring)."""
    return f"{env.name}/sandboxes/{tenant}/{naming.sandbox_slug(user)}"


def _casdoor_internal(platform: Platform) -> str:
    return f"http://{CASDOOR_SERVICE}.{platform.namespace_of(CASDOOR_COMPONENT, CASDOOR_COMPONENT)}.svc:{CASDOOR_PORT}"


def gitea_url(platform: Platform) -> str:
    return f"http://{GITEA_SERVICE}.{platform.namespace_of(GITEA_COMPONENT, GITEA_COMPONENT)}.svc:{GITEA_PORT}"


def _images(platform: Platform) -> SandboxImages:
    images = platform.spec.sandboxes
    assert images is not None, "the loader rejects sandboxes without the platform's sandbox images"
    return images


def _sandbox_resources(sandbox: Sandbox) -> dict[str, Any]:
    """The blueprint's requests (effective: always set); the memory limit equals the request."""
    r = sandbox.resources
    assert r is not None and r.cpu and r.memory, "renderers receive the effective tenant"
    return {"requests": {"cpu": r.cpu, "memory": r.memory}, "limits": {"memory": r.memory}}


def _code_server(images: SandboxImages, sandbox: Sandbox) -> dict[str, Any]:
    """Bypasses the image's entrypoint: its fixuid step is a setuid binary, which no_new_privs disables."""
    health = {"exec": {"command": ["curl", "-fsS", "-o", "/dev/null",
                                   f"http://127.0.0.1:{CODE_SERVER_PORT}/healthz"]}, "timeoutSeconds": 5}
    return {
        "name": "code-server",
        "image": images.code_server,
        "command": ["/usr/bin/dumb-init", "/usr/bin/code-server"],
        "args": [
            "--bind-addr", f"127.0.0.1:{CODE_SERVER_PORT}",
            "--auth", "none",
            "--disable-telemetry",
            "--disable-update-check",
            WORKSPACE,
        ],
        "resources": _sandbox_resources(sandbox),
        # loopback only: the kubelet cannot reach it over the network, so the probes run inside
        "livenessProbe": {**copy.deepcopy(health), "periodSeconds": 30, "failureThreshold": 3},
        "readinessProbe": {**copy.deepcopy(health), "periodSeconds": 10},
        "securityContext": restricted_container(),
        "volumeMounts": [{"name": HOME_VOLUME, "mountPath": HOME}, {"name": TMP_VOLUME, "mountPath": "/tmp"}],
    }


def _oauth2_proxy_args(platform: Platform, env: Environment, tenant: str, user: str) -> list[str]:
    """Discovery skipped: the browser goes to Casdoor's public login page, while the proxy redeems codes and
    fetches keys in-cluster, so egress goes to Casdoor's namespace and not through the ingress controller
    (which would open every public host). The ID token's ``iss`` is still checked against the issuer."""
    internal = _casdoor_internal(platform)
    issuer = naming.casdoor_issuer(env)
    return [
        f"--http-address=0.0.0.0:{PROXY_PORT}",
        f"--upstream=http://127.0.0.1:{CODE_SERVER_PORT}/",
        "--provider=oidc",
        "--provider-display-name=Casdoor",
        f"--client-id={client_id(tenant, user)}",
        f"--oidc-issuer-url={issuer}",
        "--skip-oidc-discovery=true",
        f"--login-url={issuer}/login/oauth/authorize",
        f"--redeem-url={internal}/api/login/oauth/access_token",
        f"--oidc-jwks-url={internal}/.well-known/jwks",
        f"--profile-url={internal}/api/userinfo",
        "--scope=openid email profile",
        "--code-challenge-method=S256",
        f"--redirect-url=https://{host(env, tenant, user)}/oauth2/callback",
        f"--authenticated-emails-file={EMAILS_DIR}/{EMAILS_KEY}",
        "--reverse-proxy=true",
        "--cookie-secure=true",
        "--cookie-samesite=lax",
        "--skip-provider-button=true",
    ]


def _oauth2_proxy(platform: Platform, env: Environment, tenant: str, sandbox: Sandbox) -> dict[str, Any]:
    return {
        "name": "oauth2-proxy",
        "image": _images(platform).oauth2_proxy,
        "args": _oauth2_proxy_args(platform, env, tenant, sandbox.user),
        "env": [
            secret_env("OAUTH2_PROXY_CLIENT_SECRET", OAUTH2_SECRET, "client-secret"),
            secret_env("OAUTH2_PROXY_COOKIE_SECRET", OAUTH2_SECRET, "cookie-secret"),
        ],
        "ports": [{"name": PROXY_PORT_NAME, "containerPort": PROXY_PORT, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": PROXY_CPU, "memory": PROXY_MEMORY}, "limits": {"memory": PROXY_MEMORY}},
        "livenessProbe": {"httpGet": {"path": "/ping", "port": PROXY_PORT_NAME}, "periodSeconds": 20},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": PROXY_PORT_NAME}, "periodSeconds": 10},
        "securityContext": restricted_container(runAsUser=PROXY_USER_ID, runAsGroup=PROXY_USER_ID),
        "volumeMounts": [{"name": EMAILS_VOLUME, "mountPath": EMAILS_DIR, "readOnly": True}],
    }


def _clone(platform: Platform, sandbox: Sandbox) -> dict[str, Any]:
    """Requests what code-server requests: the pod's effective request (the larger of init and the sum of
    the others) stays what accounting counts, and a clone gets the sandbox's memory."""
    env = [
        {"name": "WORKSPACE", "value": WORKSPACE},
        {"name": "GITEA_URL", "value": gitea_url(platform)},
        {"name": "HOME", "value": "/tmp"},  # git's config lookups; the image's home is read-only
        {"name": "GIT_TERMINAL_PROMPT", "value": "0"},  # fail, never wait for a password
    ]
    if sandbox.repos:
        env.append(secret_env("GITEA_TOKEN", GITEA_SECRET, "token"))
    return {
        "name": "clone-repos",
        "image": _images(platform).git,
        "command": ["/bin/sh", "-c", CLONE_SCRIPT, "clone-repos", *sandbox.repos],
        "env": env,
        "resources": _sandbox_resources(sandbox),
        "securityContext": restricted_container(),
        "volumeMounts": [{"name": HOME_VOLUME, "mountPath": HOME}, {"name": TMP_VOLUME, "mountPath": "/tmp"}],
    }


def _pod_spec(platform: Platform, env: Environment, tenant: str, sandbox: Sandbox) -> dict[str, Any]:
    return {
        "serviceAccountName": NAME,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": copy.deepcopy(POD_SECURITY),
        "initContainers": [_clone(platform, sandbox)],
        "containers": [_code_server(_images(platform), sandbox),
                       _oauth2_proxy(platform, env, tenant, sandbox)],
        "volumes": [
            {"name": TMP_VOLUME, "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}},
            {"name": EMAILS_VOLUME, "configMap": {"name": f"{NAME}-{EMAILS_VOLUME}"}},
        ],
    }


def claim_name() -> str:
    """The home volume's claim. Named as the StatefulSet's claim template once named it
    (``<template>-<statefulset>-0``), so sandboxes created before the claim stood alone keep their data."""
    return f"{HOME_VOLUME}-{NAME}-0"


def _home_claim(env: Environment, sandbox: Sandbox, ns: str, lab: dict[str, str]) -> Obj:
    """The user's home, a claim of its own rather than a StatefulSet claim template: those are immutable, so a
    bigger ``resources.storage`` would fail every sync; a claim's request may grow (volume expansion, where
    the storage class allows it). Argo CD never prunes it: a user's work is not deleted by a rename."""
    assert sandbox.resources is not None and sandbox.resources.storage
    return make("v1", "PersistentVolumeClaim", claim_name(), namespace=ns, labels=lab,
                annotations={ARGOCD_SYNC_OPTIONS: "Prune=false"}, spec={
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": env.spec.storage_class,
                    "resources": {"requests": {"storage": sandbox.resources.storage}},
                })


def _stateful_set(platform: Platform, env: Environment, tenant: str, sandbox: Sandbox, ns: str,
                  lab: dict[str, str]) -> Obj:
    """One pod at most (a ReadWriteOnce home must never be mounted twice, as a Deployment's rollout would)."""
    pod = _pod_spec(platform, env, tenant, sandbox)
    pod["volumes"].insert(0, {"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": claim_name()}})
    return make("apps/v1", "StatefulSet", NAME, namespace=ns, labels=lab, spec={
        "replicas": 1 if env.spec.sandboxes.enabled else 0,
        "serviceName": NAME,
        "selector": {"matchLabels": dict(SELECTOR)},
        "template": {"metadata": {"labels": {**lab, **SELECTOR}}, "spec": pod},
    })


def _external_secret(env: Environment, ns: str, lab: dict[str, str], name: str, key: str,
                     properties: list[tuple[str, str]]) -> Obj:
    """A Secret ``name`` with each (secret key, store property) of the store record ``key``."""
    return external_secret(env, name, ns, lab, [(k, key, p) for k, p in properties], creation_policy="Owner")


def _service(ns: str, lab: dict[str, str]) -> Obj:
    port = {"name": PROXY_PORT_NAME, "port": PROXY_PORT, "targetPort": PROXY_PORT_NAME, "protocol": "TCP"}
    return make("v1", "Service", NAME, namespace=ns, labels=lab,
                spec={"type": "ClusterIP", "selector": dict(SELECTOR), "ports": [port]})


def _ingress(env: Environment, tenant: str, sandbox: Sandbox, ns: str, lab: dict[str, str]) -> Obj:
    backend = {"service": {"name": NAME, "port": {"number": PROXY_PORT}}}
    return tls_ingress(env, NAME, ns, lab, host(env, tenant, sandbox.user), backend, INGRESS_ANNOTATIONS)


def _to_namespace(name: str, *ports: int) -> dict[str, Any]:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}],
        "ports": [{"protocol": "TCP", "port": p} for p in ports],
    }


def _egress(platform: Platform, env: Environment, ns: str, lab: dict[str, str]) -> Obj:
    """Gitea over HTTP (no SSH: clones use the token over HTTP), Casdoor for the proxy, the package proxy."""
    rules = [
        _to_namespace(platform.namespace_of(GITEA_COMPONENT, GITEA_COMPONENT), GITEA_PORT),
        _to_namespace(platform.namespace_of(CASDOOR_COMPONENT, CASDOOR_COMPONENT), CASDOOR_PORT),
    ]
    proxy = env.spec.sandboxes.package_proxy
    if proxy is not None:
        rules.append(_to_namespace(proxy.namespace, proxy.port))
    return make("networking.k8s.io/v1", "NetworkPolicy", f"{NAME}-egress", namespace=ns, labels=lab,
                spec={"podSelector": {}, "policyTypes": ["Egress"], "egress": rules})


def _sandbox(platform: Platform, env: Environment, tenant: str, sandbox: Sandbox) -> Rendered:
    ns = naming.sandbox_namespace(tenant, sandbox.user)
    lab = labels(env.name, tenant=tenant, component=COMPONENT)
    key = remote_key(env, tenant, sandbox.user)
    workloads = [
        make("v1", "ServiceAccount", NAME, namespace=ns, labels=lab, automountServiceAccountToken=False),
        make("v1", "ConfigMap", f"{NAME}-{EMAILS_VOLUME}", namespace=ns, labels=lab,
             data={EMAILS_KEY: sandbox.user + "\n"}),
        _external_secret(env, ns, lab, OAUTH2_SECRET, key,
                         [("client-secret", OIDC_CLIENT_SECRET_PROPERTY), ("cookie-secret", "cookie-secret")]),
    ]
    if sandbox.repos:
        workloads.append(_external_secret(env, ns, lab, GITEA_SECRET, key, [("token", "gitea-token")]))
    workloads += [
        _home_claim(env, sandbox, ns, lab),
        _stateful_set(platform, env, tenant, sandbox, ns, lab),
        _service(ns, lab),
        _ingress(env, tenant, sandbox, ns, lab),
    ]
    return Rendered(workloads, [_egress(platform, env, ns, lab)])


def render(platform: Platform, env: Environment, tenant: Tenant) -> Rendered:
    """Every sandbox of the effective ``tenant`` in ``env``, in blueprint order."""
    result = Rendered()
    for sandbox in tenant.spec.sandboxes:
        result = result + _sandbox(platform, env, tenant.name, sandbox)
    return result
