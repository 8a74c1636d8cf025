"""The kubeconform `-schema-location` values: offline core schemas first, then our vendored CRD schemas.

Named schema_registry (not schemas) because checks/schemas/ is the data directory of the vendored files.
"""

from __future__ import annotations

from pathlib import Path

from checks import coreschemas
from checks.tools import cache_dir

CRD_DIR = Path(__file__).resolve().parent / "schemas" / "crds"
CORE_TEMPLATE = "{{.ResourceKind}}{{.KindSuffix}}.json"
CRD_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"


class MissingSchemas(Exception):
    """The converted core schemas are not in the cache; the message says how to install them."""


def schema_locations(kubernetes_version: str) -> list[str]:
    """kubeconform -schema-location values for this Kubernetes version (any patch of the minor)."""
    cache = cache_dir()
    if not coreschemas.is_installed(cache, kubernetes_version):
        raise MissingSchemas(
            f"Kubernetes {coreschemas.minor_version(kubernetes_version)} schemas are not installed in "
            f"{coreschemas.core_dir(cache, kubernetes_version)}; run: {coreschemas.INSTALL_COMMAND}"
        )
    return [
        f"{coreschemas.core_dir(cache, kubernetes_version)}/{CORE_TEMPLATE}",
        f"{CRD_DIR}/{CRD_TEMPLATE}",
    ]
