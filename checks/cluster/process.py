"""Detached server processes: start one, tell whether it is still the one we started, stop it.

`platformctl cluster up` returns while etcd and kube-apiserver keep running, so they run in their own session
(a Ctrl-C in the shell that started them does not reach them) with output going to a log file. A pid alone
could be reused by an unrelated process after a reboot; the kernel's start time (/proc/<pid>/stat) is
recorded with it, and nothing is signalled unless both still match.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL


@dataclass(frozen=True)
class Proc:
    """A started server: its pid and kernel start time (None where /proc is unavailable)."""

    pid: int
    start_time: int | None


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _start_time(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[19]) if fields else None  # field 22 of stat(5); fields here start at field 3


def spawn(command: list[str], log: Path) -> Proc:
    """Start `command` in a new session, stdin closed, stdout and stderr appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True, close_fds=True)
    return Proc(child.pid, _start_time(child.pid))


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our own child (the pytest fixture's case), so it is not a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def alive(proc: Proc) -> bool:
    """Whether `proc` is still running and is still the process we started."""
    _reap(proc.pid)
    try:
        os.kill(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now holds the pid
        return False
    fields = _stat(proc.pid)
    if fields is None:
        return proc.start_time is None
    return fields[0] != "Z" and int(fields[19]) == proc.start_time


def stop(proc: Proc, grace: float = STOP_GRACE) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL; a process that is not ours is left alone."""
    if not alive(proc):
        return
    os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(proc):
            return
        time.sleep(0.05)
    if alive(proc):
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + grace
        while alive(proc) and time.monotonic() < deadline:
            time.sleep(0.05)


def log_tail(log: Path, lines: int = 25) -> str:
    """The last lines of a server's log, for error messages."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"(no log at {log})"
    tail = text.splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in tail) if tail else f"(empty log {log})"
