"""generator.loader.load: every rejection names file:line:col, the field and what to do about it.

Each test starts from a copy of the valid example platform (the ``repo`` fixture), writes one file
literally, and asserts exactly what is reported. Line 1 of a written file is the line right after
the opening quotes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest

from generator.errors import BlueprintError, Problem
from generator.loader import load
from generator.model.image import ImageRef, parse_image, registry_allowed
from generator.yamlsource import MAX_NODES
from tests.support import tree_digest

EXAMPLE_ROOT = Path(__file__).resolve().parent.parent


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def problems(root: Path) -> list[Problem]:
    with pytest.raises(BlueprintError) as info:
        load(root)
    return info.value.problems


def where(problem: Problem) -> str:
    """``path:line:col: field`` -- everything but the message."""
    return f"{problem.path}:{problem.line}:{problem.column}: {problem.field}"


def only(root: Path) -> Problem:
    """The one problem of a repo broken in one place (more would be noise for the user)."""
    found = problems(root)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# --- the valid example -------------------------------------------------------------------------


def test_the_example_platform_loads_with_resolved_values(repo: Path) -> None:
    blueprints = load(repo)
    assert blueprints.platform.name == "devplatform"
    assert blueprints.platform.spec.registries == [
        "registry.example.com", "ghcr.io/cloudnative-pg", "docker.io/codercom",
    ]
    assert list(blueprints.environments) == ["local", "prod", "staging"]
    assert blueprints.environments["local"].spec.domain == "platform.localtest.me"
    assert blueprints.environments["prod"].spec.sync.self_heal is True
    assert list(blueprints.tenants) == ["acme", "globex", "initech"]
    acme = blueprints.tenants["acme"]
    shop = acme.spec.apps[0]
    assert (shop.name, shop.replicas, shop.autoscale.max, shop.autoscale.cpu_percent) == ("shop", 2, 6, 70)
    assert acme.spec.databases[0].backup.schedule == "0 0 3 * * *"
    globex = blueprints.tenants["globex"]
    assert globex.spec.databases[0].version == "17"  # written as the integer 17
    assert globex.spec.apps[0].autoscale.cpu_percent == 70  # the default
    assert globex.spec.apps[1].env == {"QUEUE": "default", "WORKERS": "4"}  # env values are strings
    assert blueprints.tenants["initech"].spec.environments == ["local", "staging"]


# --- YAML level, through the loader ------------------------------------------------------------


def test_yaml_syntax_error(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:7:8: "
    assert problem.message.startswith("YAML syntax error:")
    assert "while parsing a flow sequence at line 6, column 11" in problem.message
    assert str(problem).startswith("blueprints/tenants/zeta.yaml:7:8: <document>: YAML syntax error:")


def test_tabs_are_rejected(repo: Path) -> None:
    write(repo, "environments/qa.yaml", (
        "apiVersion: platformctl.dev/v1alpha1\n"
        "kind: Environment\n"
        "metadata:\n"
        "\tname: qa\n"
    ))
    assert [str(p) for p in problems(repo)] == [
        "environments/qa.yaml:4:1: <document>: tab character; indent and separate with spaces"
    ]


def test_duplicate_keys_are_rejected(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          owners: [ivan@zeta.io]
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:8:3: spec.owners"
    assert problem.message == "duplicate key 'owners' (first at line 6)"


def test_empty_file_is_rejected(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", "# TODO: onboard zeta\n")
    assert str(only(repo)) == "blueprints/tenants/zeta.yaml:1:1: <document>: empty file: expected a blueprint document"


def test_non_mapping_document_is_rejected(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        - apiVersion: platformctl.dev/v1alpha1
          kind: Tenant
        """)
    assert str(only(repo)) == "blueprints/tenants/zeta.yaml:1:1: <document>: expected a mapping, found a list"


