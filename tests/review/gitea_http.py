"""FakeGitea behind a real HTTP server on 127.0.0.1, for commands that run as separate processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.review.gitea_contract import FakeGitea


@contextmanager
def serve(fake: FakeGitea) -> Iterator[str]:
    """The fake's base URL while the block runs; every request goes through the fake's swagger checks."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            content = self.rfile.read(length) if length else b""
            url = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers), content=content)
            with lock:
                try:
                    response = fake(request)
                except AssertionError as exc:  # a contract violation: visible to the test through fake.errors
                    fake.errors.append(str(exc))
                    response = httpx.Response(500, json={"message": "contract violation"})
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
