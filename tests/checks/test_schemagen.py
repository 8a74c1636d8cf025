"""The vendored CRD and Kubero schemas: up to date, strict, and accepted by the real kubeconform."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from checks import schemagen
from checks.schema_registry import CRD_DIR

SHARED_CRDS = schemagen.DEFAULT_CRDS
META = {"name": "x", "namespace": "ns", "labels": {"app.kubernetes.io/managed-by": "platformctl"}}

# One minimal valid object per vendored (group, kind, version); the unknown-field variant is derived from it.
MINIMAL: dict[str, dict] = {
    "argoproj.io/application_v1alpha1": {
        "spec": {"project": "p", "destination": {"server": "https://kubernetes.default.svc", "namespace": "ns"},
                 "source": {"repoURL": "https://git.example.com/r.git", "path": ".", "targetRevision": "main"}}},
    "argoproj.io/applicationset_v1alpha1": {
        "spec": {"goTemplate": True, "generators": [{"list": {"elements": [{"name": "a"}]}}],
                 "template": {"metadata": {"name": "{{.name}}"},
                              "spec": {"project": "p", "destination": {"namespace": "ns"}}}}},
    "argoproj.io/appproject_v1alpha1": {
        "spec": {"sourceRepos": ["*"],
                 "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "ns"}]}},
    "barmancloud.cnpg.io/objectstore_v1": {
        "spec": {"configuration": {"destinationPath": "s3://bucket/path",
                                   "s3Credentials": {"inheritFromIAMRole": True}}}},
    "external-secrets.io/clustersecretstore_v1": {
        "spec": {"provider": {"fake": {"data": [{"key": "k", "value": "v"}]}}}},
    "external-secrets.io/clustersecretstore_v1beta1": {
        "spec": {"provider": {"fake": {"data": [{"key": "k", "value": "v"}]}}}},
    "external-secrets.io/externalsecret_v1": {
        "spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "s"}, "refreshInterval": "1h",
                 "data": [{"secretKey": "password", "remoteRef": {"key": "db/password"}}]}},
    "external-secrets.io/externalsecret_v1beta1": {
        "spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "s"},
                 "data": [{"secretKey": "password", "remoteRef": {"key": "db/password"}}]}},
    "monitoring.coreos.com/podmonitor_v1": {
        "spec": {"selector": {"matchLabels": {"cnpg.io/cluster": "db"}}, "podMetricsEndpoints": [{"port": "metrics"}]}},
    "monitoring.coreos.com/prometheusrule_v1": {
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}]}},
    "monitoring.coreos.com/servicemonitor_v1": {
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "endpoints": [{"port": "http", "targetPort": 8080}]}},
    "postgresql.cnpg.io/cluster_v1": {
        "spec": {"instances": 1, "storage": {"size": "1Gi"},
                 "bootstrap": {"initdb": {"database": "app", "owner": "app"}},
                 "plugins": [{"name": "barman-cloud.cnpg.io", "isWALArchiver": True,
                              "parameters": {"barmanObjectName": "store"}}]}},
    "postgresql.cnpg.io/database_v1": {"spec": {"name": "app", "owner": "app", "cluster": {"name": "db"}}},
    "postgresql.cnpg.io/databaserole_v1": {"spec": {"name": "app", "cluster": {"name": "db"}}},
    "postgresql.cnpg.io/pooler_v1": {
        "spec": {"cluster": {"name": "db"}, "instances": 1, "type": "rw",
                 "pgbouncer": {"poolMode": "session", "parameters": {"max_client_conn": "100"}}}},
    "postgresql.cnpg.io/scheduledbackup_v1": {
        "spec": {"schedule": "0 0 3 * * *", "cluster": {"name": "db"}, "method": "plugin",
                 "pluginConfiguration": {"name": "barman-cloud.cnpg.io"}}},
    "application.kubero.dev/kuberoapp_v1alpha1": {
        "spec": {"name": "a", "pipeline": "p", "phase": "production", "deploymentstrategy": "docker",
                 "image": {"repository": "ghcr.io/acme/web", "tag": "1.0", "containerPort": 8080}}},
    "application.kubero.dev/kubero_v1alpha1": {
        "spec": {"image": {"repository": "registry.example.com/kubero", "tag": "v2.2.0"},
                 "kubero": {"namespace": "kubero", "webhook_url": "https://kubero.example.com/api/repo/webhooks"}}},
    "application.kubero.dev/kuberopipeline_v1alpha1": {
        "spec": {"name": "p", "domain": "apps.example.com", "reviewapps": False,
                 "phases": [{"name": "production", "enabled": True, "context": "inClusterContext"}]}},
}


def vendored() -> list[str]:
    """Every vendored schema as 'group/kind_version'."""
    return sorted(p.relative_to(CRD_DIR).with_suffix("").as_posix() for p in CRD_DIR.rglob("*.json"))


def manifest(key: str, body: dict) -> dict:
    """A full object of `key` ('group/kind_version') with the kind's real CamelCase name."""
    group, kind_version = key.split("/")
    lower_kind, version = kind_version.rsplit("_", 1)
    kind = next(k for k in KINDS if k.lower() == lower_kind)
    return {"apiVersion": f"{group}/{version}", "kind": kind, "metadata": dict(META), **copy.deepcopy(body)}


