"""The Platform kind: system components, pinned versions, allowed registries, the git source."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from generator.model.base import Strict
from generator.model.image import Image
from generator.model.types import Email, IntString, dns_label

_EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _pinned_version(value: str) -> str:
    if not _EXACT_VERSION.fullmatch(value):
        raise ValueError(f"chart version {value!r} is not pinned: use an exact version such as 1.2.3")
    return value


_RELEASE_TAG = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+$")


def _pinned_revision(value: str) -> str:
    """A release tag (v1.2.3): never a branch, whose content moves. Not a commit id either: a tag names the
    release in review, and tests/test_system_contract.py holds every upstream source to one."""
    if not _RELEASE_TAG.fullmatch(value):
        raise ValueError(f"git revision {value!r} is not pinned: use a release tag such as v1.2.3")
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


class Manifests(Strict):
    """Plain manifests from a git repository, for a component whose project publishes no Helm chart (Kubero's
    operator ships a single versioned YAML file): Argo CD syncs ``path`` at ``targetRevision``, only the
    files matching ``include``."""

    repo_url: str = Field(alias="repoURL", pattern=r"^https://")
    target_revision: Annotated[str, AfterValidator(_pinned_revision)]
    path: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
    include: str = Field(default="", description="Argo CD directory.include glob, e.g. operator.0.2.1.yaml")


class Component(Strict):
    name: Annotated[str, dns_label(40)]
    namespace: Annotated[str, dns_label(63)]
    chart: Chart | None = None
    manifests: Manifests | None = Field(default=None, description="instead of chart: plain manifests from git")
    values: dict[str, Any] = Field(default_factory=dict)
    images: dict[str, Image] = Field(
        default_factory=dict,
        description="pinned images of workloads platformctl renders for the component itself (not its chart's), "
                    "by the role the component's module names (e.g. gitea: actRunner, kubero: kubero)",
    )
    sync_wave: int = Field(default=0, ge=-100, le=9, description="Argo CD sync wave; tenants sync at 10")
    description: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> Component:
        if self.chart is not None and self.manifests is not None:
            raise ValueError("give a component either chart or manifests, not both")
        return self

    @property
    def source_repo(self) -> str | None:
        """The repository Argo CD fetches the component from (its AppProject must allow it)."""
        if self.chart is not None:
            return self.chart.repo_url
        return self.manifests.repo_url if self.manifests is not None else None


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
    admins: list[Email] = Field(default_factory=list, description="SSO users in the admin group: admins of Argo CD, "
                                "Gitea and Grafana")
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
