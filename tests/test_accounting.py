"""generator.accounting: what a tenant's workloads request per namespace, worked out by hand for acme."""

from __future__ import annotations

from decimal import Decimal

from generator import accounting
from generator.loader import load
from generator.model.tenant import Database, Resources
from generator.overlay import effective_tenant
from tests.support import REPO

BP = load(REPO)
MI = Decimal(1024 * 1024)
GI = 1024 * MI


def _usage(tenant: str, env: str) -> dict[str, accounting.Usage]:
    environment = BP.environments[env]
    return accounting.namespace_usage(effective_tenant(BP.tenants[tenant], environment, BP.platform), environment)


def test_acme_in_staging() -> None:
    usage = _usage("acme", "staging")
    # shop: autoscale max 6 capped to 3 x (500m, 512Mi); shopdb: 2 instances x its resources (500m, 1Gi)
    # and 20Gi; its pooler: 2 x (100m, 128Mi); all in acme-shop (dedicated mode, one app uses the database)
    assert usage["acme-shop"] == accounting.Usage(Decimal("2.7"), 3840 * MI, 40 * GI, 7)
    assert usage["acme-staging"] == accounting.Usage(Decimal("0.1"), 128 * MI, Decimal(0), 1)  # kubero storefront
    assert usage["acme-sbx-alice"] == accounting.Usage(Decimal("2.05"), 4 * GI + 64 * MI, 10 * GI, 1)
    assert accounting.overflows(effective_tenant(BP.tenants["acme"], BP.environments["staging"], BP.platform),
                                BP.environments["staging"]) == []


def test_disabled_sandboxes_keep_only_their_volume() -> None:
    usage = _usage("acme", "prod")
    assert usage["acme-sbx-alice"] == accounting.Usage(storage=10 * GI)


def test_shared_mode_counts_one_cluster_with_every_database() -> None:
    usage = _usage("globex", "local")
    data = usage["globex-data"]
    assert data.pods >= 1 and data.storage > 0
    assert all(u.storage == 0 for ns, u in usage.items() if ns != "globex-data" and "-sbx-" not in ns)


def test_a_cluster_instance_requests_the_largest_its_databases_ask_for() -> None:
    small = Database(name="a", resources=Resources(cpu="1", memory="256Mi"))
    large = Database(name="b", resources=Resources(memory="2Gi"))
    default = accounting.DATABASE_INSTANCE
    assert accounting.database_instance([Database(name="c")]) == default
    assert accounting.database_instance([small, large, Database(name="c")]) == accounting.Requests("1", "2Gi")
    assert accounting.database_instance([large]) == accounting.Requests(default.cpu, "2Gi")
