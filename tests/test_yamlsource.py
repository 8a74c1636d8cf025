"""generator.yamlsource: positions, strictness and bounds of the YAML reader, without the models."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import tracemalloc

import pytest

from generator.errors import Problem
from generator.yamlsource import MAX_DEPTH, MAX_NODES, Pos, SourceDoc, parse


def yaml_text(text: str) -> bytes:
    """The literal YAML of a test, dedented; line 1 is the line after the opening quotes."""
    return textwrap.dedent(text).encode()


def parsed(text: str | bytes) -> SourceDoc:
    raw = text if isinstance(text, bytes) else yaml_text(text)
    doc, problems = parse("f.yaml", raw)
    assert problems == []
    assert doc is not None
    return doc


def rejected(text: str | bytes) -> list[str]:
    """The problems of a file that must not parse, as the CLI prints them."""
    raw = text if isinstance(text, bytes) else yaml_text(text)
    doc, problems = parse("f.yaml", raw)
    assert doc is None
    assert problems
    return [str(p) for p in problems]


def billion_laughs(levels: int = 9) -> bytes:
    """Nine aliases per level, nine levels: 9**9 (387 million) strings once expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        name, prev = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


# --- positions ---------------------------------------------------------------------------------


def test_positions_of_values_and_keys_are_one_based() -> None:
    doc = parsed("""\
        spec:
          apps:
            - name: shop
              port: 8080
        """)
    assert doc.data == {"spec": {"apps": [{"name": "shop", "port": 8080}]}}
    assert doc.values[("spec", "apps", 0, "port")] == Pos(4, 13)
    assert doc.keys[("spec", "apps", 0, "port")] == Pos(4, 7)
    assert doc.values[("spec", "apps", 0)] == Pos(3, 7)


def test_position_of_a_missing_field_falls_back_to_its_nearest_ancestor() -> None:
    doc = parsed("""\
        spec:
          quota: {cpu: "1"}
        """)
    assert doc.position(("spec", "quota", "memory")) == Pos(2, 10)
    assert doc.position(("spec", "quota", "cpu"), key=True) == Pos(2, 11)
    assert doc.position(("nothing", "here")) == Pos(1, 1)


def test_keys_stay_text_and_yaml_1_1_words_do_not_become_booleans_as_keys() -> None:
    doc = parsed("""\
        on: 1
        16: sixteen
        """)
    assert doc.data == {"on": 1, "16": "sixteen"}


# --- syntax and text ---------------------------------------------------------------------------


def test_syntax_error_points_at_the_problem_and_names_where_the_construct_began() -> None:
    [problem] = rejected("""\
        ports: [80, 443
        name: web
        """)
    assert problem.startswith("f.yaml:2:5: <document>: YAML syntax error: ")
    assert "did not find expected ',' or ']'" in problem
    assert "while parsing a flow sequence at line 1, column 8" in problem


def test_unclosed_quote_is_a_syntax_error() -> None:
    [problem] = rejected("""\
        name: 'shop
        """)
    assert problem.startswith("f.yaml:2:1: <document>: YAML syntax error: found unexpected end of stream")
    assert "quoted scalar at line 1, column 7" in problem


def test_bad_indentation_is_a_syntax_error() -> None:
    [problem] = rejected("""\
        spec:
          owners: [a@b.io]
         quota: {}
        """)
    assert problem.startswith("f.yaml:3:2: <document>: YAML syntax error: did not find expected key")


def test_undefined_alias_is_a_syntax_error() -> None:
    [problem] = rejected("""\
        apps: *nope
        """)
    assert problem == "f.yaml:1:7: <document>: YAML syntax error: found undefined alias"


def test_every_tab_is_reported_with_its_column() -> None:
    problems = rejected(b"spec:\n\towners: []\nname:\tshop\n")
    assert problems == [
        "f.yaml:2:1: <document>: tab character; indent and separate with spaces",
        "f.yaml:3:6: <document>: tab character; indent and separate with spaces",
    ]


def test_duplicate_key_is_reported_at_the_second_occurrence() -> None:
    [problem] = rejected("""\
        spec:
          apps:
            - name: shop
              port: 80
              port: 8080
        """)
    assert problem == "f.yaml:5:7: spec.apps.0.port: duplicate key 'port' (first at line 4)"


def test_duplicate_keys_in_flow_mappings_too() -> None:
    [problem] = rejected("""\
        quota: {cpu: "1", memory: 1Gi, cpu: "2"}
        """)
    assert problem == "f.yaml:1:32: quota.cpu: duplicate key 'cpu' (first at line 1)"


def test_invalid_utf8_names_the_line_and_the_character_column_of_the_bad_byte() -> None:
    # "é" is two bytes but one column: the bad byte 0xff is the 10th character of line 2.
    raw = "name: café\nowner: zoë\xff\n".encode().replace(b"\xc3\xab\xc3\xbf", b"\xc3\xab\xff")
    assert rejected(raw) == ["f.yaml:2:11: <document>: file is not valid UTF-8 (byte 0xff)"]


