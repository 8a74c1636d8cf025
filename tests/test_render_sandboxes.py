"""generator.render.sandboxes: code-server behind oauth2-proxy per user, isolated, checked for real.

The example platform has five sandboxes: acme/alice (own resources), acme/bob (environment defaults, two
repos), globex/mona, initech/samir and initech/michael. Environments differ: local and staging run them,
prod keeps them at zero replicas; issuers, domains and storage classes differ per environment.
"""

from __future__ import annotations

import copy
import datetime
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from checks.drift.apply import DryRunError, dry_run_apply
from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester
from checks.policy import facts as policy_facts
from checks.policy import sharded
from checks.validate import validate
from generator import accounting, naming
from generator.loader import load
from generator.model import Environment, Tenant
from generator.model.environment import PackageProxy
from generator.model.types import quantity_value
from generator.overlay import effective_tenant, present_in
from generator.render import apps, sandboxes, tenancy
from generator.render.meta import Obj, Rendered
from generator.serialize import dump
from tests.drift import ssa
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform
GUARDRAIL_KINDS = {"NetworkPolicy", "Role", "RoleBinding", "ResourceQuota", "LimitRange"}
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)
ALICE = "acme-sbx-alice"


def _environment(env: str | Environment) -> Environment:
    return BP.environments[env] if isinstance(env, str) else env


def _render(tenant: str | Tenant, env: str | Environment) -> Rendered:
    environment = _environment(env)
    base = BP.tenants[tenant] if isinstance(tenant, str) else tenant
    return sandboxes.render(PLATFORM, environment, effective_tenant(base, environment, PLATFORM))


def _in(rendered: Rendered, ns: str) -> list[Obj]:
    return [o for o in rendered.workloads + rendered.guardrails if o["metadata"]["namespace"] == ns]


def _one(objects: list[Obj], kind: str, name: str | None = None) -> Obj:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, [(o["kind"], o["metadata"]["name"]) for o in objects]
    return found[0]


def _sandbox(env: str | Environment = "staging", tenant: str | Tenant = "acme", ns: str = ALICE) -> list[Obj]:
    return _in(_render(tenant, env), ns)


def _pod(objects: list[Obj]) -> dict[str, Any]:
    return _one(objects, "StatefulSet")["spec"]["template"]["spec"]


def _container(objects: list[Obj], name: str) -> dict[str, Any]:
    pod = _pod(objects)
    (found,) = [c for c in pod["containers"] + pod["initContainers"] if c["name"] == name]
    return found


def _args(objects: list[Obj]) -> dict[str, str]:
    """oauth2-proxy's --flag=value arguments as a mapping (each flag is given once)."""
    pairs = [a.removeprefix("--").split("=", 1) for a in _container(objects, "oauth2-proxy")["args"]]
    assert len({k for k, _ in pairs}) == len(pairs)
    return dict(pairs)


def _with_sandbox_changes(tenant: str, **update: Any) -> Tenant:
    """An example tenant whose first sandbox has ``update`` applied."""
    base = BP.tenants[tenant]
    first = base.spec.sandboxes[0].model_copy(update=update)
    spec = base.spec.model_copy(update={"sandboxes": [first, *base.spec.sandboxes[1:]]})
    return base.model_copy(update={"spec": spec})


def _with_package_proxy(env: str) -> Environment:
    base = BP.environments[env]
    settings = base.spec.sandboxes.model_copy(update={"package_proxy": PackageProxy(namespace="devpi", port=3141)})
    return base.model_copy(update={"spec": base.spec.model_copy(update={"sandboxes": settings})})


def _all() -> dict[str, Rendered]:
    """Everything this renderer produces for the example platform, by environment."""
    result: dict[str, Rendered] = {}
    for env_name, env in sorted(BP.environments.items()):
        for tenant in BP.tenants.values():
            if present_in(tenant, env):
                result[env_name] = result.get(env_name, Rendered()) + _render(tenant.name, env_name)
    return result


# --- what is rendered where ----------------------------------------------------------------------------------

