"""``platformctl secrets``: the secret store's records from the example platform's rendered tree, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from checks import secretkeys
from checks.manifests import Manifest, ManifestError
from generator import loader, naming
from generator.render.databases import owner_password_key
from generator.render.sandboxes import remote_key
from tests.support import REPO, example_repo, platformctl

SANDBOX_PROPERTIES = ["cookie-secret", "gitea-token", "oidc-client-secret"]
STORE = secretkeys.Store("ClusterSecretStore", "platform-secrets")


def secrets(*args: str, cwd: Path = REPO):
    return platformctl("secrets", *args, cwd=cwd)


def doc(env: str, cwd: Path = REPO) -> dict:
    result = secrets("--env", env, "--format", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def external_secret(spec: dict, name: str = "es", namespace: str = "team") -> Manifest:
    obj = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": name, "namespace": namespace}, "spec": spec}
    return Manifest.of(obj, f"{namespace}_externalsecret_{name}.yaml", 1)


@pytest.fixture(scope="module")
def blueprints():
    return loader.load(REPO, accounting=False)


def test_every_sandbox_and_owner_password_is_a_record(blueprints) -> None:
    """The keys are the renderers' own: remote_key() per sandbox, owner_password_key() per shared database."""
    env = blueprints.environments["local"]  # shared databases: owner passwords come from the store
    records = {r["key"]: r for r in doc("local")["records"]}
    for tenant in blueprints.tenants.values():
        for sandbox in tenant.spec.sandboxes:
            record = records.pop(remote_key(env, tenant.name, sandbox.user))
            assert record["properties"] == SANDBOX_PROPERTIES
            ns = naming.sandbox_namespace(tenant.name, sandbox.user)
            assert record["readers"] == sorted([  # Casdoor's init data registers the proxy's client: same secret
                {"namespace": "casdoor", "name": "casdoor-init-data-0", "secret": "casdoor-init-data-0"},
                {"namespace": ns, "name": "sandbox-gitea", "secret": "sandbox-gitea"},
                {"namespace": ns, "name": "sandbox-oauth2-proxy", "secret": "sandbox-oauth2-proxy"},
            ], key=lambda r: (r["namespace"], r["name"]))
        for db in tenant.spec.databases:
            record = records.pop(owner_password_key(env, tenant.name, db))
            assert record["properties"] == ["password"]
            assert record["readers"] == [{"namespace": naming.data_namespace(tenant.name), "name": f"{db.name}-owner",
                                          "secret": f"{db.name}-owner"}]
    system = {c.namespace for c in blueprints.platform.spec.components}  # components' own: tests/components
    records = {k: r for k, r in records.items() if not all(x["namespace"] in system for x in r["readers"])}
    assert records == {}  # nothing else: the per-database copies are not store records


def test_in_cluster_copies_are_counted_not_listed() -> None:
    prod = doc("prod")
    keys = [r["key"] for r in prod["records"]]
    assert "prod/backup-s3" in keys and not any(k.endswith("-app") for k in keys)
    external = [yaml.safe_load(p.read_text()) for p in REPO.glob("rendered/prod/**/*_externalsecret_*.yaml")]
    copies = [e for e in external if e["spec"]["secretStoreRef"]["name"] != "platform-secrets"]
    assert prod["copied"] == len(copies) > 0  # the per-database copies and Casdoor's connection string
    assert prod["store"] == {"kind": "ClusterSecretStore", "name": "platform-secrets"}