def test_latin1_file_is_not_utf8() -> None:
    assert rejected("name: café\n".encode("latin-1")) == [
        "f.yaml:1:10: <document>: file is not valid UTF-8 (byte 0xe9)"
    ]


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parsed(b"\xef\xbb\xbfname: shop\n").data == {"name": "shop"}


# --- document shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"\n\n", b"# only a comment\n", b"---\n", b"~\n"])
def test_empty_files_are_rejected(raw: bytes) -> None:
    assert rejected(raw) == ["f.yaml:1:1: <document>: empty file: expected a blueprint document"]


def test_a_list_document_is_rejected() -> None:
    assert rejected("""\
        # a comment first
        - name: shop
        """) == ["f.yaml:2:1: <document>: expected a mapping, found a list"]


def test_a_scalar_document_is_rejected() -> None:
    assert rejected("just some text\n") == ["f.yaml:1:1: <document>: expected a mapping, found a scalar"]


def test_a_second_document_in_one_file_is_rejected_where_it_starts() -> None:
    assert rejected("""\
        kind: Tenant
        metadata: {name: acme}
        ---
        kind: Tenant
        metadata: {name: globex}
        """) == ["f.yaml:4:1: <document>: expected one YAML document per file"]


def test_explicit_document_markers_around_one_document_are_fine() -> None:
    assert parsed("""\
        ---
        kind: Tenant
        ...
        """).data == {"kind": "Tenant"}
    assert parsed("""\
        kind: Tenant
        ---
        """).data == {"kind": "Tenant"}


def test_complex_keys_are_rejected() -> None:
    assert rejected("""\
        ? [a, b]
        : value
        """) == ["f.yaml:1:3: <document>: mapping keys must be plain strings"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("run: !!python/object/apply:os.system [echo hi]",
         "f.yaml:1:6: run: unsupported YAML tag '!!python/object/apply:os.system'"),
        ("image: !env IMAGE", "f.yaml:1:8: image: unsupported YAML tag '!env'"),
        ("users: !!set {a, b}", "f.yaml:1:8: users: unsupported YAML tag '!!set'"),
        ("replicas: !!int two", "f.yaml:1:11: replicas: 'two' is not a valid !!int"),
    ],
)
def test_tags_other_than_plain_yaml_types_are_rejected(line: str, expected: str) -> None:
    assert rejected(line + "\n") == [expected]


# --- anchors, aliases and merge keys -----------------------------------------------------------


def test_anchors_and_aliases_within_the_bound_are_expanded() -> None:
    doc = parsed("""\
        owners: &people [alice@acme.io, bob@acme.io]
        sandboxUsers: *people
        """)
    assert doc.data == {
        "owners": ["alice@acme.io", "bob@acme.io"],
        "sandboxUsers": ["alice@acme.io", "bob@acme.io"],
    }
    # The alias's items are reported where they are written: in the anchored list.
    assert doc.values[("sandboxUsers", 1)] == Pos(1, 33)


def test_merge_key_takes_fields_and_explicit_keys_win() -> None:
    doc = parsed("""\
        base: &base {port: 8080, replicas: 2}
        app:
          <<: *base
          port: 9090
        """)
    assert doc.data["app"] == {"port": 9090, "replicas": 2}
    # Positions are those of the values actually used: the override, and the merged replicas.
    assert doc.values[("app", "port")] == Pos(4, 9)
    assert doc.keys[("app", "port")] == Pos(4, 3)
    assert doc.values[("app", "replicas")] == Pos(1, 36)


def test_explicit_keys_win_over_a_merge_written_after_them() -> None:
    doc = parsed("""\
        base: &base {port: 8080}
        app:
          port: 9090
          <<: *base
        """)
    assert doc.data["app"] == {"port": 9090}
    assert doc.values[("app", "port")] == Pos(3, 9)
    assert doc.keys[("app", "port")] == Pos(3, 3)


def test_earlier_merge_sources_win_over_later_ones() -> None:
    doc = parsed("""\
        small: &small {cpu: 100m, memory: 128Mi}
        large: &large {cpu: "2", memory: 4Gi, storage: 10Gi}
        resources:
          <<: [*small, *large]
        """)
    assert doc.data["resources"] == {"cpu": "100m", "memory": "128Mi", "storage": "10Gi"}
    assert doc.values[("resources", "cpu")] == Pos(1, 21)
    assert doc.values[("resources", "storage")] == Pos(2, 48)


def test_merging_a_non_mapping_is_rejected() -> None:
    assert rejected("""\
        app:
          <<: 8080
        """) == ["f.yaml:2:7: app: '<<' merges only mappings"]
    # A list after '<<' is a list of sources: each must be a mapping.
    assert rejected("""\
        base: &base {port: 80}
        app:
          <<: [*base, web]
        """) == ["f.yaml:3:15: app: '<<' merges only mappings"]


