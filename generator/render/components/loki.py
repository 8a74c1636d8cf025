"""Loki (chart ``loki`` 6.x) as one multi-tenant single binary: its Helm values.

``auth_enabled: true`` makes Loki multi-tenant: every push and query names its tenant in the ``X-Scope-OrgID``
header (the log shipper sets the platform tenant's name, a Grafana datasource per tenant sends it), so one
tenant's logs are never in another's queries. One replica on a filesystem volume of the environment's storage
class, replication factor 1, and none of the chart's extras (memcached caches, bundled MinIO, canary, Helm
test, the scalable read/write/backend targets). The TSDB v13 schema is the one Loki 3 requires for new data.
Keys are [memory] of the grafana/loki chart 6.x (cross-checked against published single-binary values).
"""

from __future__ import annotations

from typing import Any

from generator.render.components import Context

SCHEMA_FROM = "2024-04-01"  # fixed: changing a schema's start date would re-index existing chunks
VOLUME_SIZE = "10Gi"
RESOURCES = {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}


def values(ctx: Context) -> dict[str, Any]:
    return {
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": True,
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {"configs": [{
                "from": SCHEMA_FROM, "store": "tsdb", "object_store": "filesystem", "schema": "v13",
                "index": {"prefix": "loki_index_", "period": "24h"},
            }]},
        },
        "singleBinary": {
            "replicas": 1,
            "persistence": {"enabled": True, "size": VOLUME_SIZE, "storageClass": ctx.env.spec.storage_class},
            "resources": RESOURCES,
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "minio": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
    }