def test_objects_per_sandbox_in_its_own_namespace() -> None:
    rendered = _render("acme", "staging")
    namespaces = sorted({o["metadata"]["namespace"] for o in rendered.workloads})
    assert namespaces == ["acme-sbx-alice", "acme-sbx-bob"]
    inside = sorted((o["kind"], o["metadata"]["name"]) for o in _in(rendered, ALICE))
    assert inside == [
        ("ConfigMap", "sandbox-authenticated-emails"), ("ExternalSecret", "sandbox-gitea"),
        ("ExternalSecret", "sandbox-oauth2-proxy"), ("Ingress", "sandbox"), ("NetworkPolicy", "sandbox-egress"),
        ("PersistentVolumeClaim", "home-sandbox-0"), ("Service", "sandbox"), ("ServiceAccount", "sandbox"),
        ("StatefulSet", "sandbox"),
    ]
    assert _render("globex", "prod").workloads  # prod keeps them (at zero replicas)


def test_guardrails_hold_exactly_the_guardrail_kinds_and_nothing_is_a_namespace() -> None:
    for rendered in _all().values():
        assert {o["kind"] for o in rendered.guardrails} == {"NetworkPolicy"}
        assert not {o["kind"] for o in rendered.workloads} & (GUARDRAIL_KINDS | {"Namespace"})


def test_every_object_is_labelled_for_its_environment_and_tenant() -> None:
    for env, rendered in _all().items():
        for o in rendered.workloads + rendered.guardrails:
            labels = o["metadata"]["labels"]
            assert labels["app.kubernetes.io/managed-by"] == "platformctl"
            assert labels["platformctl.dev/environment"] == env
            tenant = labels["platformctl.dev/tenant"]
            assert o["metadata"]["namespace"].startswith(f"{tenant}-sbx-")


def test_rendering_is_deterministic() -> None:
    first = [dump(o) for r in _all().values() for o in r.workloads + r.guardrails]
    assert first == [dump(o) for r in _all().values() for o in r.workloads + r.guardrails]


def test_a_tenant_without_sandboxes_renders_nothing() -> None:
    base = BP.tenants["acme"]
    none = base.model_copy(update={"spec": base.spec.model_copy(update={"sandboxes": []})})
    assert _render(none, "staging") == Rendered()


# --- the StatefulSet -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "replicas", "storage_class"),
                         [("local", 1, "standard"), ("staging", 1, "ceph-rbd"), ("prod", 0, "ceph-rbd-retain")])
def test_one_replica_or_zero_where_disabled_and_the_volume_stays(env: str, replicas: int, storage_class: str) -> None:
    spec = _one(_sandbox(env), "StatefulSet")["spec"]
    assert spec["replicas"] == replicas
    assert "volumeClaimTemplates" not in spec  # immutable: a bigger volume would fail every sync
    claim = _one(_sandbox(env), "PersistentVolumeClaim")
    assert claim["spec"]["storageClassName"] == storage_class
    assert claim["spec"]["resources"]["requests"] == {"storage": "10Gi"}  # alice's blueprint
    assert claim["metadata"]["annotations"] == {"argocd.argoproj.io/sync-options": "Prune=false"}
    mounts = {m["mountPath"]: m["name"] for m in _container(_sandbox(env), "code-server")["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert volumes[mounts[sandboxes.HOME]]["persistentVolumeClaim"] == {"claimName": claim["metadata"]["name"]}


def test_requests_from_the_blueprint_or_the_default_memory_limit_equals_request() -> None:
    alice = _container(_sandbox("staging"), "code-server")["resources"]
    assert alice == {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "4Gi"}}
    bob = _sandbox("staging", ns="acme-sbx-bob")  # no resources in the blueprint: built-in defaults
    assert _container(bob, "code-server")["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"},
                                                             "limits": {"memory": "2Gi"}}
    claim = _one(bob, "PersistentVolumeClaim")
    assert claim["spec"]["resources"]["requests"] == {"storage": "5Gi"}


def test_every_container_requests_cpu_and_memory_with_a_memory_limit_and_init_never_exceeds_the_pod() -> None:
    pod = _pod(_sandbox("staging"))
    for c in pod["containers"] + pod["initContainers"]:
        assert set(c["resources"]["requests"]) == {"cpu", "memory"}
        assert c["resources"]["limits"] == {"memory": c["resources"]["requests"]["memory"]}
    # the pod's effective request is max(init, sum of containers): the init step must not raise it
    assert _container(_sandbox("staging"), "clone-repos")["resources"] == \
        _container(_sandbox("staging"), "code-server")["resources"]
    proxy = _container(_sandbox("staging"), "oauth2-proxy")["resources"]["requests"]
    assert proxy == {"cpu": accounting.SANDBOX_PROXY.cpu, "memory": accounting.SANDBOX_PROXY.memory}


