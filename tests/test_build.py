"""generator.build and `platformctl render`: write, --check, prune, determinism, atomicity, cache."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from generator import build, cache, writer
from tests.support import REPO, example_repo, platformctl, synthetic_tenant, tree_digest, write_tenant


def test_example_platform_rendered_tree_is_up_to_date() -> None:
    """The committed rendered/ is what the committed blueprints produce (the `make check` job)."""
    result = platformctl("render", "--check", "--root", str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rendered/ is up to date" in result.stdout


def test_render_writes_every_environment(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    report = build.run(root)
    assert [e.env for e in report.envs] == ["local", "prod", "staging"]
    assert sorted(os.listdir(root / "rendered")) == [
        ".platformctl-cache-local.marshal", ".platformctl-cache-prod.marshal", ".platformctl-cache-staging.marshal",
        ".platformctl-lock", "local", "prod", "staging",
    ]
    assert tree_digest(root / "rendered") == tree_digest(REPO / "rendered")


def test_second_render_touches_nothing(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root)
    before = {p: p.stat().st_ino for p in (root / "rendered").rglob("*.yaml")}
    report = build.run(root)
    assert all(not e.written and not e.removed for e in report.envs)
    assert {p: p.stat().st_ino for p in (root / "rendered").rglob("*.yaml")} == before


def test_render_only_one_environment(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root, only="prod")
    assert sorted(p.name for p in (root / "rendered").iterdir() if not p.name.startswith(".")) == ["prod"]


def test_unknown_environment_is_bad_input(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    result = platformctl("render", "--root", str(root), "--env", "qa")
    assert result.returncode == 2
    assert "environments/qa.yaml:1:1: <document>: no such environment (known: local, prod, staging)" in result.stderr
    assert not (root / "rendered").exists()


def test_determinism_across_hash_seeds(tmp_path: Path) -> None:
    digests = []
    for seed in ("0", "1", "12345"):
        root = example_repo(tmp_path / f"repo-{seed}")
        for i in range(5):
            write_tenant(root, f"syn{i}", synthetic_tenant(f"syn{i}", i))
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = platformctl("render", "--root", str(root), env=env)
        assert result.returncode == 0, result.stderr
        digests.append(tree_digest(root / "rendered"))
    assert digests[0] == digests[1] == digests[2]
    assert len(digests[0]) > 400


def test_check_reports_stale_missing_and_extra_and_writes_nothing(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo", rendered=True)
    assert platformctl("render", "--check", "--root", str(root)).returncode == 0
    quota = root / "rendered/local/system/tenancy/acme/acme-shop_resourcequota_tenant-quota.yaml"
    quota.write_text(re.sub(r"pods: '\d+'", "pods: '999'", quota.read_text()))
    (root / "rendered/prod/argocd/argocd_appproject_acme.yaml").unlink()
    (root / "rendered/staging/tenants/acme/stray.yaml").write_text("kind: ConfigMap\n")
    (root / "rendered/qa").mkdir()
    before = tree_digest(root)
    entries = sorted(os.listdir(root / "rendered"))
    result = platformctl("render", "--check", "--root", str(root))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "stale: rendered/local/system/tenancy/acme/acme-shop_resourcequota_tenant-quota.yaml",
        "missing: rendered/prod/argocd/argocd_appproject_acme.yaml",
        "extra: rendered/staging/tenants/acme/stray.yaml",
        "extra: rendered/qa/ (no such environment)",
    ]
    assert tree_digest(root) == before
    assert sorted(os.listdir(root / "rendered")) == entries  # not even a lock file


def test_check_does_not_trust_the_cache(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root)
    app = root / "rendered/local/argocd/argocd_application_tenant-acme.yaml"
    app.write_text(app.read_text().replace("tenant-acme", "tenant-acme-edited"))
    report = build.run(root, check=True)
    assert report.envs[0].stale is not None
    assert report.envs[0].stale.stale == ["argocd/argocd_application_tenant-acme.yaml"]


def test_removed_tenant_app_and_environment_are_pruned(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root)
    assert (root / "rendered/local/system/tenancy/initech").is_dir()
    (root / "blueprints/tenants/initech.yaml").unlink()
    acme = root / "blueprints/tenants/acme.yaml"
    storefront = (
        "    - name: storefront\n      runtime: kubero\n      repo: acme/storefront\n"
        "      image: registry.example.com/acme/storefront:1.4.0\n"
        "      port: 3000\n      env: {NODE_ENV: production}\n      ingress: {host: storefront}\n"
    )
    text = acme.read_text()
    assert storefront in text
    text = text.replace(storefront, "").replace("environments: [local, staging, prod]", "environments: [local, prod]")
    acme.write_text(text)
    (root / "environments/staging.yaml").unlink()
    report = build.run(root)
    assert report.pruned_envs == ["staging"]
    assert not (root / "rendered/staging").exists()
    assert not list((root / "rendered/local").rglob("*initech*"))
    assert not list((root / "rendered/local").rglob("*acme-local*"))  # storefront was acme's only Kubero app
    removed = next(e for e in report.envs if e.env == "local").removed
    assert "argocd/argocd_application_tenant-initech.yaml" in removed
    assert "argocd/argocd_application_tenancy-initech.yaml" in removed
    assert "system/tenancy/acme/acme-local_networkpolicy_default-deny.yaml" in removed
    assert platformctl("render", "--check", "--root", str(root)).returncode == 0


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root)
    before = tree_digest(root / "rendered")
    # one good change and one bad one: neither may reach rendered/
    write_tenant(root, "newco", synthetic_tenant("newco", 1))
    acme = root / "blueprints/tenants/acme.yaml"
    acme.write_text(acme.read_text().replace("storage: 100Gi", "storage: 100GB"))
    result = platformctl("render", "--root", str(root))
    assert result.returncode == 2
    assert "blueprints/tenants/acme.yaml:9:44: spec.quota.storage:" in result.stderr
    assert tree_digest(root / "rendered") == before


def test_cache_reuses_unchanged_tenants_and_renders_changed_ones(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root, only="local")
    report = build.run(root, only="local")
    assert report.envs[0].reused_tenants == 3
    globex = root / "blueprints/tenants/globex.yaml"
    globex.write_text(globex.read_text().replace('pods: 30', 'pods: 40'))
    report = build.run(root, only="local")
    assert report.envs[0].reused_tenants == 2
    assert report.envs[0].written == [
        f"system/tenancy/globex/{ns}_resourcequota_tenant-quota.yaml"
        for ns in ("globex-api", "globex-data", "globex-sbx-mona", "globex-worker")
    ]


def test_cache_notices_hand_edits(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root, only="local")
    target = root / "rendered/local/system/tenancy/acme/acme-shop_networkpolicy_default-deny.yaml"
    original = target.read_bytes()
    with target.open("ab") as handle:  # same inode, new content
        handle.write(b"# edited\n")
    report = build.run(root, only="local")
    assert report.envs[0].written == ["system/tenancy/acme/acme-shop_networkpolicy_default-deny.yaml"]
    assert target.read_bytes() == original


def test_cache_of_other_inputs_is_ignored(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    build.run(root, only="local")
    env_file = root / "environments/local.yaml"
    env_file.write_text(env_file.read_text().replace("namespace: ingress-nginx", "namespace: traefik"))
    report = build.run(root, only="local")
    assert report.envs[0].reused_tenants == 0
    assert any("allow-ingress-controller" in p for p in report.envs[0].written)
    assert cache.load(root / "rendered/local", "other-context").tenants == {}


def _synthetic_repo(root: Path, tenants: int, cpu: str) -> Path:
    example_repo(root)
    for name in ("acme", "globex", "initech"):
        (root / "blueprints/tenants" / f"{name}.yaml").unlink()
    for i in range(tenants):
        write_tenant(root, f"t{i:04d}", synthetic_tenant(f"t{i:04d}", i).replace('cpu: "6"', f'cpu: "{cpu}"'))
    return root


@pytest.mark.parametrize("with_spare", [False, True], ids=["from-scratch", "refresh-spare"])
def test_render_killed_at_any_moment_leaves_old_or_new_tree(tmp_path: Path, with_spare: bool) -> None:
    """kill -9 a render at several instants: rendered/<env> is always exactly the old or the new tree.

    Both ways of assembling the new tree are killed: built from scratch, and refreshed from the spare.
    On tmpfs when there is one: the guarantee rests on rename(2), the same there, and the disk is slow.
    """
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        tmp_path = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="platformctl-test-"))
    try:
        _kill_repeatedly(tmp_path, with_spare)
    finally:
        if str(tmp_path).startswith("/dev/shm/"):
            shutil.rmtree(tmp_path, ignore_errors=True)


def _kill_repeatedly(tmp_path: Path, with_spare: bool) -> None:
    reference = _synthetic_repo(tmp_path / "reference", 150, "7")  # every tenant's quota changes
    build.run(reference, only="staging")
    new = tree_digest(reference / "rendered/staging")

    work = _synthetic_repo(tmp_path / "work", 150, "6")
    tenants = sorted((work / "blueprints/tenants").iterdir())

    def set_cpu(cpu: str) -> None:
        for path in tenants:
            path.write_text(re.sub(r'cpu: "\d"', f'cpu: "{cpu}"', path.read_text()))

    def prepare() -> dict[str, str]:
        """Render the old tree (with a spare, if asked) and edit the blueprints to the new one."""
        set_cpu("6")
        build.run(work, only="staging")
        if with_spare:
            set_cpu("5")
            build.run(work, only="staging")
            set_cpu("6")
            build.run(work, only="staging")  # the spare now holds the cpu-5 tree
        else:
            shutil.rmtree(work / "rendered")
            build.run(work, only="staging")
        set_cpu("7")
        return tree_digest(work / "rendered/staging")

    command = [sys.executable, "-m", "platformctl", "render", "--root", str(work), "--env", "staging"]
    prepare()
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    took = time.monotonic() - started  # kills are placed at fractions of an undisturbed run
    assert tree_digest(work / "rendered/staging") == new

    outcomes = []
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9, 1.5):
        old = prepare()
        assert old != new
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(fraction * took)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = tree_digest(work / "rendered/staging")
        assert now in (old, new), f"mixed tree after a kill at {fraction:.2f} of a render"
        outcomes.append("new" if now == new else "old")
        build.run(work, only="staging")  # the next run cleans up and finishes the job
        assert tree_digest(work / "rendered/staging") == new
        leftovers = (writer.STAGING, writer.RETIRED, writer.TRASH)
        assert not [p for p in os.listdir(work / "rendered") if p.startswith(leftovers)]
    assert "old" in outcomes, outcomes  # kills landed mid-render, not only after it
