"""The drift report's views: JSON is the model, text/Markdown/HTML say the same, safely, byte for byte."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from checks.drift.formats import FORMATS, markdown
from checks.drift.model import AppStatus, DriftFinding, DriftReport, FieldDiff, ObjectRef

HOSTILE = "<script>alert('x')</script> | `tick` ``two``"


def _report(*, apps: bool = True, problems: tuple[str, ...] = ()) -> DriftReport:
    quota = ObjectRef("", "ResourceQuota", "acme-shop", "tenant-quota")
    findings = [
        DriftFinding("modified", quota, "v1", "acme", "rendered/local/system/tenancy/acme/q.yaml",
                     diffs=(FieldDiff("spec.hard[requests.cpu]", "2", "4", "kubectl-edit", "2026-11-26T02:14:07Z"),
                            FieldDiff("metadata.labels.team", HOSTILE, None)),
                     unmanaged=(FieldDiff("metadata.annotations.note", None, "hand-made", "kubectl-annotate"),)),
        DriftFinding("missing", ObjectRef("networking.k8s.io", "NetworkPolicy", "acme-shop", "default-deny"),
                     "networking.k8s.io/v1", "acme", "rendered/local/system/tenancy/acme/np.yaml"),
        DriftFinding("extra", ObjectRef("", "ConfigMap", "globex-api", "stray"), "v1", "globex"),
        DriftFinding("unknown", ObjectRef("", "Secret", "platform", "s"), "v1", "",
                     reason="forbidden: cannot list secrets"),
    ]
    app_list = [AppStatus("tenant-acme", "acme", "OutOfSync", "Healthy", "0123456789abcdef", (quota,)),
                AppStatus("root", "default", "Synced", "Healthy")] if apps else []
    return DriftReport.build("local", list(reversed(findings)), app_list, checked=42, requests=17,
                             problems=list(problems))


def test_json_is_the_documented_model() -> None:
    data = json.loads(FORMATS["json"](_report()))
    assert data["schemaVersion"] == 1 and data["environment"] == "local" and data["exitCode"] == 1
    assert data["summary"] == {"checked": 42, "requests": 17, "missing": 1, "extra": 1, "modified": 1, "unknown": 1,
                               "apps": 2, "appsOutOfSync": 1}
    assert [(f["tenant"], f["object"]["kind"]) for f in data["findings"]] == [
        ("", "Secret"), ("acme", "NetworkPolicy"), ("acme", "ResourceQuota"), ("globex", "ConfigMap")]
    modified = data["findings"][2]
    assert modified["diffs"][0] == {"path": "spec.hard[requests.cpu]", "desired": "2", "live": "4",
                                    "manager": "kubectl-edit", "time": "2026-11-26T02:14:07Z"}
    assert modified["unmanaged"][0]["live"] == "hand-made"
    assert [a["name"] for a in data["apps"]] == ["root", "tenant-acme"]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_view_is_deterministic_and_names_every_finding(name: str) -> None:
    out = FORMATS[name](_report())
    assert out == FORMATS[name](_report())
    for needle in ("tenant-quota", "default-deny", "stray", "forbidden: cannot list secrets", "tenant-acme"):
        assert needle in out


def test_text_shows_values_as_json_with_who_wrote_them() -> None:
    out = FORMATS["text"](_report())
    assert 'spec.hard[requests.cpu]: git "2" -> live "4"   [kubectl-edit, 2026-11-26 02:14]' in out
    assert "metadata.labels.team: git" in out and "-> live (absent)" in out
    assert out.splitlines()[-1].startswith("drift local: 42 objects checked, 17 API requests: drift found: ")


def test_markdown_tables_survive_pipes_and_backticks() -> None:
    out = FORMATS["markdown"](_report())
    row = next(line for line in out.splitlines() if "metadata.labels.team" in line)
    assert len(re.split(r"(?<!\\)\|", row.strip())) == 6  # the value's own pipe is escaped: still four cells
    assert "\\|" in row and "```" in row  # a fence longer than the value's longest backtick run
    assert markdown.code("a`b") == "``a`b``"
    assert out.startswith("# Drift report: local\n\n**Drift found**")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_cluster_values_and_groups_by_tenant_then_kind() -> None:
    out = FORMATS["html"](_report())
    assert "<script>" not in out and "&lt;script&gt;" in out
    parsed = _Collector()
    parsed.feed(out)
    assert "script" not in parsed.tags and "link" not in parsed.tags  # self-contained: no external assets
    text = "".join(parsed.text)
    assert text.index("Platform") < text.index("Tenant acme") < text.index("Tenant globex")
    assert text.index("NetworkPolicy") < text.index("ResourceQuota")  # kinds sorted within a tenant


@pytest.mark.parametrize(("findings", "apps", "problems", "code"), [
    ([], [], (), 0),
    (["unknown"], [], (), 2),
    (["unknown", "missing"], [], (), 1),
    ([], ["OutOfSync"], (), 1),
    ([], ["Synced"], ("Argo CD unreachable",), 2),
    (["extra"], [], ("Argo CD unreachable",), 1),
])
def test_exit_codes(findings: list[str], apps: list[str], problems: tuple[str, ...], code: int) -> None:
    ref = ObjectRef("", "ConfigMap", "ns", "x")
    report = DriftReport.build("local", [DriftFinding(s, ref) for s in findings],  # type: ignore[arg-type]
                               [AppStatus("a", "p", s, "Healthy") for s in apps], problems=problems)
    assert report.exit_code() == code