def test_json_is_stable_and_every_environment_without_env() -> None:
    first, second = secrets("--format", "json"), secrets("--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    docs = json.loads(first.stdout)
    assert [d["environment"] for d in docs] == ["local", "prod", "staging"]
    assert docs[0] == doc("local")
    for d in docs:
        assert [r["key"] for r in d["records"]] == sorted(r["key"] for r in d["records"])


def test_table_and_markdown_name_every_key() -> None:
    local = doc("local")
    table = secrets("--env", "local")
    markdown = secrets("--env", "local", "--format", "markdown")
    assert table.returncode == markdown.returncode == 0
    for record in local["records"]:
        for prop in record["properties"]:
            assert f"| `{record['key']}` | `{prop}` |" in markdown.stdout
        assert record["key"] in table.stdout
    assert f"{local['copied']} ExternalSecrets copied in-cluster" in table.stdout


def test_unknown_environment_exits_2() -> None:
    result = secrets("--env", "qa")
    assert result.returncode == 2
    assert "qa: no such environment (known: local, prod, staging)" in result.stderr


def test_unrendered_environment_exits_2(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    result = secrets("--root", str(root), "--env", "local")
    assert result.returncode == 2
    assert "not rendered; run 'platformctl render --env local'" in result.stderr
    assert "run 'platformctl render'" in secrets("--root", str(root)).stderr


def test_malformed_external_secret_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo", rendered=True)
    path = root / "rendered/local/tenants/acme/acme-sbx-alice_externalsecret_sandbox-gitea.yaml"
    path.write_text(path.read_text().replace("key: local/sandboxes/acme/alice", "kye: local/sandboxes/acme/alice"))
    result = secrets("--env", "local", "--root", "repo", cwd=tmp_path)
    assert result.returncode == 2
    assert ("repo/rendered/local/tenants/acme/acme-sbx-alice_externalsecret_sandbox-gitea.yaml:1: "
            "spec.data[0].remoteRef.key: missing: the record to read") in result.stderr
    assert result.stdout == ""


def test_an_edited_tree_changes_the_records(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo", rendered=True)
    for path in (root / "rendered/local/tenants/initech").glob("initech-sbx-*_externalsecret_*.yaml"):
        path.unlink()
    shutil.rmtree(root / "rendered/prod")
    records = {r["key"]: r for r in doc("local", cwd=root)["records"]}
    initech = [r for k, r in records.items() if k.startswith("local/sandboxes/initech/")]
    assert initech and all(r["properties"] == ["oidc-client-secret"] for r in initech)  # Casdoor's read only
    assert all([x["namespace"] for x in r["readers"]] == ["casdoor"] for r in initech)
    assert "gitea-token" in records["local/sandboxes/acme/alice"]["properties"]


def test_data_from_extract_and_whole_value_read_every_property() -> None:
    result = secretkeys.records("local", STORE, [
        external_secret({"secretStoreRef": {"kind": "ClusterSecretStore", "name": "platform-secrets"},
                         "dataFrom": [{"extract": {"key": "local/shared"}}],
                         "data": [{"secretKey": "x", "remoteRef": {"key": "local/plain"}}]}),
    ])
    assert [(r.key, r.properties) for r in result.records] == [
        ("local/plain", (("*", (secretkeys.Reader("team", "es", "es"),)),)),
        ("local/shared", (("*", (secretkeys.Reader("team", "es", "es"),)),)),
    ]


def test_store_is_matched_by_kind_and_per_entry_source() -> None:
    """A namespaced SecretStore of the same name is another store; an entry's sourceRef overrides the default."""
    result = secretkeys.records("local", STORE, [
        external_secret({"secretStoreRef": {"name": "platform-secrets"},  # kind defaults to SecretStore
                         "data": [{"secretKey": "a", "remoteRef": {"key": "ns-store", "property": "a"}}]}, "one"),
        external_secret({"secretStoreRef": {"kind": "ClusterSecretStore", "name": "team.db"},
                         "data": [{"secretKey": "b", "remoteRef": {"key": "local/k", "property": "b"},
                                   "sourceRef": {"storeRef": {"kind": "ClusterSecretStore",
                                                              "name": "platform-secrets"}}}]}, "two"),
    ])
    assert [r.key for r in result.records] == ["local/k"]
    assert result.copied == 1


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ManifestError) as exc:
        secretkeys.records("local", STORE, [
            external_secret({"data": [{"remoteRef": {"key": "k"}}]}, "nostore"),
            external_secret({"secretStoreRef": {"kind": "ClusterSecretStore", "name": "platform-secrets"},
                             "dataFrom": [{"find": {"name": {"regexp": ".*"}}}]}, "find"),
        ])
    assert exc.value.problems == [
        "team_externalsecret_nostore.yaml:1: spec.secretStoreRef: missing, and the entry has no sourceRef.storeRef",
        "team_externalsecret_find.yaml:1: spec.dataFrom[0]: reads no named record "
        "(only dataFrom[].extract can be listed)",
    ]
