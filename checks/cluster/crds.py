"""Install the CRDs of every custom kind platformctl renders, and wait until the API serves them.

The list is the one checks/schemagen.py vendors schemas from (CRD_FILES, so validation and the live cluster
never disagree about which kinds exist), plus Kubero's two CRDs from the same directory: their schemas are
hand-written for validation, but the upstream CRDs (spec and status x-kubernetes-preserve-unknown-fields)
are what a real cluster runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from checks.cluster.errors import ClusterError
from checks.schemagen import CRD_FILES, DEFAULT_CRDS

KUBERO_CRD_FILES = ("kubero_kuberoapps.yaml", "kubero_kuberopipelines.yaml")
# Kind Kubero (the kubero component's CR) is not in ../shared/crds: vendored beside its hand-written schema.
VENDORED_CRDS = (Path(__file__).resolve().parent.parent / "schemas" / "kubero" / "crd" / "kubero_kuberoes.yaml",)
CLUSTER_CRD_FILES = (*CRD_FILES, *KUBERO_CRD_FILES)

__all__ = ["CLUSTER_CRD_FILES", "DEFAULT_CRDS", "established", "install", "load"]


def load(crd_dir: Path = DEFAULT_CRDS) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition document of CLUSTER_CRD_FILES; fails clearly when one is missing."""
    missing = [name for name in CLUSTER_CRD_FILES if not (crd_dir / name).is_file()]
    if missing:
        raise ClusterError(f"{crd_dir}: missing CRD file(s) {', '.join(missing)} (pass --crds DIR: the directory "
                           "of upstream CRDs, ../shared/crds next to the repository)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # LibYAML: 4 MB of CRDs in 0.5 s instead of 5 s
    docs = []
    for path in (*(crd_dir / name for name in CLUSTER_CRD_FILES), *VENDORED_CRDS):
        for doc in yaml.load_all(path.read_text(), Loader=loader):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                docs.append(doc)
    return docs


def _conditions(crd: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in (crd.get("status") or {}).get("conditions") or []}


def established(api: client.ApiClient) -> dict[str, bool]:
    """Every CRD in the cluster and whether it is Established (served) with its names accepted."""
    # raw JSON: the generated models reject some valid CRDs (kubernetes-client/python#1172)
    response = client.ApiextensionsV1Api(api).list_custom_resource_definition(_preload_content=False)
    items = json.loads(response.data)["items"]
    return {crd["metadata"]["name"]: _conditions(crd).get("Established") == "True"
            and _conditions(crd).get("NamesAccepted") == "True" for crd in items}


def install(api: client.ApiClient, docs: list[dict[str, Any]], timeout: float) -> list[str]:
    """Create the CRDs (an existing one is left as it is) and wait until all are Established; their names."""
    extensions = client.ApiextensionsV1Api(api)
    names = [doc["metadata"]["name"] for doc in docs]
    for doc in docs:
        body = {key: value for key, value in doc.items() if key != "status"}
        try:
            # raw response, read in full: an unread one is dropped mid-write (the server logs a broken pipe)
            extensions.create_custom_resource_definition(body, _preload_content=False).read()
        except ApiException as exc:
            if exc.status != 409:
                raise ClusterError(f"CRD {doc['metadata']['name']} was rejected: HTTP {exc.status} {exc.body}") from exc
    deadline = time.monotonic() + timeout
    while True:
        state = established(api)
        waiting = [name for name in names if not state.get(name)]
        if not waiting:
            return names
        if time.monotonic() >= deadline:
            raise ClusterError(f"CRDs not Established within {timeout:g}s: {', '.join(waiting)}")
        time.sleep(0.2)