def test_the_namespace_quota_holds_the_running_pod_and_its_volume() -> None:
    """What tenancy's ResourceQuota grants the sandbox namespace (accounting) covers the pod's effective request."""
    for env_name in ("local", "staging"):
        env = BP.environments[env_name]
        usage = accounting.namespace_usage(effective_tenant(BP.tenants["acme"], env, PLATFORM), env)[ALICE]
        objects = _sandbox(env_name)
        pod = _pod(objects)
        cpu = sum(quantity_value(c["resources"]["requests"]["cpu"]) for c in pod["containers"])
        memory = sum(quantity_value(c["resources"]["requests"]["memory"]) for c in pod["containers"])
        claim = _one(objects, "PersistentVolumeClaim")
        assert (usage.cpu, usage.memory, usage.pods) == (cpu, memory, 1)
        assert usage.storage == quantity_value(claim["spec"]["resources"]["requests"]["storage"])


def test_pod_and_every_container_satisfy_restricted() -> None:
    pod = _pod(_sandbox("local"))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsUser"] != 0 and pod["securityContext"]["runAsGroup"] != 0
    for c in pod["containers"] + pod["initContainers"]:
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["capabilities"] == {"drop": ["ALL"]}, c["name"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["runAsNonRoot"] is True and sc.get("runAsUser", 1) != 0, c["name"]
    assert not any(key in pod for key in ("hostNetwork", "hostPID", "hostIPC"))
    assert all(set(v) & {"emptyDir", "configMap", "persistentVolumeClaim"} for v in pod["volumes"])  # no hostPath


def test_writable_paths_are_volumes_because_the_root_filesystems_are_read_only() -> None:
    objects = _sandbox("staging")
    for name in ("code-server", "clone-repos"):
        mounts = {m["mountPath"] for m in _container(objects, name)["volumeMounts"]}
        assert mounts == {sandboxes.HOME, "/tmp"}
    home = {e["name"]: e.get("value") for e in _container(objects, "clone-repos")["env"]}["HOME"]
    assert home == "/tmp"
    (proxy_mount,) = _container(objects, "oauth2-proxy")["volumeMounts"]
    assert proxy_mount["readOnly"] is True


def test_own_service_account_without_token() -> None:
    objects = _sandbox("staging")
    account = _one(objects, "ServiceAccount")
    pod = _pod(objects)
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert account["automountServiceAccountToken"] is False and pod["automountServiceAccountToken"] is False


def test_images_are_the_platforms_pinned_ones() -> None:
    images = PLATFORM.spec.sandboxes
    assert images is not None
    objects = _sandbox("staging")
    assert _container(objects, "code-server")["image"] == images.code_server
    assert _container(objects, "oauth2-proxy")["image"] == images.oauth2_proxy
    assert _container(objects, "clone-repos")["image"] == images.git


# --- code-server and the proxy in front of it ----------------------------------------------------------------

def test_code_server_listens_on_loopback_only_without_auth_and_exposes_no_port() -> None:
    code = _container(_sandbox("staging"), "code-server")
    args = code["args"]
    assert args[args.index("--bind-addr") + 1] == "127.0.0.1:8080"
    assert args[args.index("--auth") + 1] == "none"
    assert "ports" not in code
    assert args[-1] == sandboxes.WORKSPACE


def test_the_only_port_of_the_pod_service_and_ingress_is_the_proxys() -> None:
    objects = _sandbox("staging")
    pod = _pod(objects)
    ports = [p for c in pod["containers"] + pod["initContainers"] for p in c.get("ports", [])]
    assert ports == [{"name": "oauth2-proxy", "containerPort": 4180, "protocol": "TCP"}]
    service = _one(objects, "Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(4180, "oauth2-proxy")]
    template_labels = _one(objects, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= template_labels.items()
    (rule,) = _one(objects, "Ingress")["spec"]["rules"]
    backends = [p["backend"] for p in rule["http"]["paths"]]
    assert backends == [{"service": {"name": service["metadata"]["name"], "port": {"number": 4180}}}]


def test_probes_on_every_container_that_keeps_running() -> None:
    objects = _sandbox("staging")
    proxy = _container(objects, "oauth2-proxy")
    assert proxy["livenessProbe"]["httpGet"] == {"path": "/ping", "port": "oauth2-proxy"}
    assert proxy["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "oauth2-proxy"}
    code = _container(objects, "code-server")
    for probe in ("livenessProbe", "readinessProbe"):  # loopback: the kubelet cannot reach it, so exec
        assert code[probe]["exec"]["command"][-1] == "http://127.0.0.1:8080/healthz"


@pytest.mark.parametrize(("env", "domain"), [("local", "platform.localtest.me"),
                                             ("staging", "staging.platform.example.com")])
def test_proxy_speaks_oidc_to_casdoor_for_this_sandbox_only(env: str, domain: str) -> None:
    objects = _sandbox(env)
    args = _args(objects)
    assert args["provider"] == "oidc"
    assert args["oidc-issuer-url"] == f"https://casdoor.{domain}"
    assert args["login-url"].startswith(f"https://casdoor.{domain}/")  # the browser's way in
    assert args["client-id"] == "sbx-acme-alice"
    assert args["redirect-url"] == f"https://alice.acme.sbx.{domain}/oauth2/callback"
    assert args["upstream"] == "http://127.0.0.1:8080/"
    assert args["http-address"] == "0.0.0.0:4180"
    assert "email-domain" not in args  # a domain would let in every address of it
    emails_dir, _, emails_file = args["authenticated-emails-file"].rpartition("/")
    (mount,) = _container(objects, "oauth2-proxy")["volumeMounts"]
    assert mount["mountPath"] == emails_dir
    volume = next(v for v in _pod(objects)["volumes"] if v["name"] == mount["name"])
    config = _one(objects, "ConfigMap", volume["configMap"]["name"])
    assert config["data"] == {emails_file: "alice@acme.io\n"}


def test_proxy_talks_to_casdoor_in_cluster_where_the_network_policy_lets_it() -> None:
    objects = _sandbox("staging")
    args = _args(objects)
    allowed = _allowed_egress(_one(objects, "NetworkPolicy"))
    for flag in ("redeem-url", "oidc-jwks-url", "profile-url"):
        url = urlsplit(args[flag])
        _service, namespace, _ = url.hostname.split(".", 2)
        assert (namespace, url.port) in allowed, flag
        assert namespace == PLATFORM.namespace_of("casdoor", "casdoor")


def test_credentials_come_from_secrets_that_external_secrets_create_never_from_git() -> None:
    objects = _sandbox("staging")
    produced = {}
    for es in (o for o in objects if o["kind"] == "ExternalSecret"):
        spec = es["spec"]
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "platform-secrets"}
        assert {d["remoteRef"]["key"] for d in spec["data"]} == {"staging/sandboxes/acme/alice"}
        produced[spec["target"]["name"]] = {d["secretKey"] for d in spec["data"]}
    pod = _pod(objects)
    refs = [(c["name"], e["name"], e["valueFrom"]["secretKeyRef"]) for c in pod["containers"] + pod["initContainers"]
            for e in c.get("env", []) if "valueFrom" in e]
    assert sorted((c, n) for c, n, _ in refs) == [
        ("clone-repos", "GITEA_TOKEN"), ("oauth2-proxy", "OAUTH2_PROXY_CLIENT_SECRET"),
        ("oauth2-proxy", "OAUTH2_PROXY_COOKIE_SECRET")]
    for _, _, ref in refs:
        assert ref["key"] in produced[ref["name"]]
    assert not [o for o in objects if o["kind"] == "Secret"]
    literal = [a for a in _container(objects, "oauth2-proxy")["args"] if "secret" in a.split("=")[0]]
    assert literal == []


def test_remote_keys_are_per_environment_and_sandbox() -> None:
    keys = {d["remoteRef"]["key"] for o in _sandbox("local", "initech", "initech-sbx-samir")
            if o["kind"] == "ExternalSecret" for d in o["spec"]["data"]}
    assert keys == {"local/sandboxes/initech/samir"}


# --- the init step -------------------------------------------------------------------------------------------

def test_init_clones_each_listed_repo_from_the_in_cluster_gitea() -> None:
    clone = _container(_sandbox("staging", ns="acme-sbx-bob"), "clone-repos")
    command = clone["command"]
    assert command[:2] == ["/bin/sh", "-c"] and command[3:] == ["clone-repos", "acme/shop", "acme/storefront"]
    env = {e["name"]: e.get("value") for e in clone["env"]}
    assert env["GITEA_URL"] == "http://gitea-http.gitea.svc:3000"
    assert env["WORKSPACE"] == sandboxes.WORKSPACE


def test_init_script_skips_what_exists_and_keeps_the_token_out_of_the_clone(tmp_path: Path) -> None:
    """Run the real script against a local bare repository, twice: the second run leaves the user's edit."""
    origin = tmp_path / "gitea" / "acme" / "shop.git"
    subprocess.run(["git", "init", "--bare", "--quiet", str(origin)], check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(seed)], check=True, capture_output=True)
    (seed / "README").write_text("shop\n")
    git = ["git", "-C", str(seed), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "README"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "seed"], check=True)
    subprocess.run([*git, "push", "--quiet", "origin", "HEAD"], check=True, capture_output=True)
    clone = _container(_sandbox("staging"), "clone-repos")
    script = clone["command"][2]
    workspace = tmp_path / "home" / "workspace"
    environment = {"WORKSPACE": str(workspace), "GITEA_URL": f"file://{tmp_path / 'gitea'}",
                   "GITEA_TOKEN": "not-a-real-token", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                   "GIT_TERMINAL_PROMPT": "0"}
    first = subprocess.run(["/bin/sh", "-c", script, "clone-repos", "acme/shop"], env=environment,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert (workspace / "acme" / "shop" / "README").read_text() == "shop\n"
    assert "not-a-real-token" not in (workspace / "acme" / "shop" / ".git" / "config").read_text()
    (workspace / "acme" / "shop" / "README").write_text("edited\n")
    second = subprocess.run(["/bin/sh", "-c", script, "clone-repos", "acme/shop"], env=environment,
                            capture_output=True, text=True)
    assert second.returncode == 0 and "skipped" in second.stdout
    assert (workspace / "acme" / "shop" / "README").read_text() == "edited\n"
    missing = subprocess.run(["/bin/sh", "-c", script, "clone-repos", "acme/gone"], env=environment,
                             capture_output=True, text=True)
    assert missing.returncode == 1 and not (workspace / "acme" / "gone").exists()


def test_a_sandbox_without_repos_needs_no_gitea_token() -> None:
    objects = _sandbox("staging", _with_sandbox_changes("acme", repos=[]))
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "ExternalSecret"] == ["sandbox-oauth2-proxy"]
    clone = _container(objects, "clone-repos")
    assert clone["command"][3:] == ["clone-repos"]  # still creates the workspace code-server opens
    assert "GITEA_TOKEN" not in {e["name"] for e in clone["env"]}


# --- the Ingress ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "host", "issuer"), [
    ("local", "alice.acme.sbx.platform.localtest.me", "selfsigned"),
    ("staging", "alice.acme.sbx.staging.platform.example.com", "letsencrypt-staging"),
    ("prod", "alice.acme.sbx.platform.example.com", "letsencrypt"),
])
def test_ingress_host_class_and_tls_per_environment(env: str, host: str, issuer: str) -> None:
    ingress = _one(_sandbox(env), "Ingress")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == issuer
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "sandbox-tls"}]
    assert [r["host"] for r in ingress["spec"]["rules"]] == [host]


