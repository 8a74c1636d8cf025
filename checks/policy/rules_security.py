"""Pod and container security: what Pod Security Admission ``restricted`` demands, checked before apply.

Only real fields count: a ``privileged`` key on the PodSecurityContext is not a field, so it neither
fails nor excuses a container (as kube-linter and Polaris read it).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.manifests import Manifest
from checks.policy.context import Context
from checks.policy.podspec import WORKLOAD_KINDS, Container, PodView, as_dict, as_list
from checks.policy.registry import Hit, rule

ALLOWED_ADD = frozenset({"NET_BIND_SERVICE"})
SAFE_SECCOMP = frozenset({"RuntimeDefault", "Localhost"})


def _effective(c: Container, pod: PodView, key: str) -> object:
    """A container's securityContext value, inherited from the pod's when the container sets none."""
    value = c.security.get(key)
    return pod.security.get(key) if value is None else value


def _pod(m: Manifest) -> PodView:
    assert m.pod is not None
    return m.pod


@rule("privileged-container", "error", "Containers must not run privileged",
      "Remove securityContext.privileged or set it to false.", WORKLOAD_KINDS)
def privileged(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        if c.security.get("privileged") is True:
            yield "container runs privileged", f"{c.path}.securityContext.privileged"


@rule("host-namespaces", "error", "Pods must not share the host's network, PID or IPC namespace",
      "Remove hostNetwork, hostPID and hostIPC (or set them to false).", WORKLOAD_KINDS)
def host_namespaces(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(key) is True:
            yield f"pod sets {key}: true", f"{pod.path}.{key}"


@rule("host-path", "error", "Pods must not mount hostPath volumes",
      "Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead.", WORKLOAD_KINDS)
def host_path(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    for i, volume in enumerate(as_list(pod.spec.get("volumes"))):
        if as_dict(volume).get("hostPath") is not None:
            yield f"volume {as_dict(volume).get('name')!r} mounts a host path", f"{pod.path}.volumes[{i}].hostPath"


@rule("host-port", "error", "Containers must not bind host ports",
      "Remove ports[].hostPort; expose the pod through a Service instead.", WORKLOAD_KINDS)
def host_port(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        for i, port in enumerate(as_list(c.data.get("ports"))):
            if as_dict(port).get("hostPort"):
                yield f"container binds host port {as_dict(port)['hostPort']}", f"{c.path}.ports[{i}].hostPort"


@rule("capabilities-added", "error", "Containers must not add Linux capabilities (except NET_BIND_SERVICE)",
      "Remove securityContext.capabilities.add entries other than NET_BIND_SERVICE.", WORKLOAD_KINDS)
def capabilities_added(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        added = as_list(as_dict(c.security.get("capabilities")).get("add"))
        extra = sorted({str(a) for a in added if str(a).upper() not in ALLOWED_ADD})
        if extra:
            yield f"container adds capabilities {', '.join(extra)}", f"{c.path}.securityContext.capabilities.add"


@rule("capabilities-drop-all", "error", "Containers must drop ALL Linux capabilities",
      "Set securityContext.capabilities.drop: [ALL].", WORKLOAD_KINDS)
def capabilities_drop_all(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        dropped = as_list(as_dict(c.security.get("capabilities")).get("drop"))
        if not any(str(d).upper() == "ALL" for d in dropped):
            yield "container does not drop ALL capabilities", f"{c.path}.securityContext.capabilities.drop"


@rule("privilege-escalation", "error", "Containers must set allowPrivilegeEscalation: false",
      "Set securityContext.allowPrivilegeEscalation: false (unset means allowed).", WORKLOAD_KINDS)
def privilege_escalation(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        if c.security.get("allowPrivilegeEscalation") is not False:
            yield "container may escalate privileges", f"{c.path}.securityContext.allowPrivilegeEscalation"


@rule("run-as-non-root", "error", "Containers must run as a non-root user and group",
      "Set securityContext.runAsNonRoot: true (and runAsUser/runAsGroup, if set, to non-zero).", WORKLOAD_KINDS)
def run_as_non_root(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    for c in pod.containers:
        user, group, non_root = (_effective(c, pod, key) for key in ("runAsUser", "runAsGroup", "runAsNonRoot"))
        where = f"{c.path}.securityContext"
        if user == 0:
            yield "container runs as user 0 (root)", f"{where}.runAsUser"
        elif group == 0:
            yield "container runs with group 0 (root)", f"{where}.runAsGroup"
        elif non_root is not True and not (isinstance(user, int) and user > 0):
            yield "container may run as root (runAsNonRoot is not true)", f"{where}.runAsNonRoot"


@rule("seccomp-profile", "error", "Containers must use the RuntimeDefault (or a Localhost) seccomp profile",
      "Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod.", WORKLOAD_KINDS)
def seccomp(m: Manifest, ctx: Context) -> Iterator[Hit]:
    pod = _pod(m)
    pod_type = as_dict(pod.security.get("seccompProfile")).get("type")
    for c in pod.containers:
        own = as_dict(c.security.get("seccompProfile")).get("type")
        effective = own if own is not None else pod_type
        if effective not in SAFE_SECCOMP:
            field = f"{c.path if own is not None else pod.path}.securityContext.seccompProfile"
            yield f"container's seccomp profile is {effective or 'unset'}", field


@rule("read-only-root-fs", "error", "Containers must have a read-only root filesystem",
      "Set securityContext.readOnlyRootFilesystem: true; mount an emptyDir where the app must write.",
      WORKLOAD_KINDS)
def read_only_root_fs(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for c in _pod(m).containers:
        if c.security.get("readOnlyRootFilesystem") is not True:
            yield "container's root filesystem is writable", f"{c.path}.securityContext.readOnlyRootFilesystem"
