"""Canonical YAML: sorted keys, block style, LibYAML's C emitter. Same object, same bytes."""

from __future__ import annotations

from typing import Any

import yaml

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"


class _Dumper(yaml.CSafeDumper):
    """Never emit anchors and aliases: a dict shared between two places is written out twice, as
    Kubernetes tools expect (and the representer skips its identity bookkeeping)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(obj: Any) -> bytes:
    return yaml.dump(
        obj, Dumper=_Dumper, encoding="utf-8", sort_keys=True,
        default_flow_style=False, allow_unicode=True, width=4096,
    )


def kustomization(resources: list[str]) -> dict[str, Any]:
    return {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": sorted(resources)}