def test_sandbox_hosts_collide_with_no_other_sandbox_and_no_app_host() -> None:
    for env_name, env in BP.environments.items():
        sandbox_hosts = [r["host"] for o in _all()[env_name].workloads if o["kind"] == "Ingress"
                         for r in o["spec"]["rules"]]
        expected = sum(len(t.spec.sandboxes) for t in BP.tenants.values() if present_in(t, env))
        assert len(sandbox_hosts) == len(set(sandbox_hosts)) == expected >= 3
        app_hosts = {apps.host(env, app) for t in BP.tenants.values() for app in t.spec.apps if app.ingress}
        assert app_hosts and not app_hosts & set(sandbox_hosts)
    # a slug and a tenant that would glue into the same label stay apart
    staging = BP.environments["staging"]
    assert sandboxes.host(staging, "b-c", "a@x.io") != sandboxes.host(staging, "c", "a-b@x.io")


# --- network isolation ---------------------------------------------------------------------------------------

def _allowed_egress(policy: Obj) -> set[tuple[str, int]]:
    """(namespace, port) pairs a policy's egress rules open; every peer must be a whole named namespace."""
    allowed = set()
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            assert set(peer) == {"namespaceSelector"}, peer  # no ipBlock, no bare podSelector
            namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            allowed |= {(namespace, p["port"]) for p in rule["ports"]}
            assert all(p["protocol"] == "TCP" for p in rule["ports"])
    return allowed


