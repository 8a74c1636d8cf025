"""Validate paths: kubeconform and kustomize side by side, their results as one ``Report``."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checks.findings import Finding, Report, RuleInfo
from checks.manifests import shown_path
from checks.validate import kubeconform, kustomize, locate
from checks.validate.targets import UnreadablePath, collect

SCHEMA_INVALID = RuleInfo("schema-invalid", "error", "Objects must match their kind's schema (strict: no unknown "
                          "fields, no duplicate keys)", "Fix or remove the field named in the finding.")
SCHEMA_MISSING = RuleInfo("schema-missing", "error", "Every kind must have a schema: an unknown kind is an error, "
                          "never skipped", "Fix apiVersion/kind, or vendor the CRD's schema into checks/schemas "
                          "(python -m checks.schemagen).")
MANIFEST_ERROR = RuleInfo("manifest-error", "error", "Files must parse as Kubernetes objects (YAML with apiVersion "
                          "and kind)", "Fix the YAML syntax or add the missing apiVersion/kind.")
KUSTOMIZE_BUILD = RuleInfo("kustomize-build", "error", "Every kustomization must build, as Argo CD will build it",
                           "Run `kustomize build <dir>` and fix its kustomization.yaml or the files it lists.")
RULES = (SCHEMA_INVALID, SCHEMA_MISSING, MANIFEST_ERROR, KUSTOMIZE_BUILD)


class ValidateError(Exception):
    """validate could not run (unreadable path, kubeconform broke); the CLI exits 2."""


def validate(paths: list[Path], kubernetes_version: str, *, relative_to: Path | None = None,
             locations: list[str] | None = None, extra: tuple[str, ...] = (), kustomize_builds: bool = True) -> Report:
    """Check every manifest and kustomization under ``paths``; raises MissingTool, MissingSchemas, ValidateError."""
    try:
        targets = collect(paths)
    except UnreadablePath as exc:
        raise ValidateError(str(exc)) from exc
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        argv = kubeconform.command(targets.arguments, kubernetes_version, locations=locations, extra=extra)
        pending = pool.submit(kubeconform.run, argv) if targets.arguments else None
        failures = kustomize.build_all(list(dict.fromkeys(targets.kustomize_dirs))) if kustomize_builds else []
        try:
            outcome = pending.result() if pending else kubeconform.Outcome()
        except kubeconform.KubeconformFailed as exc:
            raise ValidateError(str(exc)) from exc
    findings += schema_findings(outcome, kubernetes_version, relative_to)
    findings += [Finding(KUSTOMIZE_BUILD.id, "error", f.message, shown_path(f.directory, relative_to),
                         KUSTOMIZE_BUILD.remediation) for f in failures]
    return Report.build("validate", RULES, findings, objects=outcome.resources, files=len(targets.files))


def schema_findings(outcome: kubeconform.Outcome, kubernetes_version: str,
                    relative_to: Path | None = None) -> list[Finding]:
    """kubeconform's non-valid results -> findings with line, namespace and field path where we can tell."""
    indexes: dict[str, locate.FileIndex] = {}
    findings: list[Finding] = []
    for r in outcome.results:
        index = indexes.get(r.filename) or indexes.setdefault(r.filename, locate.index(Path(r.filename)))
        place = index.take(r.api_version, r.kind, r.name)
        shown = shown_path(Path(r.filename), relative_to)
        line = place.line if place else index.yaml_error_line or index.first_line
        common = {"file": shown, "line": line, "kind": r.kind, "api_version": r.api_version,
                  "namespace": place.namespace if place else "", "name": r.name}
        duplicates = _DUPLICATE_KEY.findall(r.msg)
        if duplicates:  # -strict: kubeconform reports them as a parse error, but they are invalid content
            for number, key in duplicates:
                at = index.document_base(place.line) + int(number) - 1 if place and place.line else line
                findings.append(Finding(SCHEMA_INVALID.id, "error", f"duplicate key {key.strip(chr(34))}",
                                        remediation=SCHEMA_INVALID.remediation, **{**common, "line": at}))
        elif r.status == "statusInvalid" or r.msg.startswith("prohibited resource kind"):
            for p in r.problems or (kubeconform.Problem("", r.msg),):
                at = index.field_line(place.line, kubeconform.segments(p)) if place else line
                findings.append(Finding(SCHEMA_INVALID.id, "error", p.message, remediation=SCHEMA_INVALID.remediation,
                                        field=kubeconform.field_path(p) or None, **{**common, "line": at}))
        elif r.msg.startswith("could not find schema") or r.status == "statusSkipped":
            findings.append(Finding(SCHEMA_MISSING.id, "error",
                                    f"no schema for {r.api_version or '?'} {r.kind} (Kubernetes {kubernetes_version} "
                                    "core schemas, checks/schemas/crds)", remediation=SCHEMA_MISSING.remediation,
                                    **common))
        else:
            findings.append(Finding(MANIFEST_ERROR.id, "error", _parse_message(r.msg, index.yaml_error_line),
                                    remediation=MANIFEST_ERROR.remediation, **common))
    skipped = outcome.counts.get("skipped", 0) - sum(r.status == "statusSkipped" for r in outcome.results)
    if skipped > 0:  # kubeconform lists skipped objects only with -verbose; never let one pass silently
        findings.append(Finding(SCHEMA_MISSING.id, "error", f"{skipped} object(s) skipped without a schema check",
                                "", SCHEMA_MISSING.remediation))
    return findings


_DUPLICATE_KEY = re.compile(r'line (\d+): key ("[^"]*"|\S+) already set in map')
_YAML_LINE = re.compile(r"yaml: line \d+: (.*)$")


def _parse_message(msg: str, our_line: int | None) -> str:
    """kubeconform counts YAML lines per document; when we know the file's line, drop its misleading one."""
    found = _YAML_LINE.search(msg)
    if found and our_line:
        return f"invalid YAML: {found.group(1)}"
    return msg.removeprefix("error while parsing: ")


