"""Contracts over the whole rendered tree of the example platform (issue 6's global checks).

Read from rendered/ as committed (``platformctl render --check`` keeps it current): every Helm source is pinned
to one exact version, every other source of a platform component to a tag, and no Secret carries data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import REPO

RENDERED = REPO / "rendered"
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")  # no ranges, no wildcards, no "latest", no pre-release guess


def _objects() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(RENDERED.rglob("*.yaml")):
        hidden = any(part.startswith(".") for part in path.relative_to(RENDERED).parts)  # spare and staging trees
        if path.name != "kustomization.yaml" and not hidden:
            yield path, yaml.load(path.read_text(), Loader=yaml.CSafeLoader)


def _applications() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, o) for p, o in _objects() if o["kind"] == "Application"]


def _sources(app: dict[str, Any]) -> list[dict[str, Any]]:
    spec = app["spec"]
    return spec["sources"] if "sources" in spec else [spec["source"]]


def test_there_are_system_applications_with_charts_to_check() -> None:
    charts = [s for _, a in _applications() for s in _sources(a) if "chart" in s]
    assert len(charts) >= 3 * 8  # three environments, every charted component


@pytest.mark.parametrize("path", sorted(str(p.relative_to(RENDERED)) for p, _ in _applications()))
def test_every_helm_source_is_pinned_to_one_version(path: str) -> None:
    app = yaml.load((RENDERED / path).read_text(), Loader=yaml.CSafeLoader)
    platform_repo = yaml.safe_load((REPO / "blueprints/platform.yaml").read_text())["spec"]["git"]["repoURL"]
    for source in _sources(app):
        revision = str(source.get("targetRevision", ""))
        if "chart" in source:
            assert EXACT_VERSION.match(revision), (path, source["chart"], revision)
        elif source["repoURL"] != platform_repo:  # another project's manifests: a release tag, not a branch
            assert EXACT_VERSION.match(revision), (path, source["repoURL"], revision)


def test_no_secret_with_data_anywhere() -> None:
    secrets = [(p, o) for p, o in _objects() if o["kind"] == "Secret"]
    offenders = [str(p.relative_to(RENDERED)) for p, o in secrets if o.get("data") or o.get("stringData")]
    assert offenders == []


def test_no_external_secret_template_is_a_literal_credential() -> None:
    """Templates may write literals (ids, hosts) around values from the store; a key named like a credential
    must come from the store (a template expression), not from git."""
    credential = re.compile(r"(password|passwd|secret|token)$", re.IGNORECASE)
    for path, obj in _objects():
        if obj["kind"] != "ExternalSecret":
            continue
        for key, value in obj["spec"]["target"].get("template", {}).get("data", {}).items():
            if credential.search(key):
                assert "{{" in value, (str(path.relative_to(RENDERED)), key)
