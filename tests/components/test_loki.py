"""generator.render.components.loki: one multi-tenant single-binary Loki."""

from __future__ import annotations

from generator.loader import load
from generator.render import components
from tests.support import REPO

BP = load(REPO)


def _values(env: str) -> dict:
    (component,) = [c for c in BP.platform.spec.components if c.name == "loki"]
    return components.values(components.Context(BP.platform, BP.environments[env], component, ()))


def test_loki_is_one_multi_tenant_binary_on_a_filesystem() -> None:
    for env in BP.environments:
        values = _values(env)
        assert values["deploymentMode"] == "SingleBinary"
        assert values["loki"]["auth_enabled"] is True  # tenants separated by X-Scope-OrgID
        assert values["loki"]["commonConfig"] == {"replication_factor": 1}
        assert values["loki"]["storage"]["type"] == "filesystem"
        (schema,) = values["loki"]["schemaConfig"]["configs"]
        assert (schema["store"], schema["object_store"], schema["schema"]) == ("tsdb", "filesystem", "v13")
        binary = values["singleBinary"]
        assert binary["replicas"] == 1
        assert binary["persistence"]["storageClass"] == BP.environments[env].spec.storage_class
        assert [values[t]["replicas"] for t in ("read", "write", "backend")] == [0, 0, 0]
        for extra in ("chunksCache", "resultsCache", "minio", "lokiCanary", "test"):
            assert values[extra] == {"enabled": False}, extra
