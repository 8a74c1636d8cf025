"""The Platform kind: system components, pinned versions, allowed registries, the git source."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from generator.model.base import Strict
from generator.model.image import Image
from generator.model.types import IntString, dns_label

_EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _pinned_version(value: str) -> str:
    if not _EXACT_VERSION.fullmatch(value):
        raise ValueError(f"chart version {value!r} is not pinned: use an exact version such as 1.2.3")
    return value


def _kube_version(value: str) -> str:
    if not re.fullmatch(r"^1\.[0-9]+\.[0-9]+$", value):
        raise ValueError(f"{value!r} is not a Kubernetes version such as 1.33.1")
    return value


class Metadata(Strict):
    name: Annotated[str, dns_label(63)]


class Chart(Strict):
    repo_url: str = Field(alias="repoURL", pattern=r"^(https://|oci://)")
    name: str = Field(min_length=1)
    version: Annotated[str, AfterValidator(_pinned_version)]


class Component(Strict):
    name: Annotated[str, dns_label(40)]
    namespace: Annotated[str, dns_label(63)]
    chart: Chart | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    sync_wave: int = Field(default=0, ge=-100, le=9, description="Argo CD sync wave; tenants sync at 10")
    description: str = ""


class GitSource(Strict):
    """Where Argo CD reads rendered/ from."""

    repo_url: str = Field(alias="repoURL", pattern=r"^(https://|ssh://|git@)")
    target_revision: str = "main"
    path: str = Field(
        default="rendered", pattern=r"^([A-Za-z0-9_-][A-Za-z0-9_.-]*/)*rendered$",
        description="path of this repo's rendered/ inside the git repository (e.g. rendered, deploy/rendered)",
    )


class Sso(Strict):
    organization: Annotated[str, dns_label(63)]
    groups_prefix: str = Field(
        default="oidc:", description="kube-apiserver --oidc-groups-prefix; RoleBinding subjects carry it"
    )
    admin_group: str = Field(default="platform-admins", description="Casdoor group of the platform admins")
    username_prefix: str = Field(
        default="oidc:", description="kube-apiserver --oidc-username-prefix (usernames are the e-mail claim)"
    )


class Postgres(Strict):
    default_version: IntString
    images: dict[IntString, Image] = Field(min_length=1, description="PostgreSQL major version -> image")


class SandboxImages(Strict):
    """The pinned images every sandbox runs (required when any tenant has sandboxes)."""

    code_server: Image = Field(description="code-server, the editor")
    oauth2_proxy: Image = Field(description="oauth2-proxy in front of it: OIDC against Casdoor, one user")
    git: Image = Field(description="an image with git, for the init step that clones the repos")


class PlatformSpec(Strict):
    kubernetes_version: Annotated[str, AfterValidator(_kube_version)]
    git: GitSource
    registries: list[str] = Field(min_length=1, description="registry hosts or host/path prefixes images may come from")
    sso: Sso
    postgres: Postgres
    sandboxes: SandboxImages | None = None
    components: list[Component] = Field(default_factory=list)


class Platform(Strict):
    api_version: Literal["platformctl.dev/v1alpha1"]
    kind: Literal["Platform"]
    metadata: Metadata
    spec: PlatformSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    def namespace_of(self, component: str, default: str) -> str:
        return next((c.namespace for c in self.spec.components if c.name == component), default)