def test_multiple_documents_in_one_file_are_rejected(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata: {name: zeta}
        spec: {owners: [olga@zeta.io], quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}}
        ---
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata: {name: zeta2}
        spec: {owners: [olga@zeta.io], quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:6:1: "
    assert problem.message == "expected one YAML document per file"


def test_file_that_is_not_utf8_names_the_bad_byte(repo: Path) -> None:
    path = repo / "blueprints" / "tenants" / "zeta.yaml"
    path.write_bytes(
        b"apiVersion: platformctl.dev/v1alpha1\n"
        b"kind: Tenant\n"
        b"metadata:\n"
        b"  name: zeta\n"
        b"spec:\n"
        b"  owners: [ren\xe9@zeta.io]\n"  # latin-1 e-acute
    )
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:6:15: "
    assert problem.message == "file is not valid UTF-8 (byte 0xe9)"


def test_billion_laughs_fails_fast_with_little_memory(repo: Path) -> None:
    lines = [
        "apiVersion: platformctl.dev/v1alpha1",
        "kind: Tenant",
        "metadata: {name: zeta}",
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    (repo / "blueprints" / "tenants" / "zeta.yaml").write_text("\n".join(lines) + "\n")

    started = time.perf_counter()
    problem = only(repo)
    elapsed = time.perf_counter() - started
    assert problem.path == "blueprints/tenants/zeta.yaml"
    assert problem.message == f"document expands to more than {MAX_NODES} nodes (alias bomb?)"
    assert elapsed < 1.0

    tracemalloc.start()
    try:
        problems(repo)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_anchors_aliases_and_merge_keys_work_in_a_blueprint(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: &owners [olga@zeta.io]
          members: [ivan@zeta.io]
          quota: {cpu: "4", memory: 4Gi, storage: 10Gi, pods: 20}
          apps:
            - &web
              name: web
              image: registry.example.com/zeta/web:1.0.0
              resources: &small {cpu: 100m, memory: 128Mi}
              env: {LOG_LEVEL: info}
            - <<: *web
              name: admin
              env: {LOG_LEVEL: debug}
          sandboxes:
            - user: olga@zeta.io
              resources: {<<: *small, storage: 1Gi}
        """)
    zeta = load(repo).tenants["zeta"]
    web, admin = zeta.spec.apps
    assert (admin.name, admin.image) == ("admin", "registry.example.com/zeta/web:1.0.0")
    assert admin.resources == web.resources
    assert (web.env, admin.env) == ({"LOG_LEVEL": "info"}, {"LOG_LEVEL": "debug"})
    resources = zeta.spec.sandboxes[0].resources
    assert (resources.cpu, resources.memory, resources.storage) == ("100m", "128Mi", "1Gi")
    assert zeta.spec.owners == ["olga@zeta.io"]


def test_a_problem_in_a_merged_mapping_points_at_the_value_used(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - &web
              name: web
              image: registry.example.com/zeta/web:1.0.0
              port: 8080
            - <<: *web
              name: admin
              port: 80800
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:15:13: spec.apps.1.port"
    assert problem.message == "Input should be less than or equal to 65535, got 80800"


# --- header: kind and apiVersion ---------------------------------------------------------------


def test_unknown_kind_suggests_the_closest(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tennant
        metadata:
          name: zeta
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:2:7: kind"
    assert problem.message == "unknown kind 'Tennant'; did you mean 'Tenant'?"


def test_unknown_kind_without_a_close_match_lists_the_kinds(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Deployment
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:2:7: kind"
    assert problem.message == "unknown kind 'Deployment'; expected one of Environment, Platform, Tenant"


def test_a_kind_that_is_not_a_string_is_an_unknown_kind(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: [Tenant]
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:2:7: kind"
    assert problem.message.startswith("unknown kind ['Tenant']")


def test_known_kind_in_the_wrong_directory(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Environment
        metadata:
          name: zeta
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:2:7: kind"
    assert problem.message == "this file must hold a Tenant, found Environment"


def test_unknown_and_missing_api_version(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1
        kind: Tenant
        """)
    write(repo, "environments/qa.yaml", """\
        kind: Environment
        metadata:
          name: qa
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:1:13: apiVersion",
         "unknown apiVersion 'platformctl.dev/v1'; expected 'platformctl.dev/v1alpha1'"),
        ("environments/qa.yaml:1:1: apiVersion", "missing apiVersion; expected 'platformctl.dev/v1alpha1'"),
    ]


# --- fields and types --------------------------------------------------------------------------


def test_unknown_fields_suggest_the_closest_known_field_at_any_depth(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              image: registry.example.com/zeta/web:1.0.0
            - name: api
              image: registry.example.com/zeta/api:1.0.0
              replica: 3
              autoscale:
                min: 1
                max: 3
                cpuPercnt: 80
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:13:7: spec.apps.1.replica", "unknown field 'replica'; did you mean 'replicas'?"),
        ("blueprints/tenants/zeta.yaml:17:9: spec.apps.1.autoscale.cpuPercnt",
         "unknown field 'cpuPercnt'; did you mean 'cpuPercent'?"),
    ]


def test_unknown_field_without_a_close_match_lists_the_known_fields(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "1", memory: 1Gi, storage: 1Gi, pods: 5, colour: blue}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:7:57: spec.quota.colour"
    assert problem.message == "unknown field 'colour'; known fields: cpu, memory, pods, storage"


def test_unknown_fields_in_platform_and_environment_files(repo: Path) -> None:
    platform = repo / "blueprints" / "platform.yaml"
    platform.write_text(platform.read_text().replace("      syncWave: -50\n", "      syncwave: -50\n"))
    write(repo, "environments/qa.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Environment
        metadata:
          name: qa
        spec:
          domain: qa.example.com
          secretStore: {name: platform-secrets}
          defaults:
            app: {replica: 1}
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/platform.yaml:33:7: spec.components.0.syncwave",
         "unknown field 'syncwave'; did you mean 'syncWave'?"),
        ("environments/qa.yaml:9:11: spec.defaults.app.replica", "unknown field 'replica'; did you mean 'replicas'?"),
    ]


def test_wrong_types_say_what_was_expected_and_what_was_found(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: olga@zeta.io
          quota: {cpu: "1", memory: 1Gi, storage: 1Gi, pods: true}
          apps:
            - name: web
              image: registry.example.com/zeta/web:1.0.0
              replicas: two
              port: "8080"
              autoscale: 3
              env: {DEBUG: [1]}
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:6:11: spec.owners", "expected a list, got the string 'olga@zeta.io'"),
        ("blueprints/tenants/zeta.yaml:7:54: spec.quota.pods", "expected an integer, got the boolean true"),
        ("blueprints/tenants/zeta.yaml:11:17: spec.apps.0.replicas", "expected an integer, got the string 'two'"),
        ("blueprints/tenants/zeta.yaml:12:13: spec.apps.0.port", "expected an integer, got the string '8080'"),
        ("blueprints/tenants/zeta.yaml:13:18: spec.apps.0.autoscale", "expected a mapping, got the number 3"),
        ("blueprints/tenants/zeta.yaml:14:20: spec.apps.0.env.DEBUG", "expected a string, got a list"),
    ]


def test_missing_required_fields(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
        """)
    problem = only(repo)
    # The field does not exist in the file: the position is that of the mapping it belongs in.
    assert where(problem) == "blueprints/tenants/zeta.yaml:6:3: spec.quota"
    assert problem.message == "required field is missing"


APP_HEAD = textwrap.dedent("""\
    apiVersion: platformctl.dev/v1alpha1
    kind: Tenant
    metadata:
      name: zeta
    spec:
      owners: [olga@zeta.io]
      quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
      apps:
        - name: web
          image: registry.example.com/zeta/web:1.0.0
""")


@pytest.mark.parametrize(
    ("line_11", "expected_where", "message"),
    [
        ("replicas: -1", "11:17: spec.apps.0.replicas", "Input should be greater than or equal to 0, got -1"),
        ("port: 0", "11:13: spec.apps.0.port", "Input should be greater than or equal to 1, got 0"),
        ("port: 65536", "11:13: spec.apps.0.port", "Input should be less than or equal to 65535, got 65536"),
        ("metrics: {port: 70000}", "11:23: spec.apps.0.metrics.port",
         "Input should be less than or equal to 65535, got 70000"),
        ("autoscale: {min: 5, max: 2}", "11:24: spec.apps.0.autoscale.min", "autoscale min 5 is greater than max 2"),
        ("autoscale: {min: 0, max: 2}", "11:24: spec.apps.0.autoscale.min",
         "Input should be greater than or equal to 1, got 0"),
        ("autoscale: {min: 1, max: 2, cpuPercent: 101}", "11:47: spec.apps.0.autoscale.cpuPercent",
         "Input should be less than or equal to 100, got 101"),
    ],
)
def test_numbers_out_of_range(repo: Path, line_11: str, expected_where: str, message: str) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", APP_HEAD + "      " + line_11 + "\n")  # line 11
    problem = only(repo)
    assert where(problem) == f"blueprints/tenants/zeta.yaml:{expected_where}"
    assert problem.message == message


# --- names -------------------------------------------------------------------------------------


def test_tenant_name_must_be_a_dns_label(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: Zeta_Corp
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:4:9: metadata.name"
    assert problem.message.startswith("'Zeta_Corp' is not a DNS label: use lower-case letters, digits and '-'")


def test_tenant_name_may_not_escape_its_directory(repo: Path) -> None:
    write(repo, "blueprints/tenants/evil.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: ../evil
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/evil.yaml:4:9: metadata.name"
    assert problem.message.startswith("'../evil' is not a DNS label")


def test_tenant_name_of_21_characters_is_too_long_for_its_namespaces(repo: Path) -> None:
    write(repo, "blueprints/tenants/abcdefghijklmnopqrstu.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: abcdefghijklmnopqrstu
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/abcdefghijklmnopqrstu.yaml:4:9: metadata.name"
    assert problem.message == "'abcdefghijklmnopqrstu' is 21 characters, at most 20 allowed"


def test_tenant_name_of_20_characters_is_fine(repo: Path) -> None:
    write(repo, "blueprints/tenants/abcdefghijklmnopqrst.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: abcdefghijklmnopqrst
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    assert "abcdefghijklmnopqrst" in load(repo).tenants


def test_app_names_must_be_short_dns_labels(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: Web
              image: registry.example.com/zeta/web:1.0.0
            - name: a-very-long-application-name-for-namespaces
              image: registry.example.com/zeta/web:1.0.0
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:9:13: spec.apps.0.name",
         "'Web' is not a DNS label: use lower-case letters, digits and '-', "
         "starting and ending with a letter or digit"),
        ("blueprints/tenants/zeta.yaml:11:13: spec.apps.1.name",
         "'a-very-long-application-name-for-namespaces' is 43 characters, at most 42 allowed"),
    ]


def test_repos_may_not_escape_their_directory(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              runtime: kubero
              repo: ../x
              image: registry.example.com/zeta/web:1.0
          sandboxes:
            - user: olga@zeta.io
              repos: [zeta/web, zeta/..]
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:11:13: spec.apps.0.repo", "'../x' would escape its directory"),
        ("blueprints/tenants/zeta.yaml:15:25: spec.sandboxes.0.repos.1", "'zeta/..' would escape its directory"),
    ]


def test_tenant_name_must_match_its_file_name(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zed
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:4:9: metadata.name"
    assert problem.message == "name 'zed' must match the file name 'zeta.yaml'"


def test_environment_name_must_match_its_file_name(repo: Path) -> None:
    write(repo, "environments/qa.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Environment
        metadata: {name: test}
        spec:
          domain: qa.example.com
          secretStore: {name: platform-secrets}
        """)
    problem = only(repo)
    assert where(problem) == "environments/qa.yaml:3:18: metadata.name"
    assert problem.message == "name 'test' must match the file name 'qa.yaml'"


# --- value formats -----------------------------------------------------------------------------


def test_invalid_kubernetes_quantity(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota:
            cpu: "1"
            memory: 10GB
            storage: 1Gi
            pods: 5
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:9:13: spec.quota.memory"
    assert problem.message.startswith("'10GB' is not a Kubernetes quantity")
    assert "binary suffixes are Ki Mi Gi Ti" in problem.message


def test_invalid_cron_schedule(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          databases:
            - name: main
              backup: {schedule: "0 3 * * *"}
            - name: audit
              backup: {schedule: "0 0 25 * * *"}
        """)
    assert [(where(p), p.message.split(" (")[0]) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:10:26: spec.databases.0.backup.schedule",
         "'0 3 * * *' is not a 6-field cron schedule"),
        ("blueprints/tenants/zeta.yaml:12:26: spec.databases.1.backup.schedule",
         "'0 0 25 * * *' is not a 6-field cron schedule"),
    ]


# --- images ------------------------------------------------------------------------------------

ALLOWED = "(registry.example.com, ghcr.io/cloudnative-pg, docker.io/codercom)"  # the example platform's


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("registry.example.com/zeta/web",
         "image 'registry.example.com/zeta/web' has no tag: pin a version, e.g. registry.example.com/zeta/web:1.2.3"),
        ("registry.example.com/zeta/web:latest",
         "image 'registry.example.com/zeta/web:latest' uses ':latest': pin a version"),
        ("quay.io/zeta/web:1.0.0", f"image 'quay.io/zeta/web:1.0.0' is not from an allowed registry {ALLOWED}"),
        # A prefix matches whole path components: ghcr.io/cloudnative-pg does not allow ghcr.io/cloudnative-pgx.
        ("ghcr.io/cloudnative-pgx/web:1.0.0",
         f"image 'ghcr.io/cloudnative-pgx/web:1.0.0' is not from an allowed registry {ALLOWED}"),
        # No registry named means Docker Hub's library, and only docker.io/codercom is allowed there.
        ("nginx:1.27", f"image 'nginx:1.27' is not from an allowed registry {ALLOWED}"),
    ],
)
def test_images_must_be_pinned_and_from_an_allowed_registry(repo: Path, image: str, message: str) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", f"""\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {{cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}}
          apps:
            - name: web
              image: {image}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:10:14: spec.apps.0.image"
    assert problem.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27", None)),
        ("codercom/code-server:4.9", ImageRef("docker.io", "codercom/code-server", "4.9", None)),
        ("docker.io/nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27", None)),
        ("localhost:5000/team/app:2", ImageRef("localhost:5000", "team/app", "2", None)),
        ("registry.example.com:5000/acme/shop:1.4.2",
         ImageRef("registry.example.com:5000", "acme/shop", "1.4.2", None)),
        ("ghcr.io/acme/x@sha256:" + "a" * 64, ImageRef("ghcr.io", "acme/x", None, "sha256:" + "a" * 64)),
        ("ghcr.io/acme/x:1@sha256:" + "b" * 64, ImageRef("ghcr.io", "acme/x", "1", "sha256:" + "b" * 64)),
    ],
)
def test_parse_image(text: str, expected: ImageRef) -> None:
    assert parse_image(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ghcr.io/acme/x@sha256:abc", "digest must be sha256:<64 hex>"),
        ("ghcr.io/Acme/x:1", "repository path must be lower-case"),
        ("ghcr.io/acme/x:-1", "tag '-1' is not a valid tag"),
    ],
)
def test_parse_image_rejects_malformed_references(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("<", ".").replace(">", ".")):
        parse_image(text)


