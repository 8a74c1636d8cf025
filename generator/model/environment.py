"""The Environment kind: one cluster, its domain and classes, and how it bends the blueprints.

``defaults`` fill what a blueprint leaves unset; ``caps`` bound what a blueprint sets (see
generator/overlay.py and the README's merge rules).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from generator.model.base import Strict
from generator.model.tenant import Resources, SandboxResources
from generator.model.types import Hostname, IntString, Port, Quantity, dns_label

ENVIRONMENT_NAME_MAX = 20


class Metadata(Strict):
    name: Annotated[str, dns_label(ENVIRONMENT_NAME_MAX)]


class Cluster(Strict):
    name: str = "in-cluster"
    server: str = Field(default="https://kubernetes.default.svc", pattern=r"^https://")


class IngressSettings(Strict):
    class_name: str = "nginx"
    namespace: Annotated[str, dns_label(63)] = "ingress-nginx"
    tls_issuer: str = Field(default="letsencrypt", description="cert-manager ClusterIssuer for Ingress TLS")


class SecretStore(Strict):
    name: Annotated[str, dns_label(63)]
    kind: Literal["ClusterSecretStore"] = "ClusterSecretStore"
    provider: dict[str, Any] = Field(default_factory=dict, description="external-secrets provider block")


class SyncSettings(Strict):
    automated: bool = False
    prune: bool = False
    self_heal: bool = False


class AppDefaults(Strict):
    replicas: int = Field(default=1, ge=0, le=1000)
    resources: Resources = Resources(cpu="100m", memory="128Mi")


class DatabaseDefaults(Strict):
    version: IntString | None = None  # None: the platform's postgres.defaultVersion
    instances: int = Field(default=1, ge=1, le=9)
    storage: Quantity = "1Gi"
    pooler_instances: int = Field(default=1, ge=1, le=10)


class SandboxDefaults(Strict):
    resources: SandboxResources = SandboxResources(cpu="1", memory="2Gi", storage="5Gi")


class Defaults(Strict):
    app: AppDefaults = AppDefaults()
    database: DatabaseDefaults = DatabaseDefaults()
    sandbox: SandboxDefaults = SandboxDefaults()


class AppCaps(Strict):
    replicas: int | None = Field(default=None, ge=0, description="upper bound for replicas and autoscale")


class DatabaseCaps(Strict):
    instances: int | None = Field(default=None, ge=1)
    pooler_instances: int | None = Field(default=None, ge=1)


class Caps(Strict):
    app: AppCaps = AppCaps()
    database: DatabaseCaps = DatabaseCaps()


class ObjectStore(Strict):
    """Where barman-cloud writes base backups and WAL (a barmancloud.cnpg.io/v1 ObjectStore per cluster)."""

    destination_path: str = Field(pattern=r"^s3://[^/]+",
                                  description="s3://bucket[/prefix]; each cluster adds its own name")
    endpoint_url: str | None = Field(default=None, alias="endpointURL", pattern=r"^https?://",
                                      description="S3-compatible endpoint")
    credentials: str = Field(min_length=1, description="key in the secret store holding ACCESS_KEY_ID and "
                                                       "ACCESS_SECRET_KEY (fetched by an ExternalSecret)")


class DatabaseSettings(Strict):
    mode: Literal["dedicated", "shared"] = "dedicated"
    backups: bool = False
    object_store: ObjectStore | None = Field(default=None, description="required when backups is true")


class PackageProxy(Strict):
    """An in-cluster package proxy sandboxes may reach (npm, PyPI, ... mirrors)."""

    namespace: Annotated[str, dns_label(63)]
    port: Port


class SandboxSettings(Strict):
    enabled: bool = Field(default=True, description="false: sandboxes keep their namespace and volume, 0 replicas")
    package_proxy: PackageProxy | None = None


class EnvironmentSpec(Strict):
    cluster: Cluster = Cluster()
    domain: Hostname
    storage_class: str = "standard"
    ingress: IngressSettings = IngressSettings()
    secret_store: SecretStore
    sync: SyncSettings = SyncSettings()
    defaults: Defaults = Defaults()
    caps: Caps = Caps()
    databases: DatabaseSettings = DatabaseSettings()
    sandboxes: SandboxSettings = SandboxSettings()


class Environment(Strict):
    api_version: Literal["platformctl.dev/v1alpha1"]
    kind: Literal["Environment"]
    metadata: Metadata
    spec: EnvironmentSpec

    @property
    def name(self) -> str:
        return self.metadata.name
