"""A real Gitea 1.25 (tests/gitea_server.py): repository, git push over HTTP, pull request, labelled issue.

The binary comes from tools/install.py (a cold build takes minutes; a failed build fails here, never skips).
Every JSON answer is checked against the API document the project codes against (../shared/api/gitea-swagger.json,
info.version 1.25): each documented field it carries has the documented type. Not strictly (tests/swagger.py's
"no field the swagger lacks"): the real server sends more than that document has (Repository.topics, has_actions,
User.login_name, Label.exclusive, PullRequest.draft, ...; it has 199 paths and 160 definitions where the
templates/swagger/v1_json.tmpl of the v1.25.5 module has 299 and 216), and even Gitea's own swagger omits
User.username, which the server sends.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from tests.gitea_server import GiteaServer
from tests.swagger import wire_schema

SWAGGER = json.loads((Path(__file__).resolve().parents[2] / "shared" / "api" / "gitea-swagger.json").read_text())


@pytest.fixture(scope="module")
def api(gitea: GiteaServer) -> Iterator[httpx.Client]:
    with gitea.client() as client:
        yield client


def _lenient(node: Any) -> Any:
    """The schema without ``additionalProperties: false`` and with every property nullable.

    Documented fields are type-checked, others allowed; Go sends an unset pointer (closed_at, milestone,
    assignee, pull_request, due_date, ...) as null, which swagger 2.0 cannot say.
    """
    if isinstance(node, list):
        return [_lenient(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _lenient(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node.get("properties"), dict):
        out["properties"] = {name: {"anyOf": [_lenient(v), {"type": "null"}]} for name, v in node["properties"].items()}
    return out


@functools.cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_lenient(wire_schema(SWAGGER, definition)),
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def validate(definition: str, body: Any) -> None:
    errors = sorted(_validator(definition).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def _json(response: httpx.Response, status: int, definition: str) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body = response.json()
    validate(definition, body)
    return body


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
           "GIT_AUTHOR_NAME": "Platform Test", "GIT_AUTHOR_EMAIL": "test@example.test",
           "GIT_COMMITTER_NAME": "Platform Test", "GIT_COMMITTER_EMAIL": "test@example.test"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def test_version_and_token(gitea: GiteaServer, api: httpx.Client) -> None:
    assert _json(httpx.get(f"{gitea.api_url}/version"), 200, "ServerVersion") == {"version": "1.25.5"}
    user = _json(api.get("/user"), 200, "User")
    assert (user["login"], user["is_admin"]) == (gitea.admin, True)
    assert api.get("/user", headers={"Authorization": "token not-a-token"}).status_code == 401


def test_repository_push_and_pull_request(gitea: GiteaServer, api: httpx.Client, tmp_path: Path) -> None:
    # auto_init renders options/readme/Default from the module source: the on-disk assets are found
    repo = _json(api.post("/user/repos", json={"name": "demo", "auto_init": True, "default_branch": "main",
                                                "readme": "Default", "description": "platformctl test"}),
                 201, "Repository")
    assert (repo["full_name"], repo["default_branch"], repo["empty"]) == (f"{gitea.admin}/demo", "main", False)

    clone = tmp_path / "demo"
    _git(tmp_path, "clone", gitea.git_url(gitea.admin, "demo"), str(clone))
    assert "# demo" in (clone / "README.md").read_text()
    _git(clone, "checkout", "-b", "feature")
    (clone / "platform.yaml").write_text("tenants: []\n")
    _git(clone, "add", "platform.yaml")
    _git(clone, "commit", "-m", "Add platform.yaml")
    _git(clone, "push", "origin", "feature")
    head = _git(clone, "rev-parse", "HEAD").strip()

    branch = _json(api.get(f"/repos/{gitea.admin}/demo/branches/feature"), 200, "Branch")
    assert branch["commit"]["id"] == head

    created = _json(api.post(f"/repos/{gitea.admin}/demo/pulls",
                             json={"head": "feature", "base": "main", "title": "Add the platform",
                                   "body": "rendered by platformctl"}), 201, "PullRequest")
    pull = _json(api.get(f"/repos/{gitea.admin}/demo/pulls/{created['number']}"), 200, "PullRequest")
    assert (pull["title"], pull["body"], pull["state"]) == ("Add the platform", "rendered by platformctl", "open")
    assert (pull["head"]["ref"], pull["head"]["sha"], pull["base"]["ref"]) == ("feature", head, "main")
    assert pull["mergeable"] is True  # queues run inline: the conflict check is done when the pull is created


def _json_list(response: httpx.Response, definition: str) -> list[Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    for item in body:
        validate(definition, item)
    return list(body)


def test_issue_with_label(gitea: GiteaServer, api: httpx.Client) -> None:
    _json(api.post("/user/repos", json={"name": "issues", "auto_init": True}), 201, "Repository")
    label = _json(api.post(f"/repos/{gitea.admin}/issues/labels",
                           json={"name": "drift", "color": "#e11d21", "description": "rendered tree differs"}),
                  201, "Label")
    issue = _json(api.post(f"/repos/{gitea.admin}/issues/issues",
                           json={"title": "Drift in prod", "body": "see the diff", "labels": [label["id"]]}),
                  201, "Issue")
    read = _json(api.get(f"/repos/{gitea.admin}/issues/issues/{issue['number']}"), 200, "Issue")
    assert (read["title"], read["state"]) == ("Drift in prod", "open")
    assert [(x["name"], x["color"]) for x in read["labels"]] == [("drift", "e11d21")]
    found = _json_list(api.get(f"/repos/{gitea.admin}/issues/issues", params={"labels": "drift", "state": "open"}),
                       "Issue")
    assert [i["number"] for i in found] == [issue["number"]]
