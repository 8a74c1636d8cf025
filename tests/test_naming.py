"""Database placement: one answer for the database renderer (creates) and the app renderer (connects)."""

from __future__ import annotations

from pathlib import Path

from generator import naming
from generator.loader import load

REPO = Path(__file__).resolve().parent.parent


def test_dedicated_mode_places_a_one_app_database_with_its_app_and_shared_ones_in_data() -> None:
    blueprints = load(REPO)
    staging = blueprints.environments["staging"]
    acme = naming.database_placements(blueprints.tenants["acme"], staging)["shopdb"]
    assert (acme.cluster, acme.namespace, acme.shared, acme.apps) == ("shopdb", "acme-shop", False, ("shop",))
    # shopdb has a pooler: the app reads a copy whose host is the Pooler's Service
    assert (acme.pooler, acme.host, acme.secret_for("acme-shop")) == (
        "shopdb-pooler", "shopdb-pooler.acme-shop.svc", "shopdb-db")
    raw = blueprints.tenants["acme"]
    unpooled = [d.model_copy(update={"pooler": None}) for d in raw.spec.databases]
    direct = raw.model_copy(update={"spec": raw.spec.model_copy(update={"databases": unpooled})})
    alone = naming.database_placements(direct, staging)["shopdb"]
    assert (alone.pooler, alone.host) == (None, "shopdb-rw.acme-shop.svc")
    assert alone.secret_for("acme-shop") == "shopdb-app"  # CNPG's own secret, same namespace
    globex = naming.database_placements(blueprints.tenants["globex"], staging)["core"]
    assert (globex.cluster, globex.namespace, globex.apps) == ("core", "globex-data", ("api", "worker"))
    assert globex.secret_for("globex-api") == "core-db"  # a copy in the app's namespace
    assert globex.host == "core-pooler.globex-data.svc"
    assert "globex-data" in naming.tenant_namespaces(blueprints.tenants["globex"], staging)


def test_shared_mode_has_one_cluster_per_tenant_in_data() -> None:
    blueprints = load(REPO)
    local = blueprints.environments["local"]
    acme = naming.database_placements(blueprints.tenants["acme"], local)["shopdb"]
    assert (acme.cluster, acme.namespace, acme.shared) == ("acme-pg", "acme-data", True)
    assert acme.secret_for("acme-shop") == acme.secret_for("acme-data") == "shopdb-db"