@pytest.mark.parametrize(
    ("text", "allowed", "expected"),
    [
        ("ghcr.io/acme/x:1", ["ghcr.io/acme"], True),
        ("ghcr.io/acme/team/x:1", ["ghcr.io/acme/"], True),
        ("ghcr.io/acmex/x:1", ["ghcr.io/acme"], False),  # a prefix is whole path components
        ("ghcr.io/acme/x:1", ["ghcr.io"], True),
        ("nginx:1.27", ["docker.io"], True),  # no registry named: Docker Hub
        ("nginx:1.27", ["docker.io/library"], True),
        ("nginx:1.27", ["ghcr.io"], False),
        ("registry.example.com:5000/acme/shop:1", ["registry.example.com"], False),  # another port, another registry
        ("registry.example.com:5000/acme/shop:1", ["registry.example.com:5000"], True),
        ("ghcr.io/acme/x@sha256:" + "c" * 64, ["ghcr.io/acme"], True),
    ],
)
def test_registry_allowed(text: str, allowed: list[str], expected: bool) -> None:
    assert registry_allowed(text, allowed) is expected


def test_kubero_runtime_needs_a_repo(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              runtime: kubero
              image: registry.example.com/zeta/web:1.0
              port: 3000
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:9:7: spec.apps.0"
    assert problem.message == "runtime 'kubero' shows the app's source in Kubero: set 'repo' (owner/name)"


def test_kubero_runtime_needs_a_pinned_image_and_no_databases(repo: Path) -> None:
    """Kubero builds in privileged pods and passes env vars by value: neither fits the platform."""
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              runtime: kubero
              repo: zeta/web
              databases: [main]
          databases:
            - name: main
        """)
    found = [(where(p), p.message) for p in problems(repo)]
    assert [w for w, _ in found] == ["blueprints/tenants/zeta.yaml:9:7: spec.apps.0",
                                     "blueprints/tenants/zeta.yaml:12:18: spec.apps.0.databases"]
    assert "needs an 'image'" in found[0][1] and "privileged" in found[0][1]
    assert "cannot use databases" in found[1][1] and "runtime 'deployment'" in found[1][1]


# --- references and duplicates within a tenant -------------------------------------------------


def test_duplicate_app_database_and_sandbox_names(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - {name: web, image: registry.example.com/zeta/web:1.0.0}
            - {name: web, image: registry.example.com/zeta/web:1.0.1}
          databases:
            - {name: main}
            - {name: main}
          sandboxes:
            - {user: olga@zeta.io}
            - {user: olga@zeta.io}
        """)
    assert [(where(p), p.message) for p in problems(repo)] == [
        ("blueprints/tenants/zeta.yaml:10:14: spec.apps.1.name", "duplicate app 'web' (also at spec.apps[0])"),
        ("blueprints/tenants/zeta.yaml:13:14: spec.databases.1.name",
         "duplicate database 'main' (also at spec.databases[0])"),
        ("blueprints/tenants/zeta.yaml:16:14: spec.sandboxes.1.user",
         "duplicate sandbox user 'olga@zeta.io' (also at spec.sandboxes[0])"),
    ]


