"""Workload hygiene: resources, images, probes, service accounts, and secrets written into env values."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.manifests import Manifest
from checks.policy.context import Context
from checks.policy.podspec import WORKLOAD_KINDS, Container, PodView, as_dict, as_list
from checks.policy.registry import Hit, rule
from generator.model.image import registry_allowed

SECRET_NAME = re.compile(r"secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential", re.IGNORECASE)


def _pod(m: Manifest) -> PodView:
    assert m.pod is not None
    return m.pod


def _name(c: Container) -> str:
    return repr(c.data["name"]) if c.data.get("name") else c.path


def _resource(c_data: dict, section: str, name: str) -> object:
    return as_dict(as_dict(c_data.get("resources")).get(section)).get(name)


def _resource_rule(rule_id: str, section: str, name: str, description: str, remediation: str) -> None:
    """Requests and limits of regular and init containers (ephemeral containers cannot set them)."""

    def check(m: Manifest, ctx: Context) -> Iterator[Hit]:
        for c in _pod(m).containers:
            if c.group != "ephemeralContainers" and _resource(c.data, section, name) is None:
                what = "request" if section == "requests" else "limit"
                yield f"container {_name(c)} has no {name} {what}", f"{c.path}.resources.{section}.{name}"

    rule(rule_id, "warning", description, remediation, WORKLOAD_KINDS)(check)


_resource_rule("cpu-requests", "requests", "cpu", "Containers must request CPU",
               "Set resources.requests.cpu (the scheduler and the namespace quota need it).")
_resource_rule("memory-requests", "requests", "memory", "Containers must request memory",
               "Set resources.requests.memory.")
_resource_rule("memory-limits", "limits", "memory", "Containers must limit memory",
               "Set resources.limits.memory (a pod without one can exhaust its node).")


def image_tag(image: str) -> str | None:
    """The tag of an image reference, None when untagged; a digest-pinned image reports '@digest'."""
    if "@" in image:
        return "@digest"
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


@rule("image-tag", "error", "Images must be pinned to a version (no :latest, no missing tag)",
      "Use an explicit version tag or a digest, e.g. registry.example.com/team/app:1.4.2.", WORKLOAD_KINDS)
def image_tag_rule(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        image = c.data.get("image")
        if isinstance(image, str) and image:
            tag = image_tag(image)
            if tag is None or tag == "latest":
                yield f"image {image!r} is {'untagged' if tag is None else 'tagged :latest'}", f"{c.path}.image"


@rule("image-registry", "error", "Images must come from a registry the platform allows",
      "Push the image to one of the registries in blueprints/platform.yaml (spec.registries).", WORKLOAD_KINDS)
def image_registry(m: Manifest, ctx: Context) -> Iterator[Hit]:
    allowed = ctx.facts.registries
    if allowed is None:
        return  # no platform repo: nothing to compare against
    for c in _pod(m).containers:
        image = c.data.get("image")
        if not isinstance(image, str) or not image:
            continue
        try:
            ok = registry_allowed(image, list(allowed))
        except ValueError as exc:
            yield str(exc), f"{c.path}.image"
            continue
        if not ok:
            yield f"image {image!r} is not from an allowed registry ({', '.join(allowed)})", f"{c.path}.image"


def _probe_rule(probe: str) -> None:
    def check(m: Manifest, ctx: Context) -> Iterator[Hit]:
        pod = _pod(m)
        if not pod.long_running:
            return
        for c in pod.containers:
            if c.regular and not c.data.get(probe):
                yield f"container {_name(c)} has no {probe}", f"{c.path}.{probe}"

    rule_id = "liveness-probe" if probe == "livenessProbe" else "readiness-probe"
    what = "restart it when it hangs" if probe == "livenessProbe" else "send it traffic only when it is ready"
    rule(rule_id, "warning", f"Long-running containers must define a {probe}",
         f"Add a {probe} (httpGet, tcpSocket or exec) so Kubernetes can {what}.", WORKLOAD_KINDS)(check)


_probe_rule("livenessProbe")
_probe_rule("readinessProbe")


def _service_account(spec: dict) -> str:
    return str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "")


@rule("sa-token-automount", "warning", "Pods must not mount a service-account token they do not need",
      "Set automountServiceAccountToken: false on the pod (or on its ServiceAccount).", WORKLOAD_KINDS)
def sa_token_automount(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    own = pod.spec.get("automountServiceAccountToken")
    field = f"{pod.path}.automountServiceAccountToken"
    if own is True:
        yield "pod mounts its service-account token", field
    elif own is None:
        account = _service_account(pod.spec) or "default"
        sa = ctx.service_accounts.get((m.env, m.namespace, account))
        if sa is None or sa.get("automountServiceAccountToken") is not False:
            yield f"pod mounts the token of service account {account!r} (disabled on neither)", field


@rule("default-service-account", "warning", "Pods must run under their own service account, not 'default'",
      "Create a ServiceAccount for the workload and set serviceAccountName.", WORKLOAD_KINDS)
def default_service_account(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    if _service_account(pod.spec) in ("", "default"):
        yield "pod uses the default service account", f"{pod.path}.serviceAccountName"


@rule("env-var-secret", "error", "Secrets must not be written as plain environment values",
      "Use env[].valueFrom.secretKeyRef (with the Secret from an ExternalSecret or an operator).", WORKLOAD_KINDS)
def env_var_secret(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        for i, var in enumerate(as_list(c.data.get("env"))):
            var = as_dict(var)
            name, value = str(var.get("name") or ""), var.get("value")
            if value not in (None, "") and SECRET_NAME.search(name):
                yield f"env {name} holds a literal value that looks like a secret", f"{c.path}.env[{i}].value"
