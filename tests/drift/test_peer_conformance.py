"""Argo CD's diff-engine cases (``../shared/peer/drift/``) through our comparison engine.

Every case runs in the mode it names and our equal/differs must agree with upstream's on every pair:

- three-way and two-way: ``compare(target, live)``; three-way lives carry their last-applied annotation, which
  ``compare`` reads by itself (a field dropped from git but still in last-applied is drift).
- structured-merge: ``compare(target, live, managers=("argocd-controller",))``: fields that manager owns in
  live managedFields but git no longer declares are drift.
- server-side-dry-run: the desired side is ``owned_by(predicted_live, "argocd-controller")`` (the dry-run
  result less what webhooks and other managers wrote; the whole result when the case turns
  ``ignore_mutation_webhook`` off), and the dry-run result is passed as ``predicted``: a live field it lacks
  is one the apply would remove.

Options map onto ours: ``ignore_paths`` become a platform ignore rule (JSON pointers), and
``ignore_aggregated_roles`` is our default (``keep_aggregated_rules`` turns it off). Where the pack gives
differing paths, the asserted ones must be among our FieldDiff paths; observed ones too, in our notation
(``NOTATION``: the pack writes some paths differently from ``checks.drift.paths``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.drift.compare import Comparison, compare
from checks.drift.ignore import IgnoreRules, Match, Rule
from checks.drift.managed import owned_by

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer" / "drift"
CASES: list[dict[str, Any]] = json.loads((PEER / "index.json").read_text())["cases"] if PEER.is_dir() else []
MANAGER = "argocd-controller"

# the pack's path -> the same field in our notation (an HPA metric is keyed by its type and source name)
NOTATION = {
    "spec.metrics[type=Resource].resource.target.averageUtilization":
        "spec.metrics[resource.name=cpu,type=Resource].resource.target.averageUtilization",
}

pytestmark = pytest.mark.skipif(not CASES, reason="peer drift fixtures not present")


def _load(name: str) -> dict[str, Any]:
    text = (PEER / name).read_text()
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def _run(case: dict[str, Any]) -> Comparison:
    target, live = _load(case["target"]), _load(case["live"])
    options = case.get("options", {})
    ignore = IgnoreRules("peer", (
        Rule(match=Match(), jsonPointers=["/" + p.replace(".", "/") for p in options["ignore_paths"]],
             reason="the upstream case configures this ignoreDifferences entry"),
    )) if options.get("ignore_paths") else IgnoreRules()
    keep_aggregated = not options.get("ignore_aggregated_roles", True)
    mode = case["mode"]
    if mode in ("three-way", "two-way"):
        return compare(target, live, ignore=ignore, keep_aggregated_rules=keep_aggregated)
    if mode == "structured-merge":
        return compare(target, live, ignore=ignore, managers=(MANAGER,))
    assert mode == "server-side-dry-run", mode
    predicted = _load(case["predicted_live"])
    desired = owned_by(predicted, MANAGER) if options.get("ignore_mutation_webhook", True) else predicted
    return compare(desired, live, ignore=ignore, managers=(MANAGER,), predicted=predicted)


def _paths(case: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(asserted, observed) differing paths, without the pack's parenthesised remarks."""
    paths = [re.sub(r" \(.*\)$", "", p) for p in case.get("differing_paths", [])]
    basis = case.get("paths_basis", "")
    named = re.match(r"asserted \(([^)]*)\)", basis)
    if basis == "asserted" or (named and not any(p.startswith(named.group(1)) for p in paths)):
        return paths, []
    if named:  # "asserted (spec.type); observed (...)": only the named ones were asserted upstream
        picked = [p for p in paths if p.startswith(named.group(1))]
        return picked, [p for p in paths if p not in picked]
    return [], paths


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_agrees_with_upstream(case: dict[str, Any]) -> None:
    result = _run(case)
    got = "equal" if result.equal else "differs"
    assert got == case["expected"], [f"{d.path}: {d.desired!r} -> {d.live!r}" for d in result.diffs]
    asserted, observed = _paths(case)
    ours = {d.path for d in result.diffs}
    for path in asserted + observed:
        assert NOTATION.get(path, path) in ours, (path, sorted(ours))


def test_every_case_ran_and_both_outcomes_occur() -> None:
    """The pack is what the README says it is (31 cases, 16 equal, 15 differs): nothing silently skipped."""
    outcomes = [c["expected"] for c in CASES]
    assert (len(outcomes), outcomes.count("equal"), outcomes.count("differs")) == (31, 16, 15)
    assert {c["mode"] for c in CASES} == {"three-way", "two-way", "structured-merge", "server-side-dry-run"}
