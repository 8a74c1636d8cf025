"""generator.render.components.casdoor: Casdoor's database, its chart values, and its init data.

The init data is an ExternalSecret template: each client secret is ``{{ .<key> | toJson }}``. The tests
parse it after putting a JSON string in place of every such expression, and check it against sso.clients
(the consumers' list) and the tenants' owners and members.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from kubernetes import client

from checks.drift.apply import dry_run_apply
from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester
from checks.policy import facts as policy_facts
from checks.policy import sharded
from checks.validate import validate
from generator import naming
from generator.loader import load
from generator.model import Environment, Tenant
from generator.overlay import present_in
from generator.render import components, sso, tenancy
from generator.render.components import casdoor
from generator.render.meta import Obj
from generator.serialize import dump
from tests.support import REPO, stored_differently

BP = load(REPO)
PLATFORM = BP.platform
COMPONENT = next(c for c in PLATFORM.spec.components if c.name == "casdoor")
ENVIRONMENTS = sorted(BP.environments)
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)
EXPRESSION = re.compile(r"\{\{ \.([A-Za-z0-9_]+) \| toJson \}\}")


def _ctx(env: str | Environment, tenants: tuple[Tenant, ...] | None = None) -> components.Context:
    environment = BP.environments[env] if isinstance(env, str) else env
    if tenants is None:
        tenants = tuple(t for t in BP.tenants.values() if present_in(t, environment))
    return components.Context(PLATFORM, environment, COMPONENT, tenants)


def _get(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def _parts(objects: list[Obj]) -> list[Obj]:
    """The init data's ExternalSecrets in order (casdoor-init-data-0, -1, ...)."""
    found = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ExternalSecret"
             and o["metadata"]["name"].startswith(casdoor.INIT_SECRET + "-")}
    return [found[casdoor.part_name(i)] for i in range(len(found))]


def _template(objects: list[Obj]) -> str:
    """The parts put back together, as the init container's cat does."""
    return "".join(o["spec"]["target"]["template"]["data"]["part"] for o in _parts(objects))


def _parse(template: str) -> dict[str, Any]:
    """The init data as Casdoor would read it, each secret replaced by a marker naming its key."""
    return json.loads(EXPRESSION.sub(lambda m: json.dumps(f"<secret {m.group(1)}>"), template))


def _config(values: dict[str, Any]) -> dict[str, str]:
    return dict(line.split(" = ", 1) if " = " in line else (line.rstrip(" ="), "")
                for line in values["config"].splitlines() if line)


