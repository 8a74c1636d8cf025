"""Run the pinned kubeconform (strict, offline schemas, never ignoring missing schemas) and parse its JSON.

kubeconform's JSON names file, kind, name and apiVersion but not the namespace or line, and its
``validationErrors`` often say only ``/spec: validation failed`` while ``msg`` carries the precise
``- at '/spec/replicas': got string, ...`` parts; we read the precise parts and fall back to the list.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field

from checks.schema_registry import schema_locations
from checks.tools import binary
from checks.validate.targets import IGNORE_PATTERNS
from generator.parallel import workers  # kubeconform goroutines: every core this process may use


class KubeconformFailed(Exception):
    """kubeconform itself broke (crash, unparsable output): validate could not run."""


@dataclass(frozen=True)
class Problem:
    """One failing field of an invalid resource: a JSON pointer and what is wrong there."""

    pointer: str
    message: str


@dataclass(frozen=True)
class Result:
    """One resource kubeconform did not find valid (it lists only those without -verbose)."""

    filename: str
    kind: str
    name: str
    api_version: str
    status: str  # statusInvalid | statusError | statusSkipped | statusEmpty
    msg: str
    problems: tuple[Problem, ...] = ()


@dataclass
class Outcome:
    """Everything one kubeconform run said: non-valid results and the summary counts."""

    results: list[Result] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(self.counts.values())


def command(arguments: list[str], kubernetes_version: str, *, locations: list[str] | None = None,
            extra: tuple[str, ...] = ()) -> list[str]:
    """The exact argv (the benchmark runs it raw, so both time the same work)."""
    argv = [str(binary("kubeconform")), "-strict", "-summary", "-output", "json", "-n", str(workers()),
            "-kubernetes-version", kubernetes_version]
    for location in locations if locations is not None else schema_locations(kubernetes_version):
        argv += ["-schema-location", location]
    for pattern in IGNORE_PATTERNS:
        argv += ["-ignore-filename-pattern", pattern]
    return [*argv, *extra, *arguments]


def run(argv: list[str]) -> Outcome:
    """Run kubeconform; exit 0/1 are answers, anything else (or garbage output) is KubeconformFailed."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise KubeconformFailed(f"kubeconform exited {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}")
    return parse(proc.stdout, proc.stderr)


def parse(stdout: str, stderr: str = "") -> Outcome:
    """kubeconform ``-output json -summary`` -> Outcome."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise KubeconformFailed(f"kubeconform printed no JSON ({exc}): {stderr.strip() or stdout[:200]}") from exc
    outcome = Outcome(counts={k: int(v) for k, v in (data.get("summary") or {}).items()})
    for r in data.get("resources") or []:
        if r.get("status") == "statusValid":
            continue
        outcome.results.append(Result(r.get("filename", ""), r.get("kind", ""), r.get("name", ""),
                                      r.get("version", ""), r.get("status", ""), r.get("msg", ""),
                                      problems(r.get("msg", ""), r.get("validationErrors") or [])))
    return outcome


_AT = re.compile(r" - at '([^']*)': ")


def problems(msg: str, validation_errors: list[dict[str, str]]) -> tuple[Problem, ...]:
    """Precise ``- at '<pointer>': <message>`` parts of msg, else validationErrors; sorted, unique."""
    parts = _AT.split(msg)
    found = [Problem(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
    if not found:
        found = [Problem(e.get("path", ""), e.get("msg", "")) for e in validation_errors]
    vague = {p for p in found if p.message == "validation failed"
             and any(q.pointer.startswith(p.pointer + "/") for q in found if q.message != "validation failed")}
    return tuple(sorted(set(found) - vague, key=lambda p: (p.pointer, p.message)))


_EXTRA = re.compile(r"^additional properties? '([^']+)' not allowed$")


def segments(problem: Problem) -> list[str]:
    """The failing field's path as keys and indexes; an unknown field ends with the field itself."""
    found = [s.replace("~1", "/").replace("~0", "~") for s in problem.pointer.split("/")[1:]]
    extra = _EXTRA.match(problem.message)
    if extra and "', '" not in extra.group(1):
        found.append(extra.group(1))
    return found


def field_path(problem: Problem) -> str:
    """JSON pointer -> our dotted path (``spec.containers[0].image``), as policy findings spell fields."""
    out = ""
    for s in segments(problem):
        out += f"[{s}]" if s.isdigit() else (f".{s}" if out else s)
    return out
