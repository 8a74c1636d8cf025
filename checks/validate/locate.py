"""Where kubeconform's results are: the line and namespace of each reported object, via checks.manifests.

Only files with findings are parsed again, so a clean 64k-file tree costs nothing here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from checks.manifests import documents


@dataclass(frozen=True)
class Place:
    """An object's position in its file and the identity kubeconform leaves out."""

    line: int | None
    namespace: str = ""


@dataclass
class FileIndex:
    """The objects of one file by (apiVersion, kind, name), in file order, and the line of a YAML error."""

    objects: dict[tuple[str, str, str], list[Place]]
    yaml_error_line: int | None = None
    first_line: int | None = None
    separators: tuple[int, ...] = ()  # lines of `---` that split documents (not one on line 1)
    text: str = ""
    _roots: dict[int, yaml.Node] | None = None  # document line -> node tree, composed on first use

    def document_base(self, line: int) -> int:
        """The file line kubeconform calls line 1 of the document at ``line`` (it numbers per document)."""
        return max((s + 1 for s in self.separators if s < line), default=1)

    def field_line(self, document_line: int | None, path: list[str]) -> int | None:
        """The line of the deepest existing node on ``path`` in the document starting at ``document_line``."""
        if document_line is None or not path:
            return document_line
        if self._roots is None:
            try:
                self._roots = {n.start_mark.line + 1: n for n in yaml.compose_all(self.text, Loader=yaml.CSafeLoader)
                               if n is not None}
            except yaml.YAMLError:
                self._roots = {}
        root = self._roots.get(document_line)
        return _deepest_line(root, path) if root is not None else document_line

    def take(self, api_version: str, kind: str, name: str) -> Place | None:
        """The next unreported object with this identity (duplicates are reported once each, in order)."""
        places = self.objects.get((api_version, kind, name))
        if not places:
            return None
        return places.pop(0) if len(places) > 1 else places[0]


def _deepest_line(node: yaml.Node, path: list[str]) -> int:
    line = node.start_mark.line + 1
    for segment in path:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == segment), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and segment.isdigit() and int(segment) < len(node.value):
            node = node.value[int(segment)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _identity(doc: dict) -> tuple[tuple[str, str, str], str]:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return (str(doc.get("apiVersion") or ""), str(doc.get("kind") or ""), str(meta.get("name") or "")), \
        str(meta.get("namespace") or "")


def index(path: Path) -> FileIndex:
    """Every document of ``path`` (``List`` items at their List's line); unreadable files index as empty."""
    result = FileIndex(defaultdict(list))
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return result
    result.text = text
    result.separators = tuple(i for i, ln in enumerate(text.splitlines(), 1)
                              if i > 1 and ln.startswith("---") and ln[3:4] in ("", " ", "\t"))
    try:
        for doc, line in documents(text):
            if result.first_line is None:
                result.first_line = line
            if not isinstance(doc, dict):
                continue
            items = doc.get("items")
            members = items if str(doc.get("kind", "")).endswith("List") and isinstance(items, list) else [doc]
            for member in members:
                if isinstance(member, dict):
                    key, namespace = _identity(member)
                    result.objects[key].append(Place(line, namespace))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        result.yaml_error_line = mark.line + 1 if mark else None
    except yaml.YAMLError:
        pass
    return result
