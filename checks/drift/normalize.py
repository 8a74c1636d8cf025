"""What is not drift: fields the server, controllers and tools own, and values that only look different.

Three kinds of rule, applied by ``compare`` to every side (desired, live, last-applied, dry-run result):

``normalize(obj)``  unconditional: metadata the server writes (uid, resourceVersion, generation,
    creationTimestamp, selfLink, managedFields, deletion*), ``status``, ``metadata.namespace`` (objects are
    paired by identity first; the API server ignores a namespace on a cluster-scoped object), tool
    annotations (last-applied, Argo CD tracking-id, ``meta.helm.sh/*``, deployment revision), injected
    ``caBundle``s (cert-manager, service-ca: git can only hold a placeholder), rules of aggregated
    ClusterRoles (the aggregation controller writes them), the apiVersion/kind/status the API server adds to
    StatefulSet volumeClaimTemplates, and Secret values, which become ``sha256:<hex of the decoded bytes>``
    (``stringData`` folded into ``data`` first) before anything can print them.
``drop_server_assigned(desired, live)``  fields someone else assigns *unless git declares them*: Service
    clusterIP(s)/ipFamilies/ipFamilyPolicy/internalTrafficPolicy/healthCheckNodePort and port nodePorts, PVC
    volumeName and binding annotations, ServiceAccount token/dockercfg secrets, and Argo CD's instance label.
``canonical(path, value)``  equality of scalars: quantities by value (``1000m == 1``, ``1Gi == 1024Mi``,
    ``0.5 == 500m``) wherever the path runs through a resources/limits/requests/storage/capacity/hard
    (/allocatable/overhead/sizeLimit) field, CRDs included; durations by length (``8760h == 8760h0m0s``,
    ``1m == 60s``) in fields named like a time span; int and digit-string alike in the IntOrString fields
    (port, targetPort, maxSurge, maxUnavailable, minAvailable). Maps of free text (labels, annotations,
    ConfigMap data, ...) are never reinterpreted.

Emptiness: ``None``, ``{}``, ``[]``, ``""`` and maps of only those count as absent (the API server omits
them), except ``{}`` where an empty object is itself a choice (``emptyDir``, label selectors, where ``{}``
selects everything).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from checks.drift.paths import Path

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
INSTANCE_LABEL = "app.kubernetes.io/instance"  # Argo CD's legacy tracking label, added on apply

SERVER_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields",
                   "deletionTimestamp", "deletionGracePeriodSeconds", "namespace")
TOOL_ANNOTATIONS = frozenset({LAST_APPLIED, "argocd.argoproj.io/tracking-id", "deployment.kubernetes.io/revision"})
TOOL_ANNOTATION_PREFIXES = ("meta.helm.sh/",)
CA_BUNDLE_KINDS = frozenset({"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService",
                             "CustomResourceDefinition"})
SERVICE_ASSIGNED = ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy",
                    "healthCheckNodePort")
PVC_ANNOTATIONS = frozenset({"pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller",
                             "volume.beta.kubernetes.io/storage-provisioner",
                             "volume.kubernetes.io/storage-provisioner", "volume.kubernetes.io/selected-node"})

INT_OR_STRING = frozenset({"port", "targetPort", "maxSurge", "maxUnavailable", "minAvailable"})
QUANTITY_FIELDS = frozenset({"resources", "limits", "requests", "storage", "capacity", "hard", "allocatable",
                             "overhead", "sizeLimit"})
FREE_TEXT_MAPS = frozenset({"labels", "annotations", "matchLabels", "nodeSelector", "data", "stringData",
                            "binaryData"})
EMPTY_IS_A_VALUE = frozenset({"emptyDir", "podSelector", "namespaceSelector", "labelSelector"})

_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?")
_SUFFIX = {"": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(10) ** 3,
           "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12, "P": Decimal(10) ** 15,
           "E": Decimal(10) ** 18, **{s: Decimal(2) ** (10 * (i + 1)) for i, s in enumerate(
               ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))}}
_DURATION = re.compile(r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h|d|w))+|0")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d|w)")
_NANOS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
          "h": 3600 * 10**9, "d": 86400 * 10**9, "w": 7 * 86400 * 10**9}
# a time span by its name: interval, scrapeTimeout, renewBefore, duration, for (PrometheusRule), ...
_DURATION_FIELD = re.compile(r"(?i).*(duration|interval|timeout|period|deadline|delay|ttl|before|after|backoff)"
                             r"|for|wait")


def is_empty(value: Any) -> bool:
    """None, "", [], {}, or a map of only such values (but not one holding an empty selector or emptyDir)."""
    if isinstance(value, dict):
        return all(is_empty(v) and not (v == {} and k in EMPTY_IS_A_VALUE) for k, v in value.items())
    return value is None or (isinstance(value, (list, str)) and not value)


def empty_is_a_value(path: Path) -> bool:
    """``{}`` at this path means something (select everything, a memory-less scratch dir), unlike absence."""
    return bool(path) and isinstance(path[-1], str) and path[-1] in EMPTY_IS_A_VALUE


def secret_digest(encoded: Any) -> str:
    """``sha256:<hex>`` of a Secret value's decoded bytes; a value that is not base64 is hashed as text."""
    if encoded is None:
        raw = b""
    else:
        try:
            raw = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            return "sha256:" + hashlib.sha256(str(encoded).encode()).hexdigest() + " (not base64)"
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def last_applied(live: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object ``kubectl apply`` last sent (its annotation), or None when absent or unreadable."""
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _group(obj: Mapping[str, Any]) -> str:
    api_version = str(obj.get("apiVersion") or "")
    return api_version.rpartition("/")[0]


def _drop_key_everywhere(value: Any, key: str) -> None:
    if isinstance(value, dict):
        value.pop(key, None)
        for child in value.values():
            _drop_key_everywhere(child, key)
    elif isinstance(value, list):
        for child in value:
            _drop_key_everywhere(child, key)


def _hash_secret(obj: dict[str, Any]) -> None:
    data = obj.get("data")
    data = dict(data) if isinstance(data, dict) else {}
    for name, text in (obj.pop("stringData", None) or {}).items():
        data[name] = base64.b64encode(("" if text is None else str(text)).encode()).decode()
    if data or "data" in obj:
        obj["data"] = {name: secret_digest(value) for name, value in data.items()}


def normalize(obj: Mapping[str, Any], *, keep_aggregated_rules: bool = False) -> dict[str, Any]:
    """A copy of ``obj`` without what is never drift (see the module docstring); secret values hashed."""
    out: dict[str, Any] = copy.deepcopy(dict(obj))
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for name in SERVER_METADATA:
            meta.pop(name, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            for name in list(annotations):
                if name in TOOL_ANNOTATIONS or name.startswith(TOOL_ANNOTATION_PREFIXES):
                    del annotations[name]
    kind, group = out.get("kind"), _group(out)
    if kind == "Secret" and group == "":
        _hash_secret(out)
    if kind in CA_BUNDLE_KINDS:
        _drop_key_everywhere(out, "caBundle")
    if kind == "ClusterRole" and out.get("aggregationRule") and not keep_aggregated_rules:
        out.pop("rules", None)
    if kind == "StatefulSet" and isinstance(out.get("spec"), dict):
        for template in out["spec"].get("volumeClaimTemplates") or []:
            if isinstance(template, dict):
                for name in ("apiVersion", "kind", "status"):
                    template.pop(name, None)
                if isinstance(template.get("metadata"), dict):
                    template["metadata"].pop("creationTimestamp", None)
    return out


def _pop_undeclared(live: dict[str, Any], desired: Mapping[str, Any], names: tuple[str, ...] | frozenset[str]) -> None:
    for name in names:
        if name not in desired:
            live.pop(name, None)


def _port_key(port: Mapping[str, Any]) -> tuple[Any, Any]:
    return port.get("port"), port.get("protocol") or "TCP"


def drop_server_assigned(desired: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of (normalized) ``live`` without the fields others assign that ``desired`` does not declare."""
    out: dict[str, Any] = copy.deepcopy(dict(live))
    kind, group = out.get("kind"), _group(out)
    want_meta = desired.get("metadata") or {}
    meta = out.get("metadata") if isinstance(out.get("metadata"), dict) else {}
    if isinstance(meta.get("labels"), dict):
        _pop_undeclared(meta["labels"], want_meta.get("labels") or {}, (INSTANCE_LABEL,))
    spec, want_spec = out.get("spec"), desired.get("spec") or {}
    if group != "":
        return out
    if kind == "Service" and isinstance(spec, dict):
        _pop_undeclared(spec, want_spec, SERVICE_ASSIGNED)
        wanted = {_port_key(p): p for p in want_spec.get("ports") or [] if isinstance(p, dict)}
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and "nodePort" not in wanted.get(_port_key(port), {}):
                port.pop("nodePort", None)
    elif kind == "PersistentVolumeClaim":
        if isinstance(spec, dict):
            _pop_undeclared(spec, want_spec, ("volumeName",))
        if isinstance(meta.get("annotations"), dict):
            _pop_undeclared(meta["annotations"], want_meta.get("annotations") or {}, PVC_ANNOTATIONS)
    elif kind == "ServiceAccount":
        prefixes = tuple(f"{meta.get('name', '')}-{what}-" for what in ("token", "dockercfg"))
        for field in ("secrets", "imagePullSecrets"):
            declared = {s.get("name") for s in desired.get(field) or [] if isinstance(s, dict)}
            if isinstance(out.get(field), list):
                out[field] = [s for s in out[field] if not (isinstance(s, dict) and str(s.get("name", "")).startswith(
                    prefixes) and s.get("name") not in declared)]
    return out


def _quantity(value: Any) -> Decimal | None:
    text = str(value) if isinstance(value, (int, float, str)) else None
    match = _QUANTITY.fullmatch(text) if text is not None else None
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    with localcontext() as ctx:
        ctx.prec = 60
        try:
            if suffix[:1] in ("e", "E") and len(suffix) > 1:
                return (Decimal(number) * Decimal(10) ** int(suffix[1:])).normalize()
            return (Decimal(number) * _SUFFIX[suffix]).normalize()
        except (InvalidOperation, ValueError):
            return None


def _duration(value: Any) -> int | None:
    if not isinstance(value, str) or not _DURATION.fullmatch(value):
        return None
    sign = -1 if value.startswith("-") else 1
    total = sum(Decimal(number) * _NANOS[unit] for number, unit in _DURATION_PART.findall(value))
    return sign * int(total)


def canonical(path: Path, value: Any) -> Any:
    """What a scalar at ``path`` is compared by: equal results mean the same value to Kubernetes."""
    if value is None or isinstance(value, (bool, dict, list)):
        return value
    names = [seg for seg in path if isinstance(seg, str)]
    if len(path) >= 2 and isinstance(path[-2], str) and path[-2] in FREE_TEXT_MAPS:
        return value
    field = names[-1] if names else ""
    if field in INT_OR_STRING and (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        return ("int", int(value))
    if QUANTITY_FIELDS.intersection(names):
        amount = _quantity(value)
        if amount is not None:
            return ("quantity", amount)
    if _DURATION_FIELD.fullmatch(field):
        nanos = _duration(value)
        if nanos is not None:
            return ("duration", nanos)
    return value