def test_reference_to_an_undefined_database(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              image: registry.example.com/zeta/web:1.0.0
              databases: [main, cache]
          databases:
            - name: main
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:11:25: spec.apps.0.databases.1"
    assert problem.message == "database 'cache' is not in spec.databases (main)"


def test_sandbox_user_must_be_an_owner_or_member(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          members: [ivan@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          sandboxes:
            - user: ivan@zeta.io
            - user: mallory@evil.io
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:11:13: spec.sandboxes.1.user"
    assert problem.message == "'mallory@evil.io' is neither an owner nor a member"


def test_sandbox_users_whose_namespaces_collide(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [jo.doe@zeta.io]
          members: [Jo-Doe@partner.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          sandboxes:
            - user: jo.doe@zeta.io
            - user: Jo-Doe@partner.io
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:11:13: spec.sandboxes.1.user"
    assert problem.message == (
        "sandbox namespace 'zeta-sbx-jo-doe' of 'Jo-Doe@partner.io' collides with that of 'jo.doe@zeta.io' "
        "(spec.sandboxes[0])"
    )


def test_tenant_naming_an_environment_that_does_not_exist(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          environments: [local, qa, prod]
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:8:25: spec.environments.1"
    assert problem.message == "environment 'qa' does not exist (known: local, prod, staging)"


# --- across files ------------------------------------------------------------------------------


def test_duplicate_tenant_in_yaml_and_yml_files(repo: Path) -> None:
    (repo / "blueprints/tenants/acme.yml").write_bytes((repo / "blueprints/tenants/acme.yaml").read_bytes())
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/acme.yml:5:9: metadata.name"
    assert problem.message == "duplicate tenant 'acme' (also in blueprints/tenants/acme.yaml)"


def test_duplicate_environment_in_yaml_and_yml_files(repo: Path) -> None:
    (repo / "environments/local.yml").write_bytes((repo / "environments/local.yaml").read_bytes())
    problem = only(repo)
    assert where(problem) == "environments/local.yml:5:9: metadata.name"
    assert problem.message == "duplicate environment 'local' (also in environments/local.yaml)"


def test_namespace_collision_between_tenants(repo: Path) -> None:
    # acme + app shop-x and acme-shop + app x both need the namespace acme-shop-x.
    write(repo, "blueprints/tenants/acme.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: acme
        spec:
          owners: [alice@acme.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: shop-x
              image: registry.example.com/acme/shop-x:1.0.0
        """)
    write(repo, "blueprints/tenants/acme-shop.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: acme-shop
        spec:
          owners: [alice@acme.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: x
              image: registry.example.com/acme-shop/x:1.0.0
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/acme-shop.yaml:9:13: spec.apps.0.name"
    assert problem.message == "namespace 'acme-shop-x' collides with tenant 'acme'"


def test_namespace_collision_with_a_platform_namespace(repo: Path) -> None:
    write(repo, "blueprints/tenants/kube.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: kube
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: system
              image: registry.example.com/kube/system:1.0.0
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/kube.yaml:9:13: spec.apps.0.name"
    assert problem.message == "namespace 'kube-system' collides with the platform"


def test_two_apps_claiming_the_same_ingress_host(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          apps:
            - name: web
              image: registry.example.com/zeta/web:1.0.0
              ingress: {host: shop}
        """)
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/zeta.yaml:11:23: spec.apps.0.ingress.host"
    assert problem.message == "ingress host 'shop' is already used by acme/shop"


def test_missing_platform_file(repo: Path) -> None:
    (repo / "blueprints" / "platform.yaml").unlink()
    assert [str(p) for p in problems(repo)] == [
        "blueprints/platform.yaml:1:1: <document>: missing: every platform repo needs one"
    ]


# --- reporting ---------------------------------------------------------------------------------


def test_every_problem_of_a_file_is_reported_at_once(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "1", memory: 10GB, storage: 1Gi, pods: 5}
          apps:
            - name: web
              image: registry.example.com/zeta/web:1.0.0
              replica: 2
              port: http
        """)
    assert [str(p) for p in problems(repo)] == [
        "blueprints/tenants/zeta.yaml:7:29: spec.quota.memory: '10GB' is not a Kubernetes quantity (examples: "
        "500m, 2, 512Mi, 20Gi; binary suffixes are Ki Mi Gi Ti, decimal k M G T)",
        "blueprints/tenants/zeta.yaml:11:7: spec.apps.0.replica: unknown field 'replica'; did you mean 'replicas'?",
        "blueprints/tenants/zeta.yaml:12:13: spec.apps.0.port: expected an integer, got the string 'http'",
    ]


def test_problems_of_different_files_are_all_reported_in_path_order(repo: Path) -> None:
    write(repo, "environments/qa.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Environment
        metadata:
          name: qa
        spec:
          domain: QA.example.com
          secretStore: {name: platform-secrets}
        """)
    write(repo, "blueprints/tenants/zeta.yaml", """\
        apiVersion: platformctl.dev/v1alpha1
        kind: Tenant
        metadata:
          name: zeta
        spec:
          owners: [olga@zeta.io]
          quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
          environments: [qa]
        """)
    found = problems(repo)
    # qa.yaml is invalid, so zeta's reference to it is reported too: nothing is hidden.
    assert [str(p) for p in found] == [
        "blueprints/tenants/zeta.yaml:8:18: spec.environments.0: "
        "environment 'qa' does not exist (known: local, prod, staging)",
        "environments/qa.yaml:6:11: spec.domain: 'QA.example.com' is not a lower-case DNS name",
    ]


def test_blueprint_error_lists_its_problems_sorted_and_deduplicated() -> None:
    a = Problem("b.yaml", 2, 1, "spec", "second")
    b = Problem("a.yaml", 10, 3, "", "first")
    error = BlueprintError([a, b, a])
    assert error.problems == [b, a]
    assert str(error) == "a.yaml:10:3: <document>: first\nb.yaml:2:1: spec: second"


def _run_render(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1"}
    return subprocess.run(
        [sys.executable, "-m", "platformctl", "render", "--root", str(root)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


BROKEN_TENANT = """\
    apiVersion: platformctl.dev/v1alpha1
    kind: Tenant
    metadata:
      name: zeta
    spec:
      owners: [olga@zeta.io]
      quota: {cpu: "64", memory: 64Gi, storage: 999Gi, pods: 99}
      apps:
        - name: web
          image: registry.example.com/zeta/web:latest
          replica: 2
"""


def test_cli_render_rejects_bad_input_and_writes_nothing(repo: Path) -> None:
    write(repo, "blueprints/tenants/zeta.yaml", BROKEN_TENANT)
    before = tree_digest(repo)
    result = _run_render(repo)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "blueprints/tenants/zeta.yaml:10:14: spec.apps.0.image: "
        "image 'registry.example.com/zeta/web:latest' uses ':latest': pin a version",
        "blueprints/tenants/zeta.yaml:11:7: spec.apps.0.replica: unknown field 'replica'; did you mean 'replicas'?",
        "2 problem(s); nothing was written",
    ]
    assert not (repo / "rendered").exists()
    assert tree_digest(repo) == before


def test_cli_render_leaves_an_existing_rendered_tree_byte_identical(repo: Path) -> None:
    result = _run_render(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    before = tree_digest(repo)
    assert any(path.startswith("rendered/") for path in before)
    write(repo, "blueprints/tenants/zeta.yaml", BROKEN_TENANT)
    before["blueprints/tenants/zeta.yaml"] = tree_digest(repo)["blueprints/tenants/zeta.yaml"]
    result = _run_render(repo)
    assert result.returncode == 2
    assert "blueprints/tenants/zeta.yaml:11:7: spec.apps.0.replica:" in result.stderr
    assert tree_digest(repo) == before


@pytest.mark.parametrize("name", ["acme.YAML", "acme.yaml~", "acme.json", "team"])
def test_anything_but_a_blueprint_in_tenants_is_an_error_not_a_vanished_tenant(repo: Path, name: str) -> None:
    """A skipped file would make its tenant disappear and a render prune it, namespaces and all."""
    source = repo / "blueprints/tenants/acme.yaml"
    target = repo / "blueprints/tenants" / name
    if name == "team":
        target.mkdir()
        target = target / "acme.yaml"
    source.rename(target)
    with pytest.raises(BlueprintError) as error:
        load(repo)
    shown = f"blueprints/tenants/{name}"
    assert [str(p) for p in error.value.problems if p.path == shown] == [
        f"{shown}:1:1: <document>: not a blueprint: only <name>.yaml files belong in blueprints/tenants/ "
        "(rename, move or remove it)"
    ]


def test_hidden_files_in_tenants_are_ignored(repo: Path) -> None:
    (repo / "blueprints/tenants/.acme.yaml.swp").write_bytes(b"\x00\x01")
    assert "acme" in load(repo).tenants


# --- names and values the renderer could not use safely --------------------------------------------


def _edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_trailing_newline_does_not_sneak_into_a_name(repo: Path) -> None:
    _edit(repo, "blueprints/tenants/acme.yaml", "    - name: storefront\n", '    - name: "storefront\\n"\n')
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/acme.yaml:24:13: spec.apps.1.name"
    assert "is not a DNS label" in problem.message


# the last: a full-width digit eight
@pytest.mark.parametrize("value", ["NaN", "Infinity", '"1_000"', '" 8"', "\uff18"])
def test_quantities_follow_the_kubernetes_grammar(repo: Path, value: str) -> None:
    _edit(repo, "blueprints/tenants/acme.yaml", 'quota: {cpu: "8"', f"quota: {{cpu: {value}")
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/acme.yaml:9:16: spec.quota.cpu"
    assert "is not a Kubernetes quantity" in problem.message


@pytest.mark.parametrize("name", ["platform", "default"])
def test_tenant_names_of_argo_cd_projects_are_reserved(repo: Path, name: str) -> None:
    (repo / "blueprints/tenants/initech.yaml").rename(repo / f"blueprints/tenants/{name}.yaml")
    _edit(repo, f"blueprints/tenants/{name}.yaml", "name: initech", f"name: {name}")
    problem = only(repo)
    assert str(problem) == (f"blueprints/tenants/{name}.yaml:5:9: metadata.name: "
                            f"tenant name {name!r} is reserved (Argo CD project names)")


def test_component_name_tenancy_and_shared_or_system_namespaces_are_rejected(repo: Path) -> None:
    loki = "- name: loki\n      namespace: loki"
    _edit(repo, "blueprints/platform.yaml", loki, loki.replace("name: loki", "name: tenancy"))
    _edit(repo, "blueprints/platform.yaml", "namespace: casdoor", "namespace: kube-system")
    _edit(repo, "blueprints/platform.yaml", "namespace: kubero", "namespace: gitea")
    found = [str(p) for p in problems(repo)]
    assert found == [
        "blueprints/platform.yaml:52:13: spec.components.4.name: component name 'tenancy' is reserved",
        "blueprints/platform.yaml:58:18: spec.components.5.namespace: "
        "namespace 'kube-system' belongs to Kubernetes itself",
    ]  # components may share a namespace (an operator and its plugin): its Namespace is rendered once


def test_a_quota_too_small_to_split_is_rejected(repo: Path) -> None:
    _edit(repo, "blueprints/tenants/acme.yaml", 'quota: {cpu: "8", memory: 16Gi, storage: 100Gi, pods: 50}',
          'quota: {cpu: 4m, memory: 16Gi, storage: 100Gi, pods: 3}')
    found = [str(p) for p in problems(repo) if "split over" in p.message]
    assert found == [
        "blueprints/tenants/acme.yaml:9:16: spec.quota.cpu: split over the tenant's up to 5 namespaces "
        "this leaves less than 1m each",
        "blueprints/tenants/acme.yaml:9:56: spec.quota.pods: split over the tenant's up to 5 namespaces "
        "this leaves less than 1 pod each",
    ]


def test_workloads_that_cannot_fit_the_quota_are_a_load_error_naming_sum_and_quota(repo: Path) -> None:
    """staging acme: shop at most 3 x 500m (autoscale max capped at 3), storefront 100m, shopdb 2 x 500m (its
    resources) plus a pooler 2 x 100m, alice's sandbox 2 + 50m proxy, bob's 1 + 50m: 5900m."""
    _edit(repo, "blueprints/tenants/acme.yaml", 'quota: {cpu: "8",', 'quota: {cpu: "5",')
    found = [str(p) for p in problems(repo)]
    assert found == [
        "blueprints/tenants/acme.yaml:9:16: spec.quota.cpu: in environment 'staging' the workloads request 5900m "
        "of cpu, more than the quota 5 (apps at their most replicas, database instances and poolers, sandboxes "
        "with their proxy)",
    ]


@pytest.mark.parametrize("path", ["deploy", "../rendered", "rendered/"])
def test_git_path_must_name_this_repos_rendered_directory(repo: Path, path: str) -> None:
    _edit(repo, "blueprints/platform.yaml", "path: rendered", f"path: {path}")
    problem = only(repo)
    assert where(problem) == "blueprints/platform.yaml:11:11: spec.git.path"


def test_component_sync_wave_must_come_before_tenants(repo: Path) -> None:
    _edit(repo, "blueprints/platform.yaml", "syncWave: -50", "syncWave: 10")
    problem = only(repo)
    assert where(problem) == "blueprints/platform.yaml:33:17: spec.components.0.syncWave"


def test_backups_need_an_object_store(repo: Path) -> None:
    text = (repo / "environments/prod.yaml").read_text()
    start = text.index("    objectStore:")
    end = text.index("\n", text.index("credentials:", start))
    write(repo, "environments/prod.yaml", text[:start] + text[end + 1:])
    problem = only(repo)
    assert where(problem) == "environments/prod.yaml:25:14: spec.databases.backups"
    assert "spec.databases.objectStore is not set" in problem.message


def test_sandboxes_need_the_platform_images(repo: Path) -> None:
    text = (repo / "blueprints/platform.yaml").read_text()
    write(repo, "blueprints/platform.yaml", text[:text.index("  sandboxes:\n")])
    found = {(p.path, p.field) for p in problems(repo)}
    assert found == {(f"blueprints/tenants/{t}.yaml", "spec.sandboxes") for t in ("acme", "globex", "initech")}


def test_readers_of_names_only_may_skip_the_quota_fit(repo: Path) -> None:
    _edit(repo, "blueprints/tenants/acme.yaml", 'quota: {cpu: "8",', 'quota: {cpu: "5",')
    assert [p.field for p in problems(repo)] == ["spec.quota.cpu"]
    assert load(repo, accounting=False).tenants["acme"].spec.quota.cpu == "5"  # the policy engine's facts


def test_an_env_var_named_like_a_database_variable_is_a_load_error(repo: Path) -> None:
    """shop lists shopdb, so DATABASE_URL and PG* come from its Secret; the blueprint may not set them."""
    _edit(repo, "blueprints/tenants/acme.yaml", "env: {LOG_LEVEL: info}", "env: {LOG_LEVEL: info, PGPASSWORD: x}")
    problem = only(repo)
    assert where(problem) == "blueprints/tenants/acme.yaml:19:30: spec.apps.0.env.PGPASSWORD"
    assert "set from database 'shopdb'" in problem.message


def test_a_component_without_the_images_its_workloads_need_is_rejected(repo: Path) -> None:
    runner = '      images: {actRunner: "registry.example.com/platform/act-runner-ci:0.2.12-py3.11-go1.26"}\n'
    text = (repo / "blueprints/platform.yaml").read_text()
    assert runner in text
    (repo / "blueprints/platform.yaml").write_text(text.replace(runner, ""))
    _edit(repo, "blueprints/platform.yaml", 'images: {kubero: "registry.example.com/', 'images: {kubero: "quay.io/')
    found = [(where(p).split(": ")[1], p.message) for p in problems(repo)]
    assert ("spec.components.6", "component 'gitea' needs images.actRunner: a pinned image of a workload "
            "platformctl renders for it") in found
    assert any(f == "spec.components.7.images.kubero" and "not from an allowed registry" in m for f, m in found)


def test_two_emails_that_make_one_sso_user_are_rejected(repo: Path) -> None:
    _edit(repo, "blueprints/tenants/globex.yaml", "members: [", "members: [j.doe@acme.io, ")
    _edit(repo, "blueprints/tenants/acme.yaml", "members: [", "members: [j-doe@acme.io, ")
    (problem,) = problems(repo)
    assert where(problem).startswith("blueprints/tenants/globex.yaml:") and where(problem).endswith("spec.members.0")
    assert problem.message == ("'j.doe@acme.io' and 'j-doe@acme.io' would be one single sign-on user "
                               "('j-doe-at-acme-io'): use one address for the person")
