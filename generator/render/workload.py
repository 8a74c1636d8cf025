"""Pieces every workload renderer builds the same way: the restricted container, Secret-backed env vars,
and a TLS Ingress behind the environment's ingress class and cert-manager issuer."""

from __future__ import annotations

import copy
from typing import Any

from generator.model import Environment
from generator.render.meta import Obj, make

ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"

# A container as Pod Security "restricted" wants it (plus a read-only root: writable paths are emptyDirs).
RESTRICTED_CONTAINER: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def restricted_container(**extra: Any) -> dict[str, Any]:
    """A fresh copy of RESTRICTED_CONTAINER, with ``extra`` fields (e.g. runAsUser) added."""
    return {**copy.deepcopy(RESTRICTED_CONTAINER), **extra}


def secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    """An env var read from a Secret's key: never a value in git."""
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def tls_ingress(env: Environment, name: str, namespace: str, lab: dict[str, str], host: str,
                backend: dict[str, Any], annotations: dict[str, str] | None = None) -> Obj:
    """One host, one path ``/`` to ``backend``, TLS in Secret ``<name>-tls`` issued by the environment's issuer."""
    return make(
        "networking.k8s.io/v1", "Ingress", name, namespace=namespace, labels=lab,
        annotations={ISSUER_ANNOTATION: env.spec.ingress.tls_issuer, **(annotations or {})},
        spec={
            "ingressClassName": env.spec.ingress.class_name,
            "tls": [{"hosts": [host], "secretName": f"{name}-tls"}],
            "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}],
        },
    )
