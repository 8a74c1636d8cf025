"""Policy over files on disk: parse, index and judge in shards, one process per core.

Parsing is most of the work (LibYAML composing nodes, then building dicts), and pickling tens of
thousands of parsed objects back into one process would cost half as much again. So each worker keeps
its shard for the whole run: it parses and indexes it, sends the small ``Index``, receives the merged
``Context`` and sends back only findings. Shards interleave the files (every count-th one), so heavy and
light directories (workloads, guardrails) spread evenly. Meanwhile the parent loads the blueprints
(``PlatformFacts``), which would otherwise be a second serial step. Findings are sorted and the merged
indexes are sets and lookups, so the Report is the same for any number of workers (and byte-identical to
the one-process path).
"""

from __future__ import annotations

import contextlib
import datetime
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from checks.findings import Finding, Report
from checks.manifests import ManifestError, entries, load_entries
from checks.policy import context as context_mod
from checks.policy.engine import Suppressed, judge, report
from checks.policy.exemptions import NONE, Exemptions
from checks.policy.facts import PlatformFacts
from generator.parallel import workers

FactsSource = PlatformFacts | None | Callable[[], PlatformFacts | None]
PARALLEL_FROM = 2000  # files; below that forking workers costs more than it saves


def _resolve(facts: FactsSource) -> PlatformFacts:
    value = facts() if callable(facts) else facts
    return value or PlatformFacts()


def check(paths: Iterable[Path], *, today: datetime.date, relative_to: Path | None = None,
          facts: FactsSource = None, exemptions: Exemptions = NONE, shards: int | None = None) -> Report:
    """Judge every manifest under ``paths``.

    ``facts`` may be a callable: it is called once, while the shards parse (its exceptions, e.g. a
    BlueprintError, propagate). Raises ManifestError naming every unreadable file.
    """
    files = entries(paths, relative_to)
    count = shards if shards is not None else (workers() if len(files) >= PARALLEL_FROM else 1)
    if count < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _in_process(files, facts, exemptions, today)
    parts = [files[i::count] for i in range(count)]  # interleaved: every shard gets each directory's mix
    return _in_workers(parts, len(files), facts, exemptions, today)


def _in_process(files: list[tuple[str, str]], facts: FactsSource, exemptions: Exemptions,
                today: datetime.date) -> Report:
    platform = _resolve(facts)  # blueprint errors first, as in the parallel path
    manifests, problems = load_entries(files)
    if problems:
        raise ManifestError(problems)
    ctx = context_mod.build(manifests, platform)
    findings, suppressed = judge(manifests, ctx, exemptions.active(today))
    return report(findings, suppressed, exemptions, today, objects=len(manifests), files=len(files))


def _in_workers(parts: list[list[tuple[str, str]]], files: int, facts: FactsSource, exemptions: Exemptions,
                today: datetime.date) -> Report:
    started: list[tuple[int, Connection]] = []
    finished = False
    try:
        for part in parts:
            started.append(_start(part, [conn for _, conn in started]))
        platform = _resolve(facts)
        indexed = [_receive(conn) for _, conn in started]
        problems = [p for kind, payload, _ in indexed if kind == "problems" for p in payload]
        if problems:
            raise ManifestError(problems)
        shards = [payload for _, payload, _ in indexed]
        suspects = context_mod.shared_hashes(shards)
        for _, conn in started:
            conn.send(suspects)
        across = [found for _, conn in started for found in _receive(conn)[1]]
        ctx = context_mod.merge(shards, platform, across)
        message = pickle.dumps((ctx, exemptions.active(today)), pickle.HIGHEST_PROTOCOL)  # once, not per worker
        for _, conn in started:
            conn.send_bytes(message)
        findings: list[Finding] = []
        suppressed: list[Suppressed] = []
        for _, conn in started:
            _, (found, exempted), _ = _receive(conn)
            findings.extend(found)
            suppressed.extend(exempted)
        finished = True
    finally:
        for pid, conn in started:
            _stop(pid, conn, finished=finished)
    objects = sum(count for _, _, count in indexed)
    return report(findings, suppressed, exemptions, today, objects=objects, files=files)


def _receive(conn: Connection) -> tuple[str, Any, int]:
    try:
        kind, payload, count = conn.recv()
    except EOFError:
        raise RuntimeError("a policy worker process died (out of memory?)") from None
    if kind == "crash":
        raise RuntimeError(f"a policy worker failed:\n{payload}")
    return kind, payload, count


def _serve(conn: Connection, part: list[tuple[str, str]], inherited: list[Connection]) -> None:
    """Worker entry point: run the protocol, report a crash, and exit without tearing the heap down."""
    for other in inherited:
        other.close()
    try:
        _protocol(conn, part)
    except (EOFError, BrokenPipeError):
        pass  # the parent gave up (bad blueprints, another shard's bad YAML) and closed the pipe
    except BaseException:  # reported to the parent, which raises it
        with contextlib.suppress(OSError):
            conn.send(("crash", traceback.format_exc(), 0))
    finally:
        conn.close()
    os._exit(0)  # skip freeing the shard object by object (~0.1 s): the parent waits for this exit


def _protocol(conn: Connection, part: list[tuple[str, str]]) -> None:
    """Parse and index the shard, say where its cross-shard suspects are, judge it against the Context."""
    manifests, problems = load_entries(part)
    if problems:
        conn.send(("problems", problems, 0))
        return
    conn.send(("index", context_mod.index(manifests), len(manifests)))
    conn.send(("places", context_mod.places_of(manifests, conn.recv()), 0))
    ctx, active = pickle.loads(conn.recv_bytes())
    conn.send(("findings", judge(manifests, ctx, active), len(manifests)))


def _start(part: list[tuple[str, str]], siblings: list[Connection]) -> tuple[int, Connection]:
    """Fork a worker for ``part``; returns its pid and the parent's end of its pipe.

    A plain fork rather than ``multiprocessing.Process``: that one joins every child at interpreter exit,
    and a worker that dropped a 150 MB heap takes ~50 ms to be gone, for nothing. The child closes its
    copies of the parent's pipe ends (its own and those of the workers forked before it): a copy left open
    would hide the parent's close, and a worker waiting for the Context would never see EOF.
    """
    ours, theirs = multiprocessing.Pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            _serve(theirs, part, [ours, *siblings])
        finally:
            os._exit(1)  # _serve exits itself; this only catches the impossible
    theirs.close()
    return pid, ours


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _stop(pid: int, conn: Connection, *, finished: bool) -> None:
    """Close our end; a finished worker is reaped in the background, any other is killed and reaped now."""
    conn.close()
    if finished:
        threading.Thread(target=_reap, args=(pid,), daemon=True).start()
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)
