"""The Tenant kind: who owns a slice of the platform and what runs in it."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from generator.model.base import Strict
from generator.model.image import Image
from generator.model.types import (
    CronSchedule,
    Email,
    IntString,
    Port,
    Quantity,
    RepoRef,
    Retention,
    dns_label,
)

TENANT_NAME_MAX = 20
# Namespaces are at most 63 characters: "<tenant>-<app>" and "<tenant>-sbx-<user>".
APP_NAME_MAX = 63 - TENANT_NAME_MAX - 1
SANDBOX_SLUG_MAX = 63 - TENANT_NAME_MAX - len("-sbx-")
# CNPG derives Service names "<cluster>-rw" and Pod names "<cluster>-<n>" from the database name.
DATABASE_NAME_MAX = 30

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env_value(value: object) -> object:
    """Environment variables are strings; YAML users write ``PORT: 8080`` and ``DEBUG: true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


EnvName = Annotated[str, BeforeValidator(_env_name)]
EnvValue = Annotated[str, BeforeValidator(_env_value, json_schema_input_type=str | int | float | bool)]


class Metadata(Strict):
    name: Annotated[str, dns_label(TENANT_NAME_MAX)]


class Resources(Strict):
    """Per-container requests; the memory limit equals the request."""

    cpu: Quantity | None = None
    memory: Quantity | None = None


class SandboxResources(Resources):
    storage: Quantity | None = None


class Autoscale(Strict):
    min: int = Field(ge=1, le=1000)
    max: int = Field(ge=1, le=1000)
    cpu_percent: int = Field(default=70, ge=1, le=100)


class AppIngress(Strict):
    host: Annotated[str, dns_label(63)] = Field(description="host label; full host = <host>.<environment domain>")


class Metrics(Strict):
    port: Port
    path: str = Field(default="/metrics", pattern=r"^/")


class Probe(Strict):
    """An HTTP check on the app's port; without one the renderer checks that the port accepts connections."""

    path: str = Field(pattern=r"^/", description="HTTP path answering 2xx/3xx when healthy")
    initial_delay_seconds: int = Field(default=10, ge=0, le=600)


class Probes(Strict):
    liveness: Probe | None = None
    readiness: Probe | None = None


class App(Strict):
    name: Annotated[str, dns_label(APP_NAME_MAX)]
    runtime: Literal["deployment", "kubero"] = "deployment"
    image: Image | None = None
    repo: RepoRef | None = Field(default=None, description="Gitea repo owner/name (required for runtime kubero)")
    port: Port = 8080
    replicas: int | None = Field(default=None, ge=0, le=1000)
    autoscale: Autoscale | None = None
    resources: Resources | None = None
    env: dict[EnvName, EnvValue] = Field(default_factory=dict)
    databases: list[str] = Field(default_factory=list)
    ingress: AppIngress | None = None
    metrics: Metrics | None = None
    probes: Probes | None = Field(default=None, description="override the default TCP probes on the port")


class Backup(Strict):
    schedule: CronSchedule
    retention: Retention = "30d"


class Pooler(Strict):
    instances: int | None = Field(default=None, ge=1, le=10)


class Database(Strict):
    name: Annotated[str, dns_label(DATABASE_NAME_MAX)]
    version: IntString | None = None
    instances: int | None = Field(default=None, ge=1, le=9)
    storage: Quantity | None = None
    backup: Backup | None = None
    pooler: Pooler | None = None
    resources: Resources | None = Field(
        default=None, description="Requests of each PostgreSQL instance (memory limit = request); a shared "
        "cluster gets the largest any of its databases asks for")


class Sandbox(Strict):
    user: Email
    repos: list[RepoRef] = Field(default_factory=list)
    resources: SandboxResources | None = None


class Quota(Strict):
    """The tenant's total; the tenancy renderer splits it over the tenant's namespaces."""

    cpu: Quantity
    memory: Quantity
    storage: Quantity
    pods: int = Field(ge=1, le=100_000)


class TenantSpec(Strict):
    owners: list[Email] = Field(min_length=1)
    members: list[Email] = Field(default_factory=list)
    quota: Quota
    environments: list[str] | None = Field(default=None, description="where this tenant exists (default: all)")
    apps: list[App] = Field(default_factory=list)
    databases: list[Database] = Field(default_factory=list)
    sandboxes: list[Sandbox] = Field(default_factory=list)


class Tenant(Strict):
    api_version: Literal["platformctl.dev/v1alpha1"]
    kind: Literal["Tenant"]
    metadata: Metadata
    spec: TenantSpec

    @property
    def name(self) -> str:
        return self.metadata.name
