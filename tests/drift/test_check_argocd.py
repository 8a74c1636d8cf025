"""Argo CD's view folded into the drift report: applications, and its own diff for those out of sync.

Argo CD is the swagger-checked fake of argocd_contract.py (no real Argo CD runs here); the cluster side is
the session's real control plane with rendered/local applied, as in test_check.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from checks.drift import check
from checks.drift.formats import FORMATS
from tests.drift.argocd_contract import LIST, SWAGGER_PATH, FakeArgoCD, fixture, managed
from tests.drift.test_check import REPO, _baseline


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    return json.loads(SWAGGER_PATH.read_text())


def _argocd(swagger: dict[str, Any], **routes: tuple[int, Any]) -> FakeArgoCD:
    served = {LIST: (200, fixture("applications.json")),
              managed("tenancy-acme"): (200, fixture("managed-resources-tenancy-acme.json")),
              managed("system-gitea"): (200, fixture("managed-resources-system-gitea.json"))}
    served.update(routes)
    return FakeArgoCD(swagger, served)


def test_apps_and_argocd_diffs_join_the_report(swagger: dict[str, Any], admin_api: client.ApiClient,
                                               readonly_api: client.ApiClient) -> None:
    _baseline(admin_api)
    fake = _argocd(swagger)
    report = check.run(REPO, "local", readonly_api, argocd=fake.client())
    assert report.findings == ()  # the cluster is in sync; only Argo CD says otherwise
    assert [(a.name, a.sync) for a in report.apps] == [
        ("root", "Synced"), ("system-gitea", "OutOfSync"), ("tenancy-acme", "OutOfSync"), ("tenant-acme", "Synced")]
    assert report.exit_code() == 1
    asked = [r.url.path for r in fake.requests]
    assert asked[0] == LIST and sorted(asked[1:]) == [managed("system-gitea"), managed("tenancy-acme")]
    assert fake.requests[0].url.params["selector"] == "platformctl.dev/environment=local"
    tenancy = next(a for a in report.apps if a.name == "tenancy-acme")
    found = {(f.status, f.ref.kind, f.ref.name, tuple((d.path, d.desired, d.live) for d in f.diffs))
             for f in tenancy.diffs}
    assert found == {  # what the fixture's managed-resources say, in our classes; unmodified ones left out
        ("modified", "ResourceQuota", "tenant-quota", (('spec.hard["limits.memory"]', "4Gi", "8Gi"),)),
        ("extra", "NetworkPolicy", "allow-legacy", ()),
        ("missing", "NetworkPolicy", "allow-monitoring", ()),
    }
    gitea = next(a for a in report.apps if a.name == "system-gitea")
    secret = [f for f in gitea.diffs if f.ref.kind == "Secret"]
    assert all(not f.diffs and "masked" in f.reason for f in secret)
    text = FORMATS["markdown"](report)
    assert "## Argo CD" in text and "tenancy-acme" in text


def test_argocd_refusing_is_a_problem_not_a_crash(swagger: dict[str, Any], admin_api: client.ApiClient,
                                                  readonly_api: client.ApiClient) -> None:
    _baseline(admin_api)
    fake = _argocd(swagger, **{LIST: (403, fixture("error-403.json"))})
    report = check.run(REPO, "local", readonly_api, argocd=fake.client())
    assert report.apps == () and report.problems and report.problems[0].startswith("Argo CD: ")
    assert "eyJ" not in report.problems[0]  # never the token
    assert report.exit_code() == 2
