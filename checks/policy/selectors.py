"""Kubernetes label selectors (equality maps and LabelSelector with matchExpressions)."""

from __future__ import annotations

from typing import Any

from checks.policy.podspec import as_dict, as_list


def matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """LabelSelector semantics: matchLabels AND every matchExpression; ``{}`` selects everything."""
    for key, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key, op, values = expr.get("key"), expr.get("operator"), as_list(expr.get("values"))
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def matches_map(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A Service's plain ``key: value`` selector."""
    return all(labels.get(k) == v for k, v in selector.items())


def is_empty(selector: Any) -> bool:
    selector = as_dict(selector)
    return not selector.get("matchLabels") and not selector.get("matchExpressions")
