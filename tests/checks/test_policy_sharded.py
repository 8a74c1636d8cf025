"""Policy over files in worker processes: same Report for any shard count, every problem, clean failure."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from checks.formats import FORMATS
from checks.manifests import ManifestError
from checks.policy import context as context_mod
from checks.policy import sharded
from generator.errors import BlueprintError, Problem
from tests.checks.policy_world import FACTS, TODAY, world


def _write(root: Path, objects: dict[str, dict]) -> None:
    for rel, obj in objects.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(obj, sort_keys=True))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The compliant world, broken across what become different shards."""
    objects = world()
    del objects["rendered/local/system/tenancy/globex/globex-api_resourcequota_tenant-quota.yaml"]
    copy = dict(objects["rendered/local/tenants/acme/acme-web_serviceaccount_web.yaml"])
    objects["rendered/local/tenants/acme/zz-copy.yaml"] = copy  # the first file's shard is not the last's
    _write(tmp_path, objects)
    return tmp_path


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers forked during the test."""
    pids: list[int] = []
    start = sharded._start

    def recording(*args: object) -> object:
        pid, conn = start(*args)
        pids.append(pid)
        return pid, conn

    monkeypatch.setattr(sharded, "_start", recording)
    return pids


def _gone(pids: list[int]) -> bool:
    """Every worker was reaped already (not running, not a zombie waiting for us)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def _json(tree: Path, shards: int) -> dict:
    report = sharded.check([tree / "rendered"], today=TODAY, relative_to=tree, facts=FACTS, shards=shards)
    return json.loads(FORMATS["json"](report))


def test_any_shard_count_gives_the_same_report(tree: Path, workers: list[int]) -> None:
    one = _json(tree, 1)
    assert one == _json(tree, 2) == _json(tree, 5)
    deadline = time.monotonic() + 30
    while not _gone(workers) and time.monotonic() < deadline:  # finished workers are reaped in the background
        time.sleep(0.05)
    assert _gone(workers) and len(workers) == 7
    found = {(f["rule"], f["file"]) for f in one["findings"]}
    assert ("tenant-guardrails", "rendered/local/system/tenancy/globex/_cluster_namespace_globex-api.yaml") in found
    assert ("duplicate-object", "rendered/local/tenants/acme/acme-web_serviceaccount_web.yaml") in found
    assert ("duplicate-object", "rendered/local/tenants/acme/zz-copy.yaml") in found
    assert one["summary"]["objects"] == one["summary"]["files"] == len(world())


def test_every_bad_file_is_reported_in_file_order(tree: Path, capfd: pytest.CaptureFixture[str],
                                                  workers: list[int]) -> None:
    first, last = tree / "rendered" / "a.yaml", tree / "rendered" / "zz" / "z.yaml"
    last.parent.mkdir()
    for path in (first, last):
        path.write_text("apiVersion: v1\nkind: [unclosed\n")
    with pytest.raises(ManifestError) as error:
        sharded.check([tree / "rendered"], today=TODAY, relative_to=tree, facts=FACTS, shards=3)
    assert [p.split(":")[0] for p in error.value.problems] == ["rendered/a.yaml", "rendered/zz/z.yaml"]
    assert _gone(workers)
    assert capfd.readouterr().err == ""  # the workers that were fine stop quietly


def test_facts_errors_propagate_and_workers_stop(tree: Path, capfd: pytest.CaptureFixture[str],
                                                 workers: list[int]) -> None:
    def broken() -> None:
        raise BlueprintError([Problem("blueprints/platform.yaml", 3, 1, "spec", "bad")])

    with pytest.raises(BlueprintError):
        sharded.check([tree / "rendered"], today=TODAY, relative_to=tree, facts=broken, shards=2)
    assert _gone(workers)
    assert capfd.readouterr().err == ""


def test_a_crashing_worker_is_an_error_not_a_clean_report(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                          workers: list[int]) -> None:
    def crash(manifests: list) -> None:
        raise ZeroDivisionError("boom in the index")

    monkeypatch.setattr(context_mod, "index", crash)  # the forked workers inherit it
    with pytest.raises(RuntimeError, match="boom in the index"):
        sharded.check([tree / "rendered"], today=TODAY, relative_to=tree, facts=FACTS, shards=2)
    assert _gone(workers)


def test_identity_hash_collisions_are_checked_against_real_identities(tree: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards exchange identity hashes only; when every hash collides, the report must not change."""
    expected = _json(tree, 1)
    monkeypatch.setattr(context_mod, "hash", lambda identity: 7, raising=False)  # forked workers inherit it
    assert _json(tree, 3) == expected
