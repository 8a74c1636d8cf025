"""The path notation of FieldDiff.path: keys, set members, indexes and quoted map keys."""

from __future__ import annotations

from checks.drift.paths import Key, Member, prefixes, render, within


def test_keyed_entries_and_plain_fields() -> None:
    path = ("spec", "template", "spec", "containers", Key.of({"name": "web"}), "image")
    assert render(path) == "spec.template.spec.containers[name=web].image"


def test_composite_keys_are_written_in_field_name_order() -> None:
    assert render(("spec", "ports", Key.of({"protocol": "TCP", "port": 443}))) == "spec.ports[port=443,protocol=TCP]"
    assert Key.of({"protocol": "TCP", "port": 443}) == Key.of([("port", 443), ("protocol", "TCP")])


def test_members_indexes_and_the_whole_object() -> None:
    assert render(("metadata", "finalizers", Member("kubernetes.io/pvc-protection"))) == \
        "metadata.finalizers[=kubernetes.io/pvc-protection]"
    assert render(("rules", 3, "verbs")) == "rules[3].verbs"
    assert render(()) == ""


def test_map_keys_that_are_not_words_are_quoted() -> None:
    quoted = 'metadata.labels["app.kubernetes.io/instance"]'
    assert render(("metadata", "labels", "app.kubernetes.io/instance")) == quoted
    assert render(("metadata", "labels", "delete-me")) == "metadata.labels.delete-me"


def test_ambiguous_key_values_are_quoted() -> None:
    assert render(("env", Key.of({"name": "A,B=C"}))) == 'env[name="A,B=C"]'
    assert render(("env", Key.of({"name": ""}))) == 'env[name=""]'
    assert render(("volumeMounts", Key.of({"mountPath": "/var/run/x"}))) == "volumeMounts[mountPath=/var/run/x]"


def test_prefixes_and_within() -> None:
    path = ("spec", "ports", Key.of({"port": 80}))
    assert list(prefixes(path)) == [path, ("spec", "ports"), ("spec",)]
    assert within(path, ("spec", "ports"))
    assert within(path, path)
    assert not within(("spec",), path)
    assert not within(("spec", "portsX"), ("spec", "ports"))
