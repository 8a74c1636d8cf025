"""End to end on the real control plane: apply rendered/local, expect no drift; edit as people do, find exactly that.

The example platform's rendered/local is applied by server-side apply as ``platformctl`` (what Argo CD's
server-side sync does with its own manager name); edits are strategic-merge patches by ``kubectl-edit`` and
``kubectl-label``, deletes, and a stray object, the way people change clusters. Each test starts from a
freshly re-applied baseline, checks with the read-only user, and must find its edit and nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from checks.cluster import kubeconfig
from checks.cluster.lifecycle import down, up
from checks.cluster.state import State
from checks.drift import check
from checks.drift.desired import Desired, load_env
from checks.drift.model import DriftReport
from tests.drift.ssa import apply, delete, update
from tests.support import platformctl, run_on_terminal

REPO = Path(__file__).resolve().parents[2]
ENV = "local"
MANAGER = "platformctl"
STRAY = {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "stray", "namespace": "acme-data",
                      "labels": {"app.kubernetes.io/managed-by": "platformctl", "platformctl.dev/environment": ENV,
                                 "platformctl.dev/tenant": "acme"}},
         "data": {"hand": "made"}}


def _desired() -> list[Desired]:
    return load_env(REPO, ENV)


def _baseline(api: client.ApiClient) -> None:
    """Every object of rendered/local as git says (namespaces first), and no stray object."""
    for d in sorted(_desired(), key=lambda d: d.ref.kind != "Namespace"):
        apply(api, d.obj, MANAGER)
    delete(api, STRAY)


@pytest.fixture
def applied(admin_api: client.ApiClient) -> Iterator[client.ApiClient]:
    _baseline(admin_api)
    yield admin_api
    _baseline(admin_api)  # leave the session's cluster as the next test expects it


def _one(kind: str, name: str | None = None) -> Desired:
    """The object of ``kind`` in namespace acme-data (for Namespace: acme-data itself)."""
    if kind == "Namespace":
        name = "acme-data"
    return next(d for d in _desired() if d.ref.kind == kind and d.ref.namespace in ("acme-data", "")
                and (name is None or d.ref.name == name))


def _found(report: DriftReport) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(f.status, str(f.ref), tuple(d.path for d in f.diffs)) for f in report.findings}


def test_a_freshly_applied_environment_has_no_drift(applied: client.ApiClient,
                                                     readonly_api: client.ApiClient) -> None:
    report = check.run(REPO, ENV, readonly_api)
    assert report.findings == ()
    assert report.checked == len(_desired()) > 100
    assert report.exit_code() == 0


def test_server_side_mode_agrees(applied: client.ApiClient) -> None:
    report = check.run(REPO, ENV, applied, options=check.Options(server_side=True, field_manager=MANAGER))
    assert report.findings == ()


def _label(api: client.ApiClient) -> None:
    update(api, _one("Namespace").obj, {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}},
           "kubectl-label")


def _quota(api: client.ApiClient) -> None:
    update(api, _one("ResourceQuota").obj, {"spec": {"hard": {"requests.cpu": "64"}}}, "kubectl-edit")


def _netpol(api: client.ApiClient) -> None:
    update(api, _one("NetworkPolicy", "allow-dns").obj,
           {"spec": {"egress": [{"ports": [{"port": 5353, "protocol": "UDP"}]}]}}, "kubectl-edit")


def _delete(api: client.ApiClient) -> None:
    delete(api, _one("LimitRange").obj)


def _stray(api: client.ApiClient) -> None:
    apply(api, STRAY, "kubectl-client-side-apply")


def _strip(api: client.ApiClient) -> None:
    update(api, _one("RoleBinding", "tenant-members").obj,
           {"metadata": {"labels": {"app.kubernetes.io/managed-by": None}}}, "kubectl-label")


EDITS: dict[str, tuple[Callable[[client.ApiClient], None], set[tuple[str, str, tuple[str, ...]]], str | None]] = {
    "label": (_label, {("modified", "Namespace/acme-data",
                        ('metadata.labels["pod-security.kubernetes.io/enforce"]',))}, "kubectl-label"),
    "quota": (_quota, {("modified", "ResourceQuota/acme-data/tenant-quota", ('spec.hard["requests.cpu"]',))},
              "kubectl-edit"),
    "netpol": (_netpol, {("modified", "NetworkPolicy.networking.k8s.io/acme-data/allow-dns",
                          ("spec.egress[0].ports[0].port", "spec.egress[0].ports[1]", "spec.egress[0].to"))},
               "kubectl-edit"),
    "delete": (_delete, {("missing", "LimitRange/acme-data/tenant-limits", ())}, None),
    "stray": (_stray, {("extra", "ConfigMap/acme-data/stray", ())}, None),
    "strip-labels": (_strip, {("modified", "RoleBinding.rbac.authorization.k8s.io/acme-data/tenant-members",
                               ('metadata.labels["app.kubernetes.io/managed-by"]',))}, None),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_edit_is_found_with_its_class_and_path_and_nothing_else(
        edit: str, applied: client.ApiClient, readonly_api: client.ApiClient) -> None:
    change, expected, manager = EDITS[edit]
    change(applied)
    report = check.run(REPO, ENV, readonly_api)
    assert _found(report) == expected
    assert report.exit_code() == 1
    if manager:
        assert {d.manager for f in report.findings for d in f.diffs} == {manager}
        assert all(d.time for f in report.findings for d in f.diffs)


def test_unmanaged_fields_only_when_asked(applied: client.ApiClient, readonly_api: client.ApiClient) -> None:
    target = _one("NetworkPolicy", "allow-dns")
    update(applied, target.obj, {"spec": {"ingress": [{"from": [{"namespaceSelector": {}}]}]}}, "kubectl-edit")
    assert check.run(REPO, ENV, readonly_api).findings == ()  # a field git never declared: not drift by default
    report = check.run(REPO, ENV, readonly_api, options=check.Options(unmanaged=True))
    flagged = {(str(f.ref), d.path, d.manager) for f in report.findings for d in f.unmanaged}
    assert (str(target.ref), "spec.ingress", "kubectl-edit") in flagged


def _cli(control_plane: State, *args: str) -> Any:
    return platformctl("drift", "--env", ENV, "--root", str(REPO), "--kubeconfig", control_plane.readonly_kubeconfig,
                       *args, cwd=REPO)


def test_cli_exit_codes_and_report_formats(applied: client.ApiClient, control_plane: State, tmp_path: Path) -> None:
    clean = _cli(control_plane)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.endswith(": in sync\n")
    _quota(applied)
    out = tmp_path / "report.html"
    drifted = _cli(control_plane, "--output", "html", "--out", str(out))
    assert drifted.returncode == 1 and drifted.stdout == ""
    assert "tenant-quota" in out.read_text() and "kubectl-edit" in out.read_text()
    data = json.loads(_cli(control_plane, "--output", "json").stdout)
    assert data["summary"]["modified"] == 1 and data["exitCode"] == 1


def test_an_unreachable_cluster_is_exit_2_with_a_report(tmp_path: Path, control_plane: State) -> None:
    broken = tmp_path / "kubeconfig"
    text = Path(control_plane.readonly_kubeconfig).read_text()
    broken.write_text(text.replace(control_plane.server, "https://127.0.0.1:9"))
    result = platformctl("drift", "--env", ENV, "--root", str(REPO), "--kubeconfig", str(broken), "--output", "json",
                         cwd=REPO)
    assert result.returncode == 2
    assert json.loads(result.stdout)["problems"][0].startswith("cluster: ")


def test_bad_inputs_exit_2_naming_the_file(tmp_path: Path, control_plane: State) -> None:
    rules = tmp_path / "drift.yaml"
    rules.write_text("apiVersion: platformctl.dev/v1alpha1\nkind: DriftIgnoreRules\nrules:\n  - bogus: 1\n")
    result = _cli(control_plane, "--ignore", str(rules))
    assert result.returncode == 2 and str(rules.name) in result.stderr
    missing = platformctl("drift", "--env", "nope", "--root", str(REPO), "--kubeconfig",
                          control_plane.readonly_kubeconfig, cwd=REPO)
    assert missing.returncode == 2 and "no rendered environment 'nope'" in missing.stderr


def test_progress_bar_on_a_terminal_only(applied: client.ApiClient, control_plane: State) -> None:
    """Phases show as bars for a person at a terminal; the report still ends the output."""
    args = ["drift", "--env", ENV, "--root", str(REPO), "--kubeconfig", control_plane.readonly_kubeconfig]
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm", "COLUMNS": "120"}
    code, output = run_on_terminal(args, env)
    assert code == 0, output
    assert "drift: list" in output and output.rstrip().endswith(": in sync")
    code, output = run_on_terminal(args, env | {"CI": "true"})
    assert code == 0 and "drift: list" not in output


def test_platform_ignore_rules_silence_exactly_their_fields(applied: client.ApiClient, readonly_api: client.ApiClient,
                                                          control_plane: State, tmp_path: Path) -> None:
    _quota(applied)
    _label(applied)
    rules = tmp_path / "drift.yaml"
    rules.write_text("apiVersion: platformctl.dev/v1alpha1\nkind: DriftIgnoreRules\nrules:\n"
                     "  - match: {group: '', kind: ResourceQuota, namespace: 'acme-*', name: '*'}\n"
                     "    jsonPointers: [/spec/hard/requests.cpu]\n"
                     "    reason: the capacity team resizes CPU quotas by hand during the migration\n")
    result = _cli(control_plane, "--ignore", str(rules), "--output", "json")
    assert result.returncode == 1, result.stderr
    found = {(f["object"]["kind"], tuple(d["path"] for d in f["diffs"])) for f in json.loads(result.stdout)["findings"]}
    assert found == {("Namespace", ('metadata.labels["pod-security.kubernetes.io/enforce"]',))}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_every_environment_applies_cleanly_and_has_no_drift(env: str, cluster_binaries: None,
                                                            tmp_path: Path) -> None:
    """The whole rendered environment (workloads included) is accepted by a real API server as it is, and then
    shows no drift. Each environment is its own cluster: a control plane of its own (volumeClaimTemplates, for
    one, are immutable, and differ between environments by storage class)."""
    state = up(tmp_path / "cluster").state
    admin = kubeconfig.api_client(Path(state.admin_kubeconfig))
    readonly = kubeconfig.api_client(Path(state.readonly_kubeconfig))
    try:
        desired = load_env(REPO, env)
        for d in sorted(desired, key=lambda d: d.ref.kind != "Namespace"):
            apply(admin, d.obj, MANAGER)
        report = check.run(REPO, env, readonly)
        assert report.findings == ()
        assert report.checked == len(desired)
    finally:
        admin.close()
        readonly.close()
        down(tmp_path / "cluster")