def test_two_merge_keys_in_one_mapping_are_duplicates() -> None:
    assert rejected("""\
        app:
          <<: {port: 80}
          <<: {replicas: 1}
        """) == ["f.yaml:3:3: app.<<: duplicate key '<<' (first at line 2)"]


# --- bounds against hostile files --------------------------------------------------------------


def test_billion_laughs_fails_fast_and_small() -> None:
    raw = billion_laughs()
    started = time.perf_counter()
    doc, problems = parse("bomb.yaml", raw)
    elapsed = time.perf_counter() - started
    assert doc is None
    [problem] = problems
    assert problem.field == ""
    assert f"more than {MAX_NODES} nodes" in problem.message
    assert elapsed < 1.0

    tracemalloc.start()
    try:
        parse("bomb.yaml", raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_aliases_expanding_to_many_nodes_below_the_bound_are_fine() -> None:
    # 100 lists of 100 items: 10,101 nodes once expanded, a tenth of the bound.
    raw = ("row: &row [" + ", ".join(["x"] * 100) + "]\ntable: [" + ", ".join(["*row"] * 100) + "]\n").encode()
    doc = parsed(raw)
    assert len(doc.data["table"]) == 100
    assert all(row == ["x"] * 100 for row in doc.data["table"])


def test_merge_key_bomb_fails_fast() -> None:
    # Each level merges the previous one ten times: nothing new to build, but 10**9 visits.
    lines = ["a: &a {x: 1}"]
    for level in range(1, 10):
        name, prev = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} {{<<: [" + ", ".join([f"*{prev}"] * 10) + "]}")
    started = time.perf_counter()
    doc, problems = parse("bomb.yaml", ("\n".join(lines) + "\n").encode())
    assert time.perf_counter() - started < 1.0
    assert doc is None
    assert [p.message for p in problems] == [f"document expands to more than {MAX_NODES} nodes (alias bomb?)"]


@pytest.mark.parametrize("text", ["items: &loop [a, *loop]\n", "app: &loop {<<: *loop, port: 1}\n"])
def test_recursive_aliases_are_rejected_not_a_crash(text: str) -> None:
    doc, problems = parse("loop.yaml", text.encode())
    assert doc is None
    assert [p.message for p in problems] == [f"document nests deeper than {MAX_DEPTH} levels (recursive alias?)"]


def test_nesting_deeper_than_the_bound_is_rejected_where_it_gets_too_deep() -> None:
    depth = MAX_DEPTH + 1
    raw = ("a: " + "[" * depth + "]" * depth + "\n").encode()
    assert parse("deep.yaml", raw)[1] == [
        Problem("deep.yaml", 1, 4 + MAX_DEPTH - 1, "", f"document nests deeper than {MAX_DEPTH} levels")
    ]
    ok = ("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n").encode()
    assert parse("deep.yaml", ok)[1] == []


@pytest.mark.parametrize(("links", "too_deep"), [(MAX_DEPTH - 1, False), (MAX_DEPTH, True), (440, True)])
def test_alias_chains_count_their_full_depth(links: int, too_deep: bool) -> None:
    """Each anchor nests the previous one: every node is small and measured once, the built value is deep."""
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, links)]
    doc, problems = parse("chain.yaml", ("\n".join(lines) + "\n").encode())
    assert (doc is None) is too_deep
    assert [p.message for p in problems] == ([f"document nests deeper than {MAX_DEPTH} levels"] if too_deep else [])


def test_absurd_nesting_fails_fast_instead_of_crashing_the_interpreter() -> None:
    # LibYAML's composer recurses in C: 200,000 '[' used to kill the process with SIGSEGV.
    # Run in a child so that a regression fails this test instead of the whole session.
    script = (
        "import time; from generator.yamlsource import parse; t = time.perf_counter(); "
        "doc, problems = parse('deep.yaml', b'a: ' + b'[' * 200_000 + b']' * 200_000); "
        "print(doc is None, problems[0].message, round(time.perf_counter() - t, 3))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    is_none, *message, elapsed = result.stdout.split()
    assert is_none == "True"
    # Our own bound, or (with a LibYAML build that has one) LibYAML's nesting limit, whichever trips
    # first while reading the event stream: either way a clean rejection, never a crash.
    assert " ".join(message) in (
        f"document nests deeper than {MAX_DEPTH} levels",
        "YAML syntax error: exceeded maximum nesting depth (while increasing flow level at line 1, column 1003)",
    )
    assert float(elapsed) < 1.0


def test_deep_nesting_below_the_event_check_and_without_anchors_is_reported_not_a_crash() -> None:
    """Without anchors the size check is skipped and build() bounds the depth: 900 levels (LibYAML stops at
    1,000) fit in 2 kB, under the event check's threshold, and must not reach Python's recursion limit."""
    text = ("a: " + "[" * 900 + "]" * 900 + "\n").encode()
    doc, problems = parse("deep.yaml", text)
    assert doc is None
    expected = Problem("deep.yaml", 1, 4 + MAX_DEPTH - 1, "", f"document nests deeper than {MAX_DEPTH} levels")
    assert problems == [expected]