KINDS = ["Application", "ApplicationSet", "AppProject", "ObjectStore", "ClusterSecretStore", "ExternalSecret",
         "PodMonitor", "PrometheusRule", "ServiceMonitor", "Cluster", "Database", "DatabaseRole", "Pooler",
         "ScheduledBackup", "KuberoApp", "KuberoPipeline", "Kubero"]


def test_vendored_schemas_are_up_to_date() -> None:
    assert schemagen.main(["--check"]) == 0


def test_every_vendored_kind_has_a_minimal_example() -> None:
    assert vendored() == sorted(MINIMAL)


def test_strict_rules() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": "object", "properties": {"b": {"type": "string", "nullable": True}}},
        "keep": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"c": {}}},
        "open": {"type": "object", "additionalProperties": {"type": "string"}, "properties": {"d": {}}},
        "port": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True},
    }}
    out = schemagen.strict(schema)
    assert out["additionalProperties"] is False
    assert out["properties"]["a"]["additionalProperties"] is False
    assert out["properties"]["a"]["properties"]["b"]["type"] == ["string", "null"]
    assert "additionalProperties" not in out["properties"]["keep"]
    assert out["properties"]["open"]["additionalProperties"] == {"type": "string"}
    assert out["properties"]["port"]["oneOf"] == [{"type": "string"}, {"type": "integer"}]
    assert "anyOf" not in out["properties"]["port"]


def test_check_reports_stale_missing_and_extra(tmp_path: Path) -> None:
    expected = {"g/a_v1.json": "{}\n", "g/b_v1.json": "{}\n"}
    schemagen.write(expected, tmp_path)
    (tmp_path / "g" / "a_v1.json").write_text("{ }\n")
    (tmp_path / "g" / "b_v1.json").unlink()
    (tmp_path / "g" / "c_v1.json").write_text("{}\n")
    assert [line.split(":")[0] for line in schemagen.differences(expected, tmp_path)] == ["stale", "missing", "extra"]


@pytest.mark.parametrize("key", sorted(MINIMAL))
def test_crd_kind_valid_and_strict(key: str, tmp_path: Path, run_kubeconform) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(manifest(key, MINIMAL[key])))
    result = run_kubeconform(good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid: 1," in result.stdout

    bad_obj = manifest(key, MINIMAL[key])
    bad_obj["spec"]["unknownField"] = 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(bad_obj))
    result = run_kubeconform(bad)
    assert result.returncode == 1
    assert "unknownField" in result.stdout and "Invalid: 1," in result.stdout


@pytest.mark.parametrize("sample", ["kubero_sample_kuberoapp.yaml", "kubero_sample_kuberopipeline.yaml"])
def test_kubero_samples_validate(sample: str, run_kubeconform) -> None:
    result = run_kubeconform(SHARED_CRDS / sample)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid: 1," in result.stdout
