"""Single sign-on is consistent, read from the rendered tree alone (issue 6's SSO test).

Every OAuth application in Casdoor's init data has exactly one consumer configured with the same client id,
the same redirect URI and the same secret (the same record of the environment's secret store, reached through
each side's ExternalSecret), and every consumer has exactly one application. Consumers: Gitea's auth source,
Argo CD's oidc.config, the Kubero CR, Grafana's generic OAuth, and every sandbox's oauth2-proxy. Nothing here
asks the renderers: a wiring mistake in any of them shows as a mismatch.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import REPO

RENDERED = REPO / "rendered"
ENVIRONMENTS = sorted(p.name for p in RENDERED.iterdir() if p.is_dir() and not p.name.startswith("."))
Record = tuple[str, str]  # (store key, property)
Client = tuple[str, str, Record]  # (client id, redirect URI, secret record)


class Tree:
    """One environment's rendered objects, with the lookups the consumers need."""

    def __init__(self, env: str) -> None:
        self.objects = [yaml.load(p.read_text(), Loader=yaml.CSafeLoader)
                        for p in sorted((RENDERED / env).rglob("*.yaml")) if p.name != "kustomization.yaml"]

    def one(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        found = [o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name
                 and (namespace is None or o["metadata"].get("namespace") == namespace)]
        assert len(found) == 1, (kind, name, namespace, len(found))
        return found[0]

    def values(self, component: str) -> dict[str, Any]:
        app = self.one("Application", f"system-{component}", "argocd")
        (chart,) = [s for s in app["spec"]["sources"] if "chart" in s]
        return chart["helm"]["valuesObject"]

    def record(self, namespace: str, secret: str, key: str) -> Record:
        """The store record that Secret ``secret``'s ``key`` is made from, through its ExternalSecret."""
        (external,) = [o for o in self.objects if o["kind"] == "ExternalSecret"
                       and o["metadata"].get("namespace") == namespace
                       and o["spec"]["target"].get("name", o["metadata"]["name"]) == secret]
        template = external["spec"]["target"].get("template", {}).get("data")
        source = key
        if template is not None:
            (source,) = re.findall(r"\{\{\s*\.([A-Za-z0-9_]+)", template[key])
        (entry,) = [d for d in external["spec"]["data"] if d["secretKey"] == source]
        return entry["remoteRef"]["key"], entry["remoteRef"]["property"]


def casdoor_applications(tree: Tree) -> list[Client]:
    parts = sorted((o for o in tree.objects if o["kind"] == "ExternalSecret"
                    and o["metadata"]["name"].startswith("casdoor-init-data-")),
                   key=lambda o: int(o["metadata"]["name"].rsplit("-", 1)[1]))
    assert parts, "no init data"
    text = "".join(o["spec"]["target"]["template"]["data"]["part"] for o in parts)  # as its init container cats
    placeholders = {m: f"@@{m}@@" for m in re.findall(r"\{\{\s*\.([A-Za-z0-9_]+)\s*\|\s*toJson\s*\}\}", text)}
    for name, mark in placeholders.items():
        text = re.sub(r"\{\{\s*\." + name + r"\s*\|\s*toJson\s*\}\}", json.dumps(mark), text)
    data = json.loads(text)
    records = {d["secretKey"]: (d["remoteRef"]["key"], d["remoteRef"]["property"])
               for o in parts for d in o["spec"]["data"]}
    result = []
    for app in data["applications"]:
        (uri,) = app["redirectUris"]
        secret = app["clientSecret"]
        assert secret.startswith("@@") and secret.endswith("@@"), f"{app['name']}: a literal client secret"
        result.append((app["clientId"], uri, records[secret[2:-2]]))
    return result


def consumers(tree: Tree) -> list[Client]:
    found: list[Client] = []
    gitea = tree.values("gitea")["gitea"]
    for source in gitea["oauth"]:
        secret = source["existingSecret"]
        external = tree.one("ExternalSecret", secret, "gitea")
        client_id = external["spec"]["target"]["template"]["data"]["key"]
        redirect = gitea["config"]["server"]["ROOT_URL"].rstrip("/") + f"/user/oauth2/{source['name']}/callback"
        found.append((client_id, redirect, tree.record("gitea", secret, "secret")))
    cm = tree.values("argocd")["configs"]["cm"]
    oidc = yaml.safe_load(cm["oidc.config"])
    secret, key = oidc["clientSecret"].removeprefix("$").split(":")
    found.append((oidc["clientID"], cm["url"].rstrip("/") + "/auth/callback", tree.record("argocd", secret, key)))
    kubero = tree.one("Kubero", "kubero", "kubero")["spec"]["kubero"]["auth"]["oauth2"]
    found.append((kubero["id"], kubero["callbackUrl"], tree.record("kubero", "kubero-secrets", "OAUTH2_CLIENT_SECRET")))
    grafana = tree.values("monitoring")["grafana"]
    oauth = grafana["grafana.ini"]["auth.generic_oauth"]
    ref = grafana["envValueFrom"]["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET"]["secretKeyRef"]
    found.append((oauth["client_id"], grafana["grafana.ini"]["server"]["root_url"].rstrip("/") + "/login/generic_oauth",
                  tree.record("monitoring", ref["name"], ref["key"])))
    for sts in (o for o in tree.objects if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "sandbox"):
        (proxy,) = [c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "oauth2-proxy"]
        args = dict(a.removeprefix("--").split("=", 1) for a in proxy["args"] if "=" in a)
        (env,) = [e for e in proxy["env"] if e["name"] == "OAUTH2_PROXY_CLIENT_SECRET"]
        ref = env["valueFrom"]["secretKeyRef"]
        found.append((args["client-id"], args["redirect-url"],
                      tree.record(sts["metadata"]["namespace"], ref["name"], ref["key"])))
    return found


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_casdoor_application_has_exactly_one_consumer_and_vice_versa(env: str) -> None:
    tree = Tree(env)
    apps, users = casdoor_applications(tree), consumers(tree)
    ids = Counter(c[0] for c in apps)
    assert all(n == 1 for n in ids.values()), f"client ids registered twice: {ids}"
    assert Counter(c[0] for c in users) == ids, "an application without its consumer, or a consumer without one"
    assert sorted(apps) == sorted(users)  # same id, redirect URI and secret record, pair by pair


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_there_is_something_to_compare(env: str) -> None:
    """Guards the test above against an empty rendering: the platform's four clients plus the sandboxes."""
    tree = Tree(env)
    sandboxes = [o for o in tree.objects if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "sandbox"]
    assert len(casdoor_applications(tree)) == 4 + len(sandboxes) and sandboxes


def test_a_mismatch_is_caught(tmp_path: Path) -> None:
    """The comparison is not vacuous: one consumer pointed at another record is a mismatch."""
    tree = Tree(ENVIRONMENTS[0])
    apps, users = casdoor_applications(tree), consumers(tree)
    client_id, uri, (key, prop) = users[0]
    users[0] = (client_id, uri, (key + "-other", prop))
    assert sorted(apps) != sorted(users)