# --- chart values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_config_points_casdoor_at_its_issuer_database_and_init_data(env: str) -> None:
    ctx = _ctx(env)
    values = components.values(ctx)
    conf = _config(values)
    assert conf["origin"] == naming.casdoor_issuer(ctx.env) == f"https://casdoor.{ctx.env.spec.domain}"
    assert conf["initDataFile"] == casdoor.INIT_FILE == "/init-data/init_data.json"
    assert conf["initDataNewOnly"] == "true"  # Casdoor's GetConfigBool: the string "true" only
    assert (conf["runmode"], conf["driverName"], conf["dbName"]) == ("prod", "postgres", "casdoor")
    assert "dataSourceName" not in conf and "password" not in values["config"]
    # the init container puts every part's Secret (a projected volume) together in the emptyDir Casdoor reads
    [mount] = values["extraVolumeMounts"]
    parts_volume, data_volume = values["extraVolumes"]
    assert (mount["mountPath"], mount["name"]) == ("/init-data", data_volume["name"]) and "emptyDir" in data_volume
    parts = _parts(components.objects(ctx))
    assert [s["secret"]["name"] for s in parts_volume["projected"]["sources"]] == [
        o["metadata"]["name"] for o in parts]
    assert values["initContainersEnabled"] is True
    (init,) = yaml.safe_load(values["initContainers"])
    assert init["command"][-1] == f"cat /init-data-parts/000 > {conf['initDataFile']}"  # one part here
    assert init["securityContext"]["runAsNonRoot"] and init["securityContext"]["readOnlyRootFilesystem"]
    assert {m["name"] for m in init["volumeMounts"]} == {parts_volume["name"], data_volume["name"]}
    assert all(set(o["spec"]["target"]["template"]["data"]) == {"part"} for o in parts)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_database_connection_comes_from_the_cnpg_secret_through_env(env: str) -> None:
    ctx = _ctx(env)
    objects = components.objects(ctx)
    [entry] = components.values(ctx)["envFromSecret"]
    assert entry == {"name": "dataSourceName", "secretName": "casdoor-db", "key": "dataSourceName"}
    dsn = _get(objects, "ExternalSecret", "casdoor-db")
    template = dsn["spec"]["target"]["template"]["data"]["dataSourceName"]
    assert "host=casdoor-pg-rw.casdoor.svc port=5432 dbname=casdoor sslmode=require" in template
    assert "{{ .username }}" in template and "{{ .password" in template
    assert [d["remoteRef"] for d in dsn["spec"]["data"]] == [
        {"key": "casdoor-pg-app", "property": "username"}, {"key": "casdoor-pg-app", "property": "password"}]
    store_ref = dsn["spec"]["secretStoreRef"]
    store = _get(objects, "ClusterSecretStore", store_ref["name"])
    assert store_ref["kind"] == "ClusterSecretStore"
    assert store["spec"]["conditions"] == [{"namespaces": ["casdoor"]}]
    account = store["spec"]["provider"]["kubernetes"]["auth"]["serviceAccount"]["name"]
    role = _get(objects, "Role", account)
    assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["casdoor-pg-app"],
                              "verbs": ["get"]}]
    assert _get(objects, "RoleBinding", account)["subjects"] == [
        {"kind": "ServiceAccount", "name": account, "namespace": "casdoor"}]
    # the Cluster whose Secret that is: initdb creates the casdoor database and owner
    cluster = _get(objects, "Cluster", "casdoor-pg")["spec"]
    assert cluster["bootstrap"] == {"initdb": {"database": "casdoor", "owner": "casdoor"}}
    assert cluster["imageName"] == PLATFORM.spec.postgres.images[PLATFORM.spec.postgres.default_version]
    assert cluster["storage"]["storageClass"] == ctx.env.spec.storage_class
    cap = ctx.env.spec.caps.database.instances
    assert cluster["instances"] == min(ctx.env.spec.defaults.database.instances, cap or 99)
    assert cluster["enablePDB"] is (cluster["instances"] > 1)
    monitor = _get(objects, "PodMonitor", "casdoor-pg")["spec"]
    assert monitor["selector"]["matchLabels"] == {"cnpg.io/cluster": "casdoor-pg", "cnpg.io/podRole": "instance"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_ingress_serves_the_issuer_host_with_the_environments_class_and_issuer(env: str) -> None:
    ctx = _ctx(env)
    ingress = components.values(ctx)["ingress"]
    host = urlsplit(naming.casdoor_issuer(ctx.env)).hostname
    assert ingress["enabled"] is True
    assert ingress["className"] == ctx.env.spec.ingress.class_name
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": ctx.env.spec.ingress.tls_issuer}
    assert [h["host"] for h in ingress["hosts"]] == [host]
    assert ingress["tls"] == [{"secretName": "casdoor-tls", "hosts": [host]}]


def test_platform_values_still_win() -> None:
    component = COMPONENT.model_copy(update={"values": {"ingress": {"className": "traefik"}, "replicaCount": 2}})
    ctx = components.Context(PLATFORM, BP.environments["prod"], component, _ctx("prod").tenants)
    values = components.values(ctx)
    assert values["ingress"]["className"] == "traefik" and values["ingress"]["enabled"] is True
    assert values["replicaCount"] == 2


def test_a_new_init_data_template_rolls_the_pod() -> None:
    ctx = _ctx("local")
    fewer = _ctx("local", ctx.tenants[:1])
    annotation = casdoor.INIT_HASH_ANNOTATION
    assert components.values(ctx)["podAnnotations"][annotation] != components.values(fewer)["podAnnotations"][
        annotation]


# --- init data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_init_data_has_the_organization_and_every_tenants_groups_with_their_users(env: str) -> None:
    ctx = _ctx(env)
    data = _parse(_template(components.objects(ctx)))
    org = PLATFORM.spec.sso.organization
    assert [(o["owner"], o["name"]) for o in data["organizations"]] == [("admin", org)]
    groups = {g["name"]: g for g in data["groups"]}
    expected = {f"{t.name}-{role}" for t in ctx.tenants for role in ("owners", "members")}
    assert set(groups) == expected | {PLATFORM.spec.sso.admin_group}
    assert all(g["owner"] == org and g["isTopGroup"] and g["parentId"] == org for g in groups.values())
    users = {u["email"]: u for u in data["users"]}
    assert len(users) == len(data["users"])
    for tenant in ctx.tenants:
        for role, emails in (("owners", tenant.spec.owners), ("members", tenant.spec.members)):
            group = tenancy.sso_group(PLATFORM, tenant.name, role)
            assert group == f"{org}/{tenant.name}-{role}"  # what RoleBindings and AppProjects name
            in_group = {e for e, u in users.items() if group in u["groups"]}
            assert in_group == {e.lower() for e in emails}, (tenant.name, role)
    admins = f"{org}/{PLATFORM.spec.sso.admin_group}"
    assert PLATFORM.spec.sso.admins  # the example names one
    assert {e for e, u in users.items() if admins in u["groups"]} == {e.lower() for e in PLATFORM.spec.sso.admins}
    for user in users.values():
        assert user["owner"] == org and user["type"] == "normal-user" and user["emailVerified"] is True
        assert user["password"] == ""  # single sign-on only
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", user["name"]) and len(user["name"]) <= 63


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_init_data_has_one_application_per_sso_client_reading_that_clients_record(env: str) -> None:
    ctx = _ctx(env)
    objects = components.objects(ctx)
    data = _parse(_template(objects))
    records = {}
    for secret in _parts(objects):
        store = {"kind": "ClusterSecretStore", "name": ctx.env.spec.secret_store.name}
        assert secret["spec"]["secretStoreRef"] == store
        records.update({d["secretKey"]: (d["remoteRef"]["key"], d["remoteRef"]["property"])
                        for d in secret["spec"]["data"]})
    clients = sso.clients(PLATFORM, ctx.env, ctx.tenants)
    apps = {a["name"]: a for a in data["applications"]}
    assert sorted(apps) == sorted(c.name for c in clients) and len(apps) == len(data["applications"])
    assert len(records) == len(clients)
    for c in clients:
        app = apps[c.name]
        assert app["clientId"] == c.client_id
        assert app["redirectUris"] == [c.redirect_uri]
        key = re.fullmatch(r"<secret (\w+)>", app["clientSecret"]).group(1)
        assert records[key] == (c.secret_key, c.secret_property), c.name
        assert (app["owner"], app["organization"], app["cert"]) == ("admin", PLATFORM.spec.sso.organization,
                                                                    "cert-built-in")
        assert app["tokenFormat"] == "JWT"  # the format carrying the groups claim
        assert app["grantTypes"] == ["authorization_code", "refresh_token"]
    consumers = {c.consumer for c in clients}
    assert {"gitea", "argocd", "kubero", "monitoring"} <= consumers
    assert any(c.startswith("sandbox ") for c in consumers)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_secret_value_is_rendered(env: str) -> None:
    ctx = _ctx(env)
    objects = components.objects(ctx)
    assert not [o for o in objects if o["kind"] == "Secret"]
    template = _template(objects)
    # the only template actions are the client secrets, each quoted by toJson
    assert template.count("{{") == len(EXPRESSION.findall(template)) == len(sso.clients(PLATFORM, ctx.env,
                                                                                         ctx.tenants))
    data = _parse(template)
    assert all(re.fullmatch(r"<secret \w+>", a["clientSecret"]) for a in data["applications"])
    assert all(u["password"] == "" for u in data["users"])
    text = "".join(dump(o).decode() for o in objects) + json.dumps(components.values(ctx))
    assert "password=" in text  # the DSN template
    assert not re.search(r"password=(?!')", text) and "password='{{ .password" in text


def test_init_data_is_deterministic_whatever_the_tenant_order() -> None:
    ctx = _ctx("staging")
    backwards = _ctx("staging", tuple(reversed(ctx.tenants)))
    assert casdoor.init_data_template(ctx) == casdoor.init_data_template(backwards)
    template = casdoor.init_data_template(ctx)
    assert "\n" not in template and '": ' not in template and '", "' not in template  # compact
    data = _parse(template)
    assert [u["name"] for u in data["users"]] == sorted(u["name"] for u in data["users"])
    assert [a["name"] for a in data["applications"]] == sorted(a["name"] for a in data["applications"])


def test_a_person_in_two_tenants_is_one_user_in_both_tenants_groups() -> None:
    acme, globex = BP.tenants["acme"], BP.tenants["globex"]
    shared = acme.spec.owners[0]
    globex = globex.model_copy(update={"spec": globex.spec.model_copy(
        update={"members": [*globex.spec.members, shared.upper()]})})
    data = _parse(casdoor.init_data_template(_ctx("staging", (acme, globex))))
    [user] = [u for u in data["users"] if u["email"] == shared.lower()]
    org = PLATFORM.spec.sso.organization
    assert user["groups"] == sorted([f"{org}/acme-owners", f"{org}/globex-members"])


def test_two_emails_with_one_user_name_are_an_error() -> None:
    acme = BP.tenants["acme"]
    clash = acme.model_copy(update={"spec": acme.spec.model_copy(
        update={"members": ["a.b@acme.io", "a-b@acme.io"]})})
    with pytest.raises(ValueError, match="a-b-at-acme-io"):
        casdoor.init_data_template(_ctx("prod", (clash,)))


def test_user_names_are_dns_safe() -> None:
    assert naming.sso_user_name("Alice.Smith+ops@Acme.IO") == "alice-smith-ops-at-acme-io"
    assert len(naming.sso_user_name("x" * 60 + "@example.com")) <= 63


def test_a_platform_too_large_for_one_secret_is_cut_into_parts_that_cat_back_together() -> None:
    """5,000 members: megabytes of init data, more than one Secret's 1 MiB."""
    acme = BP.tenants["acme"]
    members = [f"user{i:05d}@acme.io" for i in range(5000)]
    huge = acme.model_copy(update={"spec": acme.spec.model_copy(update={"members": members})})
    ctx = _ctx("prod", (huge,))
    template = casdoor.init_data_template(ctx)
    objects = components.objects(ctx)
    parts = _parts(objects)
    assert len(parts) == len(casdoor.parts(template)) > 1
    assert _template(objects) == template  # cat gives the whole file back
    assert len(_parse(template)["users"]) == 5002  # the members, the owner and the platform's admin
    for part in parts:
        piece = part["spec"]["target"]["template"]["data"]["part"]
        expressions = EXPRESSION.findall(piece)
        assert len(piece.encode()) + len(expressions) * casdoor.SECRET_ALLOWANCE <= casdoor.MAX_PART_BYTES
        assert piece.count("{{") == len(expressions)  # no expression cut in two
        assert sorted(d["secretKey"] for d in part["spec"]["data"]) == sorted(set(expressions))
    (init,) = yaml.safe_load(components.values(ctx)["initContainers"])
    assert init["command"][-1].startswith(f"cat {' '.join(f'/init-data-parts/{i:03d}' for i in range(len(parts)))} >")


def test_parts_never_split_an_expression_or_a_character() -> None:
    text = "é" * 10 + "{{ .a | toJson }}" + "x" * 5 + "{{ .b | toJson }}" + "ü" * 3
    expression = len("{{ .a | toJson }}") + casdoor.SECRET_ALLOWANCE
    for limit in (8, expression, expression + 8, expression * 3):  # smaller than one expression, too
        pieces = casdoor.parts(text, limit=limit)
        assert "".join(pieces) == text and all(pieces), limit
        assert all(p.count("{{") == p.count("}}") for p in pieces)
        assert all(len(p.encode()) <= limit or p.startswith("{{") for p in pieces)
    assert len(casdoor.parts(text, limit=expression + 8)) > 2


# --- the real checkers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed() -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """system/casdoor/ of every environment, on disk as the pipeline writes it."""
    root = tmp_path_factory.mktemp("casdoor")
    count = 0
    for env in ENVIRONMENTS:
        directory = root / "rendered" / env / "system" / "casdoor"
        directory.mkdir(parents=True)
        for obj in components.objects(_ctx(env)):
            (directory / naming.object_file(obj)).write_bytes(dump(obj))
            count += 1
    return root, count


def test_every_object_passes_validate(installed: None, tree: tuple[Path, int]) -> None:
    root, count = tree
    report = validate([root / "rendered"], KUBERNETES_VERSION, relative_to=root)
    assert [f"{f.file}:{f.line} {f.message} ({f.field})" for f in report.findings] == []
    assert report.objects == count


def test_every_object_passes_policy(tree: tuple[Path, int]) -> None:
    root, count = tree
    report = sharded.check([root / "rendered"], today=TODAY, relative_to=root, facts=policy_facts.from_repo(REPO))
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []
    assert report.objects == count




def test_the_api_server_accepts_every_object_as_rendered(admin_api: client.ApiClient) -> None:
    """Dry-run server-side apply against the real CRDs: accepted, and stored unchanged."""
    served = discover(Requester(admin_api))
    core = client.CoreV1Api(admin_api)
    checked = 0
    for env in ENVIRONMENTS:
        namespace = f"casdoor-{uuid.uuid4().hex[:6]}"
        core.create_namespace({"metadata": {"name": namespace}})
        for obj in components.objects(_ctx(env)):
            if obj["kind"] == "Namespace":
                continue
            meta = obj["metadata"]
            placed = {**obj, "metadata": {**meta, **({"namespace": namespace} if "namespace" in meta else {})}}
            stored = dry_run_apply(admin_api, placed, field_manager="platformctl", served=served)
            assert stored_differently(stored, placed) == [], (env, obj["kind"], meta["name"])
            checked += 1
    assert checked == 3 * 8
