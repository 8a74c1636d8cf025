"""Gitea's REST API, the calls the review loop needs: pull requests, their comments, issues and labels.

Shapes are Gitea's own (../shared/api/gitea-swagger.json, API 1.25); tests check every request and response
against that document. The token authenticates as ``Authorization: token <t>`` and never appears in an
error message. Lists are read page by page (Gitea caps ``limit``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

API = "/api/v1"
PAGE = 50
TOKEN_ENV = "GITEA_TOKEN"


class GiteaError(Exception):
    """Gitea refused or could not be reached; the message names the call, never the token."""


@dataclass(frozen=True)
class Thread:
    """A pull request or an issue, as far as we use it."""

    number: int
    title: str
    body: str
    url: str  # html_url, for people
    state: str


def token_from(env_var: str = TOKEN_ENV, file: Path | None = None) -> str:
    """The API token from a file (first line) or an environment variable; a clear error if neither has one."""
    if file is not None:
        text = file.read_text().strip()
        if not text:
            raise GiteaError(f"{file}: empty token file")
        return text.splitlines()[0].strip()
    token = os.environ.get(env_var, "").strip()
    if not token:
        raise GiteaError(f"no Gitea token: set {env_var} or pass a token file")
    return token


def _thread(data: dict[str, Any]) -> Thread:
    return Thread(int(data["number"]), str(data.get("title") or ""), str(data.get("body") or ""),
                  str(data.get("html_url") or ""), str(data.get("state") or ""))


class Gitea:
    """One repository's API: ``Gitea(url, token).repo("platform", "platform")``-style calls take owner/repo."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=url.rstrip("/") + API, timeout=timeout, transport=transport,
                                  headers={"Authorization": f"token {token}", "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Gitea:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise GiteaError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text[:300].replace("\n", " ")
            raise GiteaError(f"{method} {path}: HTTP {response.status_code}: {detail}")
        return response.json() if response.content else None

    def _pages(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self._call("GET", path, params={**params, "page": page, "limit": PAGE})
            found += batch or []
            if not batch or len(batch) < PAGE:
                return found
            page += 1

    # --- pull requests ------------------------------------------------------------------------------------

    def open_pull(self, owner: str, repo: str, head: str, base: str) -> Thread | None:
        """The open pull request from branch ``head`` into ``base``, if there is one."""
        for pr in self._pages(f"/repos/{owner}/{repo}/pulls", {"state": "open"}):
            if pr.get("head", {}).get("ref") == head and pr.get("base", {}).get("ref") == base:
                return _thread(pr)
        return None

    def create_pull(self, owner: str, repo: str, head: str, base: str, title: str, body: str) -> Thread:
        return _thread(self._call("POST", f"/repos/{owner}/{repo}/pulls",
                                  body={"head": head, "base": base, "title": title, "body": body}))

    def edit_pull(self, owner: str, repo: str, number: int, title: str, body: str) -> Thread:
        change = {"title": title, "body": body}
        return _thread(self._call("PATCH", f"/repos/{owner}/{repo}/pulls/{number}", body=change))

    # --- comments (a pull request is an issue to the comments API) ---------------------------------------

    def upsert_comment(self, owner: str, repo: str, number: int, marker: str, body: str) -> int:
        """Our comment on issue/PR ``number``: the one containing ``marker`` is edited, else one is added.
        Returns the comment's id."""
        text = f"{marker}\n{body}"
        for comment in self._call("GET", f"/repos/{owner}/{repo}/issues/{number}/comments") or []:
            if marker in str(comment.get("body") or ""):
                self._call("PATCH", f"/repos/{owner}/{repo}/issues/comments/{comment['id']}", body={"body": text})
                return int(comment["id"])
        return int(self._call("POST", f"/repos/{owner}/{repo}/issues/{number}/comments", body={"body": text})["id"])

    # --- issues and labels -------------------------------------------------------------------------------

    def label_id(self, owner: str, repo: str, name: str, color: str = "#e11d21") -> int:
        """The id of label ``name``, created if the repository lacks it."""
        for label in self._pages(f"/repos/{owner}/{repo}/labels", {}):
            if label.get("name") == name:
                return int(label["id"])
        created = self._call("POST", f"/repos/{owner}/{repo}/labels", body={"name": name, "color": color})
        return int(created["id"])

    def open_issues(self, owner: str, repo: str, label: str) -> list[Thread]:
        """Open issues labelled ``label``. Gitea discards a label the repository lacks from the ``labels`` filter,
        and with none left it filters nothing: every issue's own labels are checked here."""
        issues = self._pages(f"/repos/{owner}/{repo}/issues", {"state": "open", "type": "issues", "labels": label})
        return [_thread(i) for i in issues if label in {str(x.get("name")) for x in i.get("labels") or []}]

    def create_issue(self, owner: str, repo: str, title: str, body: str, labels: list[int]) -> Thread:
        return _thread(self._call("POST", f"/repos/{owner}/{repo}/issues",
                                  body={"title": title, "body": body, "labels": labels}))

    def edit_issue(self, owner: str, repo: str, number: int, *, body: str | None = None,
                   state: str | None = None) -> Thread:
        change = {k: v for k, v in (("body", body), ("state", state)) if v is not None}
        return _thread(self._call("PATCH", f"/repos/{owner}/{repo}/issues/{number}", body=change))
