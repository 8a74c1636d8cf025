"""Single sign-on: every OAuth client of one environment, from one list.

Casdoor's init data (components/casdoor.py) registers exactly these applications, and each consumer (Gitea,
Argo CD, Kubero, Grafana, every sandbox's oauth2-proxy) is configured from its own entry: the same client id,
the same redirect URI, and the same record in the environment's secret store for the client secret (Casdoor
and the consumer each get it through an ExternalSecret; neither value is in git). tests/test_sso.py checks
the rendered tree both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator import naming
from generator.model import Environment, Platform, Tenant
from generator.render import sandboxes

CLIENT_SECRET = "client-secret"  # the property of a platform client's record
# Platform clients: (client name = Casdoor application = client id, component that consumes it, public host
# label, callback path). Hosts are <label>.<environment domain>.
PLATFORM_CLIENTS = (
    ("gitea", "gitea", "gitea", "/user/oauth2/casdoor/callback"),
    ("argocd", "argocd", "argocd", "/auth/callback"),
    ("kubero", "kubero", "kubero", "/api/auth/oauth2/callback"),
    ("grafana", "monitoring", "grafana", "/login/generic_oauth"),
)
SANDBOX_CALLBACK = "/oauth2/callback"


@dataclass(frozen=True)
class OAuthClient:
    """One Casdoor application and the one consumer that logs in through it."""

    name: str  # Casdoor application name, also the client id
    redirect_uri: str
    secret_key: str  # the record in the environment's secret store
    secret_property: str
    consumer: str  # the platform component, or "sandbox <tenant>/<user>"
    namespace: str  # where the consumer reads its client secret

    @property
    def client_id(self) -> str:
        return self.name


def discovery_url(env: Environment) -> str:
    return f"{naming.casdoor_issuer(env)}/.well-known/openid-configuration"


def platform_secret_key(env: Environment, client: str) -> str:
    return f"{env.name}/sso/{client}"


def platform_clients(platform: Platform, env: Environment) -> list[OAuthClient]:
    """The clients of the platform's own services, for the components the platform lists."""
    present = {c.name: c.namespace for c in platform.spec.components}
    return [
        OAuthClient(name, naming.public_url(env, label) + path, platform_secret_key(env, name), CLIENT_SECRET,
                    component, present[component])
        for name, component, label, path in PLATFORM_CLIENTS if component in present
    ]


def sandbox_clients(env: Environment, tenants: Iterable[Tenant]) -> list[OAuthClient]:
    """One client per sandbox of every tenant present in ``env`` (sandboxes exist, at 0 replicas, where off)."""
    return [
        OAuthClient(sandboxes.client_id(t.name, s.user),
                    f"https://{sandboxes.host(env, t.name, s.user)}{SANDBOX_CALLBACK}",
                    sandboxes.remote_key(env, t.name, s.user), sandboxes.OIDC_CLIENT_SECRET_PROPERTY,
                    f"sandbox {t.name}/{s.user}", naming.sandbox_namespace(t.name, s.user))
        for t in tenants for s in t.spec.sandboxes
    ]


def clients(platform: Platform, env: Environment, tenants: Iterable[Tenant]) -> list[OAuthClient]:
    """Every client of ``env``: the platform's, then the sandboxes' in tenant and blueprint order."""
    return platform_clients(platform, env) + sandbox_clients(env, tenants)


def client(platform: Platform, env: Environment, name: str) -> OAuthClient:
    """A platform client by name (the consumer's renderer asks for its own)."""
    found = [c for c in platform_clients(platform, env) if c.name == name]
    if not found:
        raise KeyError(f"no OAuth client {name!r}: its component is not in the platform")
    return found[0]
