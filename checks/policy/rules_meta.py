"""Object-level rules: namespace, API version, and secrets in git."""

from __future__ import annotations

from collections.abc import Iterator

from checks.manifests import Manifest
from checks.policy.context import Context, identity
from checks.policy.registry import Hit, rule

# (apiVersion, kind) -> (removed in, replacement). Served no more by the Kubernetes versions we target.
DEPRECATED: dict[tuple[str, str], tuple[str, str]] = {
    **{("extensions/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "DaemonSet", "ReplicaSet")},
    ("extensions/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "NetworkPolicy"): ("1.16", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy"): ("1.25", "Pod Security Admission"),
    **{("apps/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet")},
    **{("apps/v1beta2", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet")},
    ("networking.k8s.io/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "IngressClass"): ("1.22", "networking.k8s.io/v1"),
    **{(f"rbac.authorization.k8s.io/{v}", k): ("1.22", "rbac.authorization.k8s.io/v1")
       for v in ("v1alpha1", "v1beta1") for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
    ("policy/v1beta1", "PodDisruptionBudget"): ("1.25", "policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy"): ("1.25", "Pod Security Admission"),
    ("batch/v1beta1", "CronJob"): ("1.25", "batch/v1"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ("1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ("1.26", "autoscaling/v2"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): ("1.22", "apiextensions.k8s.io/v1"),
    **{("admissionregistration.k8s.io/v1beta1", k): ("1.22", "admissionregistration.k8s.io/v1")
       for k in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")},
    **{("storage.k8s.io/v1beta1", k): ("1.22", "storage.k8s.io/v1")
       for k in ("StorageClass", "VolumeAttachment", "CSIDriver", "CSINode")},
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ("1.27", "storage.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): ("1.22", "scheduling.k8s.io/v1"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): ("1.25", "discovery.k8s.io/v1"),
    ("node.k8s.io/v1beta1", "RuntimeClass"): ("1.25", "node.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "Event"): ("1.25", "events.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): ("1.22", "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", "Lease"): ("1.22", "coordination.k8s.io/v1"),
    **{(f"flowcontrol.apiserver.k8s.io/{v}", k): (r, "flowcontrol.apiserver.k8s.io/v1")
       for v, r in (("v1beta1", "1.26"), ("v1beta2", "1.29"), ("v1beta3", "1.32"))
       for k in ("FlowSchema", "PriorityLevelConfiguration")},
}


@rule("default-namespace", "warning", "Objects must not be placed in the default namespace",
      "Put the object in a namespace of its own (tenant objects: one of the tenant's namespaces).")
def default_namespace(m: Manifest, ctx: Context) -> Iterator[Hit]:
    if m.namespace == "default":
        yield "object is in the default namespace", "metadata.namespace"


@rule("deprecated-api", "error", "Objects must not use API versions Kubernetes has removed",
      "Move the object to the replacement API version named in the message.")
def deprecated_api(m: Manifest, ctx: Context) -> Iterator[Hit]:
    found = DEPRECATED.get((m.api_version, m.kind))
    if found:
        removed, replacement = found
        message = f"{m.api_version} {m.kind} is no longer served since Kubernetes {removed}: use {replacement}"
        yield message, "apiVersion"


@rule("secret-data", "error", "Secrets must not carry data in git",
      "Deliver the value through an ExternalSecret from the environment's secret store (or an operator).",
      ("Secret",))
def secret_data(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for key in ("data", "stringData"):
        if m.obj.get(key):
            yield f"secret carries {key} in git", key


@rule("duplicate-object", "error", "An object must be defined once per environment",
      "Keep one definition: two definitions of one object overwrite each other (or make two Argo CD "
      "Applications fight over it), so which one the cluster runs depends on sync order.")
def duplicate_object(m: Manifest, ctx: Context) -> Iterator[Hit]:
    places = ctx.duplicates.get(identity(m))
    if places:
        here = (m.file, m.line)
        others = list(places)
        others.remove(here)  # one entry per definition: this one's, plus the others
        shown = ", ".join(f"{file}:{line}" for file, line in others)
        yield f"{m.kind} {m.namespace + '/' if m.namespace else ''}{m.name} is defined {len(places)} times; " \
              f"also at {shown}", "metadata.name"
