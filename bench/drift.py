"""Benchmark the drift checker's read of the live cluster on a local control plane; prints figures, not a test.

    python bench/drift.py                       # the issue's case: 10,000 objects in 100 namespaces
    python bench/drift.py --objects 1000        # smoke run

Starts a control plane (checks.cluster.lifecycle.up) in a temp dir and loads N objects labelled as ours for
environment "bench" (Namespaces, then ConfigMaps, headless Services, ServiceAccounts, Roles, RoleBindings and
NetworkPolicies round-robin) with concurrent raw POSTs, plus a small environment "bench-small" of the same
kinds. Then, in the same run and on the same objects, as the read-only user (best of ``--runs``):

    anchor   the bare paginated list calls fetch needs: every listable served type, the same selector,
             page size and number of threads, bodies parsed with json.loads, nothing else
    fetch    checks.drift.live.fetch: discovery, the lists, complete items keyed by ObjectRef, GETs
             (after one untimed warm-up fetch of bench-small: a fresh apiserver's first list of a CRD
             takes ~1 s while it sets up that CRD's storage)
    command  ``platformctl drift --output json`` as a whole, in a subprocess, on the same objects written as
             rendered/bench/ files: what a nightly job pays

Targets (not asserted): 10,000 objects checked in at most 10 s (scaled linearly for other N); requests
grow with the number of types, not objects (the small environment needs as many). Stops the control plane
at the end. Exits 0 whatever the figures say.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from kubernetes import client

from checks.cluster import kubeconfig
from checks.cluster.lifecycle import down, up
from checks.drift.desired import ENVIRONMENT, MANAGED_BY, selector
from checks.drift.discovery import GroupKind, ResourceType, discover
from checks.drift.kubeapi import Requester, ensure_pool
from checks.drift.live import DEFAULT_PAGE_SIZE, LiveState, fetch
from checks.drift.model import ObjectRef

TARGET_OBJECTS = 10_000
TARGET_S = 10.0
ENV, SMALL_ENV = "bench", "bench-small"


def _meta(name: str, namespace: str, env: str) -> dict[str, Any]:
    labels = {MANAGED_BY: "platformctl", ENVIRONMENT: env, "platformctl.dev/tenant": namespace or name}
    return {"name": name, "namespace": namespace, "labels": labels} if namespace else {"name": name, "labels": labels}


def _object(kind: int, i: int, namespace: str, env: str) -> dict[str, Any]:
    """The i-th object of one of six kinds, each shaped like what the renderer writes (Services headless:
    the local control plane's service range has 254 addresses)."""
    name = f"o{i:05d}"
    meta = _meta(name, namespace, env)
    match kind:
        case 0:
            return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                    "data": {"LOG_LEVEL": "info", "index": str(i), "config.yaml": "a: 1\nb: [x, y]\n" * 8}}
        case 1:
            return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
                    "spec": {"clusterIP": "None", "selector": {"app": name},
                             "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
        case 2:
            return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
        case 3:
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta,
                    "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}
        case 4:
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                    "subjects": [{"kind": "Group", "name": f"{namespace}-members",
                                  "apiGroup": "rbac.authorization.k8s.io"}]}
        case _:
            return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta,
                    "spec": {"podSelector": {"matchLabels": {"app": name}}, "policyTypes": ["Ingress"],
                             "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 8080}]}]}}


def objects(count: int, namespaces: int, env: str) -> list[dict[str, Any]]:
    """``namespaces`` Namespaces first (they count), then the rest spread over them and over six kinds."""
    names = [f"{env}-ns{n:03d}" for n in range(namespaces)]
    result = [{"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(n, "", env)} for n in names]
    result += [_object(i % 6, i, names[i % namespaces], env) for i in range(max(0, count - namespaces))]
    return result


def bulk_create(api: client.ApiClient, docs: list[dict[str, Any]], workers: int) -> float:
    """POST every document, namespaces first, ``workers`` at a time; the wall time."""
    requester = Requester(api)
    served = discover(requester)
    ensure_pool(api, workers)

    def create(doc: dict[str, Any]) -> None:
        rtype = served.lookup(GroupKind(ObjectRef.of(doc).group, doc["kind"]))
        assert rtype is not None, doc["kind"]
        response = requester.request("POST", rtype.collection_path(doc["metadata"].get("namespace", "")),
                                     content_type="application/json", body=doc)
        if not response.ok:
            raise SystemExit(f"creating {ObjectRef.of(doc)}: {response.describe()}")

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        namespaced = [d for d in docs if d["kind"] != "Namespace"]
        list(pool.map(create, [d for d in docs if d["kind"] == "Namespace"]))
        list(pool.map(create, namespaced))
    return time.perf_counter() - start


def anchor(api: client.ApiClient, types: list[ResourceType], label_selector: str, page_size: int,
           workers: int) -> tuple[int, int]:
    """The bare paginated lists: (objects, requests). No discovery, no item completion, no keys, no GETs."""
    requester = Requester(api)

    def list_all(rtype: ResourceType) -> int:
        count, token = 0, ""
        while True:
            query = [("labelSelector", label_selector), ("limit", str(page_size))] + ([("continue", token)] if token
                                                                                      else [])
            body = requester.request("GET", rtype.collection_path(), query=query).json()
            count += len(body.get("items") or ())
            token = body["metadata"].get("continue") or ""
            if not token:
                return count

    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(list_all, types))
    return total, requester.count


def best(runs: int, call: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of ``runs`` calls (the least disturbed one) and the last result."""
    fastest, result = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


def time_drift_command(root: Path, kubeconfig_path: Path, env: str, docs: list[dict[str, Any]],
                       runs: int) -> tuple[float, int]:
    """``platformctl drift --env ENV`` as the CLI runs it (Python start, rendered/ load, live state, compare,
    JSON report), in a subprocess, best of ``runs``; ``docs`` are written as ``root``/rendered/ENV/ first, one
    object per file as the renderer lays them out. Returns (seconds, exit code of the fastest run)."""
    tree = root / "rendered" / env
    tree.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        meta = doc["metadata"]
        name = f"{meta.get('namespace') or '_cluster'}_{doc['kind'].lower()}_{meta['name']}.yaml"
        (tree / name).write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=True))
    argv = [sys.executable, "-m", "platformctl", "drift", "--env", env, "--root", str(root),
            "--kubeconfig", str(kubeconfig_path), "--output", "json"]
    fastest, code = math.inf, -1
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if elapsed < fastest:
            fastest, code = elapsed, result.returncode
        if result.returncode != 0:
            print(result.stdout[-2000:] + result.stderr[-2000:], file=sys.stderr)
    return fastest, code


def expected_requests(docs: list[dict[str, Any]], listed: int, page_size: int) -> range:
    """Discovery (2 requests, aggregated) + one page per listed type + one more per further full page of a type.
    A type whose count is an exact multiple of the page size may cost one empty last page (the apiserver
    returns a continue token when other objects of the type follow the last selected one)."""
    per_kind = Counter(d["kind"] for d in docs).values()
    least = 2 + listed + sum(math.ceil(n / page_size) - 1 for n in per_kind)
    return range(least, least + sum(1 for n in per_kind if n % page_size == 0) + 1)


def report(label: str, seconds: float, state: LiveState, objects_count: int) -> None:
    pages = sum(state.pages.values())
    gets = state.requests - 2 - pages
    print(f"{label:<22}{seconds:7.2f} s {objects_count / seconds:10,.0f} objects/s   requests {state.requests} "
          f"(discovery 2 + {pages} pages over {len(state.pages)} types + {gets} gets)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=TARGET_OBJECTS, help="objects of environment bench")
    parser.add_argument("--namespaces", type=int, default=100)
    parser.add_argument("--small", type=int, default=100, help="objects of environment bench-small")
    parser.add_argument("--workers", type=int, default=8, help="fetch's thread pool (and the anchor's)")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--create-workers", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is reported")
    parser.add_argument("--dir", type=Path, default=None, help="where the control plane's temp dir goes")
    args = parser.parse_args(argv)
    if args.namespaces < 1 or args.objects < args.namespaces or args.small < 1:
        parser.error("need --namespaces >= 1, --objects >= --namespaces, --small >= 1")
    print(f"load average before {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work skews figures)")
    work = Path(tempfile.mkdtemp(prefix="platformctl-bench-drift-", dir=args.dir))
    try:
        start = time.perf_counter()
        state = up(work / "cluster").state
        print(f"control plane up in {time.perf_counter() - start:.1f} s")
        admin = kubeconfig.api_client(Path(state.admin_kubeconfig))
        readonly = kubeconfig.api_client(Path(state.readonly_kubeconfig))
        docs = objects(args.objects, args.namespaces, ENV)
        small = objects(args.small, max(1, min(args.namespaces, args.small // 10)), SMALL_ENV)
        created_s = bulk_create(admin, docs + small, args.create_workers)
        print(f"created {len(docs) + len(small):,} objects in {created_s:.1f} s "
              f"({(len(docs) + len(small)) / created_s:,.0f}/s, {args.create_workers} concurrent POSTs)")

        def run_fetch(which: list[dict[str, Any]], env: str) -> LiveState:
            return fetch(readonly, which, selector=selector(env), workers=args.workers, page_size=args.page_size)

        cold_s, _ = best(1, lambda: run_fetch(small, SMALL_ENV))  # warm-up, shown but not judged
        print(f"cold fetch (warm-up): {cold_s:.2f} s for {len(small)} objects on the fresh apiserver: new connections, "
              "first list of every CRD (a one-off here; a real cluster's apiserver is warm)")
        fetch_s, live = best(args.runs, lambda: run_fetch(docs, ENV))
        found = sum(1 for d in docs if ObjectRef.of(d) in live.objects)
        types = sorted(live.pages)
        anchor_s, (anchor_objects, anchor_requests) = best(
            args.runs, lambda: anchor(readonly, types, selector(ENV), args.page_size, args.workers))
        small_s, small_live = best(args.runs, lambda: run_fetch(small, SMALL_ENV))
        command_s, command_code = time_drift_command(work / "repo", Path(state.readonly_kubeconfig), ENV, docs,
                                                     args.runs)

        print(f"environment {ENV}: {len(docs):,} objects ({args.namespaces} namespaces, 6 kinds), found "
              f"{found:,}/{len(docs):,}, unknown {len(live.unknown)}; {args.workers} workers, pages of "
              f"{args.page_size}")
        print(f"{'anchor (bare lists)':<22}{anchor_s:7.2f} s {anchor_objects / anchor_s:10,.0f} objects/s   "
              f"requests {anchor_requests} (pages only)")
        report("fetch", fetch_s, live, len(docs))
        report(f"fetch, {len(small)} objects", small_s, small_live, len(small))
        print(f"fetch / anchor        {fetch_s / anchor_s:7.2f}x")
        limit = TARGET_S * len(docs) / TARGET_OBJECTS
        scaled = "" if len(docs) == TARGET_OBJECTS else f", scaled from {TARGET_S:.0f} s per {TARGET_OBJECTS:,}"
        print(f"target: {len(docs):,} objects in <= {limit:.1f} s{scaled}: "
              f"{'met' if fetch_s <= limit and found == len(docs) else 'MISSED'}")
        want = expected_requests(docs, len(types), args.page_size)
        small_ok = small_live.requests in expected_requests(small, len(small_live.pages), args.page_size)
        print(f"target: requests grow with types, not objects: {live.requests} for {len(docs):,} objects "
              f"(expected {want.start}: discovery + one page per type + one per further {args.page_size} of a "
              f"type), {small_live.requests} for {len(small)}: "
              f"{'met' if live.requests in want and small_ok else 'MISSED'}")
        print(f"platformctl drift     {command_s:7.2f} s {len(docs) / command_s:10,.0f} objects/s   exit "
              f"{command_code} ({'in sync' if command_code == 0 else 'NOT in sync'}); command / anchor "
              f"{command_s / anchor_s:.2f}x")
        print(f"target: {len(docs):,} objects checked by platformctl drift in <= {limit:.1f} s: "
              f"{'met' if command_s <= limit and command_code == 0 else 'MISSED'}")
        admin.close()
        readonly.close()
    finally:
        down(work / "cluster")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