def test_egress_only_to_gitea_and_casdoor() -> None:
    policy = _one(_sandbox("staging"), "NetworkPolicy")
    assert policy["spec"]["podSelector"] == {} and policy["spec"]["policyTypes"] == ["Egress"]
    assert "ingress" not in policy["spec"]
    assert _allowed_egress(policy) == {("gitea", 3000), ("casdoor", 8000)}


def test_the_package_proxy_is_reachable_when_the_environment_names_one() -> None:
    policy = _one(_sandbox(_with_package_proxy("staging")), "NetworkPolicy")
    assert _allowed_egress(policy) == {("gitea", 3000), ("casdoor", 8000), ("devpi", 3141)}


def test_no_sandbox_reaches_any_tenant_namespace() -> None:
    for env_name, env in BP.environments.items():
        tenant_namespaces = {ns for t in BP.tenants.values() if present_in(t, env)
                             for ns in naming.tenant_namespaces(effective_tenant(t, env, PLATFORM), env)}
        for policy in _all()[env_name].guardrails:
            reached = {ns for ns, _ in _allowed_egress(policy)}
            assert not reached & tenant_namespaces, (env_name, reached)


def test_tenancy_policies_in_a_sandbox_namespace_open_no_egress_beyond_dns_and_itself() -> None:
    """The other allows of the namespace (tenancy.py): only allow-dns and allow-same-namespace have egress."""
    env = BP.environments["staging"]
    guardrails = tenancy.render(PLATFORM, env, effective_tenant(BP.tenants["acme"], env, PLATFORM))
    egress = {o["metadata"]["name"]: o["spec"].get("egress", []) for o in guardrails
              if o["kind"] == "NetworkPolicy" and o["metadata"]["namespace"] == ALICE}
    assert {name for name, rules in egress.items() if rules} == {"allow-dns", "allow-same-namespace"}
    (dns,) = egress["allow-dns"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert egress["allow-same-namespace"] == [{"to": [{"podSelector": {}}]}]


# --- the real checkers ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def installed() -> None:
    """The pinned kubeconform and schemas, through the real installer (cached; never skipped)."""
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every rendered sandbox object of every environment (a package proxy in staging), one per file."""
    root = tmp_path_factory.mktemp("sandboxes")
    rendered = {**_all(), "staging": Rendered()}
    for tenant in BP.tenants.values():
        if present_in(tenant, BP.environments["staging"]):
            rendered["staging"] = rendered["staging"] + _render(tenant.name, _with_package_proxy("staging"))
    for env, result in rendered.items():
        for part, objects in (("tenants", result.workloads), ("tenancy", result.guardrails)):
            (root / env / part).mkdir(parents=True)
            for o in objects:
                path = root / env / part / naming.object_file(o)
                assert not path.exists(), path
                path.write_bytes(dump(o))
    return root


def test_kubeconform_finds_nothing(installed: None, written: Path) -> None:
    report = validate([written], KUBERNETES_VERSION, relative_to=written)
    assert report.objects == len(list(written.rglob("*.yaml"))) > 40
    assert [f"{f.file}:{f.line} {f.message}" for f in report.findings] == []


def test_policy_finds_nothing(written: Path) -> None:
    report = sharded.check([written], today=TODAY, relative_to=written, facts=policy_facts.from_repo(REPO))
    assert report.objects > 40
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []


def _pod_of(stateful_set: Obj, ns: str) -> Obj:
    """Pod 0 as the StatefulSet controller makes it (no claim templates: the template is the pod)."""
    name, template = stateful_set["metadata"]["name"], copy.deepcopy(stateful_set["spec"]["template"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": f"{name}-0", "namespace": ns, "labels": template["metadata"]["labels"]}, "spec": template["spec"]}


def test_the_api_server_accepts_every_object_and_admits_the_pod_as_restricted(admin_api: client.ApiClient) -> None:
    """Dry-run server-side apply into a namespace enforcing Pod Security "restricted" (tenancy's labels): each
    object (ExternalSecret against its CRD's schema), and a Pod from the StatefulSet's template, which
    PodSecurity admission rejects unless it is restricted (shown by a copy with one setting removed)."""
    served = discover(Requester(admin_api))
    env = BP.environments["local"]
    namespace = _one([o for o in tenancy.render(PLATFORM, env, effective_tenant(BP.tenants["acme"], env, PLATFORM))
                      if o["metadata"]["name"] == ALICE], "Namespace")
    ns = f"sandboxes-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(admin_api).create_namespace({"metadata": {
        "name": ns, "labels": {k: v for k, v in namespace["metadata"]["labels"].items() if "pod-security" in k}}})
    rendered = _render("acme", "local")
    for o in _in(rendered, ALICE):  # the control plane serves external-secrets' CRD too
        dry_run_apply(admin_api, {**o, "metadata": {**o["metadata"], "namespace": ns}}, field_manager="platformctl",
                      served=served)
    pod = _pod_of(_one(_in(rendered, ALICE), "StatefulSet"), ns)
    stored = dry_run_apply(admin_api, pod, field_manager="platformctl", served=served)
    assert [c["name"] for c in stored["spec"]["initContainers"]] == ["clone-repos"]
    weakened = copy.deepcopy(pod)
    del weakened["spec"]["containers"][1]["securityContext"]["allowPrivilegeEscalation"]
    with pytest.raises(DryRunError) as refused:
        dry_run_apply(admin_api, weakened, field_manager="platformctl", served=served)
    assert refused.value.status == 403 and "PodSecurity" in str(refused.value)


def test_the_home_volume_can_grow_after_it_is_applied(admin_api: client.ApiClient) -> None:
    """What a bigger ``resources.storage`` does on a real API server, applied as Argo CD applies (server-side).

    The claim's request may grow once it is bound, where the storage class allows expansion; the claim
    template it replaces was refused outright (StatefulSet spec is immutable beyond a few fields). The
    class stays immutable either way: moving a home to another class is a migration, not a sync.
    """
    ns = f"sandbox-grow-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(admin_api).create_namespace({"metadata": {"name": ns}})
    storage_class = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                     "metadata": {"name": f"expandable-{ns}"}, "provisioner": "example.com/none",
                     "allowVolumeExpansion": True}
    ssa.apply(admin_api, storage_class, "platform-team")
    rendered = [{**o, "metadata": {**o["metadata"], "namespace": ns}} for o in _in(_render("acme", "local"), ALICE)]
    claim = _one(rendered, "PersistentVolumeClaim")
    claim["spec"]["storageClassName"] = storage_class["metadata"]["name"]
    stateful_set = _one(rendered, "StatefulSet")
    ssa.apply(admin_api, claim, "argocd-controller")
    ssa.apply(admin_api, stateful_set, "argocd-controller")
    # what the volume controller does once a volume is provisioned: the claim is bound
    client.CoreV1Api(admin_api).patch_namespaced_persistent_volume_claim_status(
        claim["metadata"]["name"], ns, {"status": {"phase": "Bound", "capacity": {"storage": "10Gi"}}})

    bigger = copy.deepcopy(claim)
    bigger["spec"]["resources"]["requests"]["storage"] = "20Gi"
    stored = ssa.apply(admin_api, bigger, "argocd-controller")
    assert stored["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert ssa.apply(admin_api, stateful_set, "argocd-controller")["spec"]["replicas"] == 1  # unchanged: no error

    moved = copy.deepcopy(bigger)
    moved["spec"]["storageClassName"] = "another-class"
    with pytest.raises(ApiException) as refused:
        ssa.apply(admin_api, moved, "argocd-controller")
    assert refused.value.status == 422 and "immutable" in str(refused.value)

    # the old shape, for comparison: a claim template whose size changes is refused
    templated = copy.deepcopy(stateful_set)
    templated["metadata"]["name"] = "templated"
    templated["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}}]
    ssa.apply(admin_api, templated, "argocd-controller")
    templated["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "20Gi"
    with pytest.raises(ApiException) as old_way:
        ssa.apply(admin_api, templated, "argocd-controller")
    assert old_way.value.status == 422 and "Forbidden" in str(old_way.value)
