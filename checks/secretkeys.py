"""Which records an environment's secret store must hold, read from the ExternalSecrets of its rendered tree.

Pure: manifests in, records out. A record is a remote key; it must carry every property some ExternalSecret
reads (``spec.data[].remoteRef.property``). ``ALL`` stands for the whole record: ``spec.dataFrom[].extract``
and a ``remoteRef`` without ``property`` take every property there is. Entries are matched to a store as
external-secrets does: ``sourceRef.storeRef`` of the entry, else ``spec.secretStoreRef`` (kind defaulting to
``SecretStore``); entries from generators or other stores (the per-database ``ClusterSecretStore`` copying
a CNPG Secret in-cluster) are no store records, and an ExternalSecret with none is counted as ``copied``.
Nothing is guessed: an entry whose record cannot be named is a ``ManifestError`` naming file and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checks.manifests import Manifest, ManifestError

GROUP = "external-secrets.io"
KIND = "ExternalSecret"
ALL = "*"
DEFAULT_STORE_KIND = "SecretStore"  # external-secrets' default for secretStoreRef.kind


@dataclass(frozen=True, order=True, slots=True)
class Store:
    kind: str
    name: str


@dataclass(frozen=True, order=True, slots=True)
class Reader:
    """An ExternalSecret reading a record, and the Secret it writes."""

    namespace: str
    name: str
    secret: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name} -> {self.secret}"


@dataclass(frozen=True, slots=True)
class Record:
    """One remote key: each property with the ExternalSecrets reading it (all sorted)."""

    key: str
    properties: tuple[tuple[str, tuple[Reader, ...]], ...]

    @property
    def readers(self) -> tuple[Reader, ...]:
        return tuple(sorted({r for _, readers in self.properties for r in readers}))


@dataclass(frozen=True, slots=True)
class StoreRecords:
    environment: str
    store: Store
    records: tuple[Record, ...]
    copied: int  # ExternalSecrets reading only from other stores (in-cluster copies)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document; every list sorted, so the bytes only change when the tree does."""
        return {
            "environment": self.environment,
            "store": {"kind": self.store.kind, "name": self.store.name},
            "records": [{
                "key": record.key,
                "properties": [name for name, _ in record.properties],
                "readers": [{"namespace": r.namespace, "name": r.name, "secret": r.secret} for r in record.readers],
            } for record in self.records],
            "copied": self.copied,
        }


def is_external_secret(manifest: Manifest) -> bool:
    return manifest.kind == KIND and manifest.api_version.split("/")[0] == GROUP


class _Entries:
    """(key, property) reads of one ExternalSecret from ``store``; problems named ``file:line: field: why``."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.problems: list[str] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(f"{self.manifest.file}:{self.manifest.line}: {field}: {message}")

    def store_ref(self, value: Any, field: str) -> Store | None:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
            self.fail(f"{field}.name", "missing: the store this ExternalSecret reads from")
            return None
        kind = value.get("kind", DEFAULT_STORE_KIND)
        if not isinstance(kind, str):
            self.fail(f"{field}.kind", f"must be a string, not {kind!r}")
            return None
        return Store(kind, value["name"])

    def entry_store(self, entry: dict[str, Any], field: str, default: Store | None) -> Store | None:
        """The entry's store; None (and no problem) for a generator, which no store has to hold."""
        source = entry.get("sourceRef")
        if isinstance(source, dict) and "generatorRef" in source:
            return None
        if isinstance(source, dict) and "storeRef" in source:
            return self.store_ref(source["storeRef"], f"{field}.sourceRef.storeRef")
        if default is None:
            self.fail("spec.secretStoreRef", "missing, and the entry has no sourceRef.storeRef")
        return default

    def remote(self, ref: Any, field: str) -> tuple[str, str] | None:
        if not isinstance(ref, dict):
            self.fail(field, "missing: names the record (key) and its property")
            return None
        key, prop = ref.get("key"), ref.get("property")
        if not isinstance(key, str) or not key:
            self.fail(f"{field}.key", "missing: the record to read")
            return None
        if prop is not None and (not isinstance(prop, str) or not prop):
            self.fail(f"{field}.property", f"must be a non-empty string, not {prop!r}")
            return None
        return key, prop or ALL

    def reads(self, store: Store) -> tuple[list[tuple[str, str]], bool]:
        """The reads from ``store``, and whether the ExternalSecret reads from any store at all."""
        spec = self.manifest.obj.get("spec")
        if not isinstance(spec, dict):
            self.fail("spec", "missing or not a mapping")
            return [], False
        default = self.store_ref(spec["secretStoreRef"], "spec.secretStoreRef") if "secretStoreRef" in spec else None
        found: list[tuple[str, str]] = []
        any_store = False
        for section, ref_field in (("data", "remoteRef"), ("dataFrom", "extract")):
            entries = spec.get(section) or []
            if not isinstance(entries, list):
                self.fail(f"spec.{section}", "must be a list")
                continue
            for i, entry in enumerate(entries):
                field = f"spec.{section}[{i}]"
                if not isinstance(entry, dict):
                    self.fail(field, "must be a mapping")
                    continue
                source = self.entry_store(entry, field, default)
                if source is None:
                    continue
                any_store = True
                if section == "dataFrom" and ref_field not in entry:
                    if source == store:  # find by name or tags: the records cannot be named from git
                        self.fail(field, "reads no named record (only dataFrom[].extract can be listed)")
                    continue
                read = self.remote(entry.get(ref_field), f"{field}.{ref_field}")
                if read is not None and source == store:
                    found.append(read)
        return found, any_store


def records(environment: str, store: Store, manifests: Iterable[Manifest]) -> StoreRecords:
    """The records ``store`` must hold for ``manifests``; raises ManifestError listing every malformed field."""
    reads: dict[str, dict[str, set[Reader]]] = {}
    copied = 0
    problems: list[str] = []
    for manifest in manifests:
        if not is_external_secret(manifest):
            continue
        entries = _Entries(manifest)
        found, any_store = entries.reads(store)
        problems += entries.problems
        if not found and any_store:
            copied += 1
            continue
        target = manifest.obj.get("spec", {}).get("target") if isinstance(manifest.obj.get("spec"), dict) else None
        secret = target.get("name") if isinstance(target, dict) and target.get("name") else manifest.name
        reader = Reader(manifest.namespace, manifest.name, str(secret))
        for key, prop in found:
            reads.setdefault(key, {}).setdefault(prop, set()).add(reader)
    if problems:
        raise ManifestError(problems)
    result = tuple(Record(key, tuple((prop, tuple(sorted(readers))) for prop, readers in sorted(props.items())))
                   for key, props in sorted(reads.items()))
    return StoreRecords(environment, store, result, copied)
