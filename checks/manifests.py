"""Kubernetes objects from YAML files and directories, each remembering its file and starting line.

Any tree of manifests works, not only ours: multi-document files, ``kind: List`` wrappers. Skipped:
``kustomization.yaml`` (kustomize's input, not an object), hidden entries (``.platformctl-*`` trees of an
interrupted render, ``.git``). Bad YAML is a ``ManifestError`` naming file and line, never a skip: a
file the checker silently ignored is a file nobody checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import gcpause
from generator.yamlloader import QuickLoader

_STR = "tag:yaml.org,2002:str"

SUFFIXES = (".yaml", ".yml")
KUSTOMIZATION = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


class ManifestError(Exception):
    """Input that cannot be read as Kubernetes objects; the CLI exits 2 on it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(slots=True)
class Manifest:
    """One object with where it came from, and the identity every finding names."""

    obj: dict[str, Any]
    file: str
    line: int
    kind: str = ""
    api_version: str = ""
    namespace: str = ""
    name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    env: str = ""  # environment, filled in by whoever knows the layout (policy: label or rendered/<env>/)
    pod: Any = None  # the policy indexer's view of the pod spec, for workloads

    @classmethod
    def of(cls, obj: dict[str, Any], file: str, line: int) -> Manifest:
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        labels = meta.get("labels")
        return cls(obj, file, line, str(obj.get("kind") or ""), str(obj.get("apiVersion") or ""),
                   str(meta.get("namespace") or ""), str(meta.get("name") or ""),
                   labels if isinstance(labels, dict) else {})


def entries(paths: Iterable[Path], base: Path | None) -> list[tuple[str, str]]:
    """(path to open, path to show) of every manifest file; each argument is resolved once, not each file."""
    found: list[tuple[str, str]] = []
    for path in paths:
        shown = shown_path(path, base)
        if path.is_file():
            if path.name not in KUSTOMIZATION:
                found.append((str(path), shown))
            continue
        if not path.is_dir():
            raise ManifestError([f"{path}: no such file or directory"])
        top = str(path)
        batch = []
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = dirpath[len(top):].lstrip("/")
            rel = rel + "/" if rel else ""
            batch.extend(rel + f for f in filenames
                         if f.endswith(SUFFIXES) and not f.startswith(".") and f not in KUSTOMIZATION)
        batch.sort()
        opened = top.rstrip("/") + "/"
        prefix = "" if shown == "." else shown.rstrip("/") + "/"
        found.extend((opened + rel, prefix + rel) for rel in batch)
    return found


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Every manifest file under ``paths``, sorted per argument, hidden entries and kustomizations skipped."""
    return [Path(p) for p, _ in entries(paths, None)]


_MERGE = "tag:yaml.org,2002:merge"
_CONSTRUCT = yaml.constructor.SafeConstructor.yaml_constructors
_SAFE = yaml.constructor.SafeConstructor()


class _Fallback(Exception):
    """A merge key: rare, so those documents go through PyYAML's own constructor."""


def _build(node: yaml.Node) -> Any:
    """Python values from LibYAML's node tree, ~1.5x faster than SafeConstructor for plain manifests."""
    cls = node.__class__
    if cls is yaml.ScalarNode:
        return node.value if node.tag == _STR else _CONSTRUCT[node.tag](_SAFE, node)
    if cls is yaml.MappingNode:
        result = {}
        for key, value in node.value:
            if key.tag == _MERGE:
                raise _Fallback
            result[_build(key)] = _build(value)
        return result
    return [_build(item) for item in node.value]


def _documents(text: str) -> Iterator[tuple[Any, int]]:
    loader = QuickLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            try:
                value = _build(node)
            except (_Fallback, KeyError, TypeError):
                value = loader.construct_document(node)  # merge keys, unhashable keys, custom tags: PyYAML decides
            yield value, node.start_mark.line + 1
    finally:
        loader.dispose()


def documents(text: str) -> Iterator[tuple[Any, int]]:
    """Each YAML document of ``text`` with its first line, for checkers that must tolerate non-objects."""
    return _documents(text)


def load_file(path: Path | str, shown: str | None = None) -> list[Manifest]:
    """The objects of one file; raises ManifestError for bad YAML or a document that is not an object."""
    shown = shown if shown is not None else Path(path).as_posix()
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError([f"{shown}: cannot read: {exc}"]) from exc
    found: list[Manifest] = []
    try:
        for doc, line in _documents(text):
            if doc is None:
                continue  # an empty document ("---" at the end)
            if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
                raise ManifestError([f"{shown}:{line}: not a Kubernetes object (needs apiVersion and kind)"])
            items = doc.get("items")
            if str(doc["kind"]).endswith("List") and isinstance(items, list):
                found.extend(Manifest.of(i, shown, line) for i in items if isinstance(i, dict))
            else:
                found.append(Manifest.of(doc, shown, line))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        raise ManifestError([f"{where}: invalid YAML: {exc.problem or exc.context}"]) from exc
    except yaml.YAMLError as exc:
        raise ManifestError([f"{shown}: invalid YAML: {exc}"]) from exc
    return found


def load_entries(files: list[tuple[str, str]]) -> tuple[list[Manifest], list[str]]:
    """The objects of ``(path to open, path to show)`` entries, and every problem found (not just the first)."""
    manifests: list[Manifest] = []
    problems: list[str] = []
    with gcpause.paused():  # bulk allocation of acyclic data: the collector would only rescan it
        for path, shown in files:
            try:
                manifests.extend(load_file(path, shown))
            except ManifestError as exc:
                problems.extend(exc.problems)
    return manifests, problems


def load(paths: Iterable[Path], relative_to: Path | None = None) -> tuple[list[Manifest], int]:
    """All objects under ``paths`` (in file order) and the number of files; every bad file reported at once.

    One process: the policy engine fans big trees out itself (``checks.policy.sharded``).
    """
    files = entries(paths, relative_to)
    manifests, problems = load_entries(files)
    if problems:
        raise ManifestError(problems)
    return manifests, len(files)


def shown_path(path: Path, base: Path | None) -> str:
    """How a path is shown in findings: relative to ``base`` when it lies below it."""
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
