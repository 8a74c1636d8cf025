"""A real Gitea (tools/install.py gitea: v1.25.5, backend only, sqlite) on 127.0.0.1 for tests.

``start_gitea(work_dir)`` writes an app.ini into ``work_dir`` (sqlite database, repositories, logs, all inside it;
INSTALL_LOCK so no install page; no SSH, mail, LFS or Actions; queues run inline), starts ``gitea web`` on a free
loopback port, waits until GET /api/v1/version answers, then creates an admin user and an access token (scopes
"all") with Gitea's own CLI against the same config. ``GiteaServer.stop()`` sends SIGTERM (Gitea shuts down
gracefully) and waits. ``running_gitea(work_dir)`` does both around a ``with`` block.

What the binary needs at run time: it is built without the ``bindata`` tag, so it reads options/ (README, license,
.gitignore and label templates, locales) and templates/ from STATIC_ROOT_PATH; that is the module's source in the
Go module cache (``go list -m -f {{.Dir}} code.gitea.io/gitea`` in tools/gitea/, which downloads it if the cache
was cleaned). public/ has no built CSS/JS there, so the web UI is unusable; the REST API and git over HTTP work.
git must be on PATH (pushes run Gitea's hooks, which call back into its internal API). As root (CI), Gitea
refuses to start unless the config says I_AM_BEING_UNSAFE_RUNNING_AS_ROOT and RUN_USER is root.
"""

from __future__ import annotations

import getpass
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from checks import tools

REPO = Path(__file__).resolve().parent.parent
INSTALL = REPO / "tools" / "install.py"
WRAPPER = REPO / "tools" / "gitea"
ADMIN = "platform-admin"
ADMIN_EMAIL = "platform-admin@example.test"


def install_gitea() -> Path:
    """Build (or reuse from the cache) the pinned Gitea through tools/install.py; a failed build raises."""
    subprocess.run([sys.executable, str(INSTALL), "gitea"], cwd=REPO, check=True)
    return tools.binary("gitea")


def gitea_assets() -> Path:
    """The Gitea module's source directory (options/, templates/) in the Go module cache."""
    env = {**os.environ, "GOFLAGS": "-mod=readonly"}
    done = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", "code.gitea.io/gitea"], cwd=WRAPPER, env=env,
                          capture_output=True, text=True, check=True)
    path = Path(done.stdout.strip())
    if not (path / "options" / "readme").is_dir() or not (path / "templates").is_dir():
        raise RuntimeError(f"no options/ and templates/ in {path}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(work_dir: Path, port: int, assets: Path) -> Path:
    """app.ini for a throwaway instance; every path inside ``work_dir``. Gitea adds a generated JWT_SECRET."""
    config = work_dir / "custom" / "conf" / "app.ini"
    config.parent.mkdir(parents=True, exist_ok=True)
    user = getpass.getuser()
    root = "I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true\n" if os.getuid() == 0 else ""
    url = f"http://127.0.0.1:{port}/"
    config.write_text(f"""APP_NAME = platformctl-test
RUN_MODE = prod
RUN_USER = {user}
WORK_PATH = {work_dir}
{root}
[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = {port}
ROOT_URL = {url}
LOCAL_ROOT_URL = {url}
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = {assets}
APP_DATA_PATH = {work_dir / "data"}

[database]
DB_TYPE = sqlite3
PATH = {work_dir / "data" / "gitea.db"}

[repository]
ROOT = {work_dir / "repositories"}

[security]
INSTALL_LOCK = true
SECRET_KEY = {secrets.token_hex(32)}
INTERNAL_TOKEN = {secrets.token_urlsafe(48)}
PASSWORD_HASH_ALGO = pbkdf2_hi

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true

[queue]
TYPE = immediate

[indexer]
ISSUE_INDEXER_TYPE = db

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[actions]
ENABLED = false

[cron]
ENABLED = false

[log]
MODE = console
LEVEL = warn
ROOT_PATH = {work_dir / "log"}
""")
    return config


@dataclass
class GiteaServer:
    """A running Gitea: its URL, the admin's credentials and token, and how to reach its CLI."""

    url: str
    binary: Path
    work_dir: Path
    config: Path
    process: subprocess.Popen[bytes]
    log: Path
    admin: str = ADMIN
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    token: str = ""
    startup_seconds: float = 0.0

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1"

    def client(self) -> httpx.Client:
        """An httpx client for /api/v1 authenticated with the admin's token."""
        return httpx.Client(base_url=self.api_url, headers={"Authorization": f"token {self.token}"}, timeout=30)

    def git_url(self, owner: str, repo: str) -> str:
        """HTTP clone URL carrying the admin and token (Gitea accepts a token as the password)."""
        return f"http://{self.admin}:{self.token}@{self.url.removeprefix('http://')}/{owner}/{repo}.git"

    def cli(self, *args: str) -> str:
        """Run ``gitea <args>`` against this instance's config; its stdout (logs go to stderr)."""
        done = subprocess.run([str(self.binary), "--config", str(self.config), "--work-path", str(self.work_dir),
                               *args], env=_env(self.work_dir), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"gitea {' '.join(args[:3])} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then wait for Gitea's graceful shutdown (SIGKILL past ``timeout``); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _env(work_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITEA")}
    return {**env, "GITEA_WORK_DIR": str(work_dir), "GITEA_CUSTOM": str(work_dir / "custom"),
            "HOME": str(work_dir / "home")}


def _wait_for_version(server: GiteaServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gitea exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.api_url}/version", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gitea did not answer /api/v1/version within {timeout}s:\n{server.log_tail()}")


def start_gitea(work_dir: Path, binary: Path | None = None, timeout: float = 60) -> GiteaServer:
    """Start Gitea in ``work_dir`` (created; should be empty) with an admin and a token; see the module doc."""
    binary = binary or install_gitea()
    assets = gitea_assets()
    work_dir = work_dir.resolve()
    (work_dir / "home").mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # the free port can be taken between probing and binding
        port = free_port()
        config = write_config(work_dir, port, assets)
        log = work_dir / f"gitea-{attempt}.log"
        started = time.monotonic()
        with log.open("wb") as out:
            process = subprocess.Popen([str(binary), "web", "--config", str(config), "--work-path", str(work_dir)],
                                       env=_env(work_dir), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        server = GiteaServer(url=f"http://127.0.0.1:{port}", binary=binary, work_dir=work_dir, config=config,
                             process=process, log=log)
        try:
            _wait_for_version(server, timeout)
        except RuntimeError:
            server.stop()
            if "address already in use" in server.log_tail() and attempt < 2:
                continue
            raise
        server.startup_seconds = time.monotonic() - started
        try:
            server.cli("admin", "user", "create", "--admin", "--username", server.admin, "--password",
                       server.password, "--email", ADMIN_EMAIL, "--must-change-password=false")
            server.token = server.cli("admin", "user", "generate-access-token", "--username", server.admin,
                                      "--token-name", "platformctl-tests", "--scopes", "all",
                                      "--raw").strip().splitlines()[-1]
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")


@contextmanager
def running_gitea(work_dir: Path, binary: Path | None = None) -> Iterator[GiteaServer]:
    """A started Gitea for the ``with`` block, stopped after it."""
    server = start_gitea(work_dir, binary)
    try:
        yield server
    finally:
        server.stop()
