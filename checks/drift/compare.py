"""Desired vs live, field by field: what git declares and the cluster no longer has.

Only fields git declares are compared; a field only live has is *unmanaged* (defaults, controllers, other
tools: reported when asked for, never drift), except a field git used to declare that an apply would now
remove. The evidence for "used to declare" is the live object's own: its last-applied-configuration
annotation (client-side apply), what ``managers`` own through server-side *Apply* in its managedFields (an
Apply owns exactly what it sent; an Update, which client-side apply and controllers write, also owns the
defaults of an object it created, so it is no evidence), and, in the server-side mode, the dry-run result (a
live field the server would not keep is removed by the apply). Those fields are drift with ``desired=None``.
Every difference names the manager that last wrote the live field.

Lists are matched the way Kubernetes merges them (strategic-merge ``patchMergeKey`` / associative-list keys
where they exist). ``LIST_RULES`` is the one table; in short:

    kind            list (path suffix)                          matched by                      live-only entries
    any             metadata.finalizers                         value (a set)                   unmanaged
    any             metadata.ownerReferences                    uid                             unmanaged
    any             containers, initContainers,                 name                            unmanaged
                    ephemeralContainers, env, volumes,
                    imagePullSecrets, resourceClaims,
                    schedulingGates, resources.claims
    any             <container>.ports                           containerPort + protocol (TCP)  unmanaged
    any             volumeMounts / volumeDevices                mountPath / devicePath          unmanaged
    any             hostAliases                                 ip                              unmanaged
    any             topologySpreadConstraints                   topologyKey + whenUnsatisfiable unmanaged
    any             resizePolicy                                resourceName                    unmanaged
    Service         spec.ports                                  port + protocol (TCP)           unmanaged
    ServiceAccount  secrets                                     name                            unmanaged
    *WebhookConfiguration  webhooks                             name                            unmanaged
    CustomResourceDefinition  spec.versions                     name                            unmanaged
    HorizontalPodAutoscaler   spec.metrics                      type + metric source name       drift (atomic)
    Endpoints       subsets[].addresses, .notReadyAddresses     ip                              drift (atomic)

Order-insensitive lists without a key (multisets: entries paired one to one, any difference reported once, at
the list): Role/ClusterRole ``rules`` and their ``verbs``/``apiGroups``/``resources``/``resourceNames``/
``nonResourceURLs``; NetworkPolicy ``spec.policyTypes``; Endpoints ``subsets`` and their ``ports``; webhook
``rules[]`` ``operations``/``apiGroups``/``apiVersions``/``resources``; ``capabilities.add``/``drop``;
``accessModes``. Every other list is atomic and ordered: compared by index, and extra entries on either side
are drift (``kubectl apply`` and server-side apply replace such a list whole). An entry that cannot be keyed
(a key field missing, two entries sharing a key) makes its list fall back to that too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.drift import managed
from checks.drift.ignore import NO_RULES, IgnoreRules
from checks.drift.model import FieldDiff, ObjectRef
from checks.drift.normalize import (
    INT_OR_STRING,
    canonical,
    drop_server_assigned,
    empty_is_a_value,
    is_empty,
    last_applied,
    normalize,
)
from checks.drift.paths import Key, Member, Path, Segment, prefixes, render, within

MANAGERS: tuple[str, ...] = ("platformctl", "argocd-controller")
IDENTITY_FIELDS = ("apiVersion", "kind")  # the pair is matched by ObjectRef before compare is called
ANY = "[]"  # in a path pattern: any list entry


@dataclass(frozen=True)
class ListRule:
    """How one list is matched: by key fields (dotted for nested ones) or by value, or neither (by index)."""

    key: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)  # key fields the server defaults when absent
    by_value: bool = False  # a set of scalars, matched by value
    merge: bool = False  # live-only entries are someone else's (strategic merge / associative list)
    ordered: bool = True  # an unkeyed list whose order matters
    partial_key: bool = False  # key fields absent from an entry are left out of its key (HPA metrics)


def _merge(*key: str, **defaults: Any) -> ListRule:
    return ListRule(key=key, defaults=defaults, merge=True)


ATOMIC = ListRule()
SET = ListRule(ordered=False)
MERGE_SET = ListRule(by_value=True, merge=True, ordered=False)
TCP = {"protocol": "TCP"}
CONTAINERS = ("containers", "initContainers", "ephemeralContainers")
RBAC = frozenset({"Role", "ClusterRole"})
WEBHOOKS = frozenset({"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"})
HPA_METRIC_ID = ("type", "resource.name", "containerResource.name", "containerResource.container",
                 "pods.metric.name", "object.metric.name", "object.describedObject.kind",
                 "object.describedObject.name", "external.metric.name")

# (kinds or None for any kind, path suffix; "^" first anchors it at the root, ANY is any list entry, rule)
LIST_RULES: tuple[tuple[frozenset[str] | None, tuple[str, ...], ListRule], ...] = (
    (None, ("^", "metadata", "finalizers"), MERGE_SET),
    (None, ("^", "metadata", "ownerReferences"), _merge("uid")),
    *((None, (name,), _merge("name")) for name in CONTAINERS),
    *((None, (name, ANY, "ports"), _merge("containerPort", "protocol", **TCP)) for name in CONTAINERS),
    *((None, (name,), _merge("name")) for name in ("env", "volumes", "imagePullSecrets", "resourceClaims",
                                                   "schedulingGates")),
    (None, ("resources", "claims"), _merge("name")),
    (None, ("volumeMounts",), _merge("mountPath")),
    (None, ("volumeDevices",), _merge("devicePath")),
    (None, ("hostAliases",), _merge("ip")),
    (None, ("topologySpreadConstraints",), _merge("topologyKey", "whenUnsatisfiable")),
    (None, ("resizePolicy",), _merge("resourceName")),
    (frozenset({"Service"}), ("^", "spec", "ports"), _merge("port", "protocol", **TCP)),
    (frozenset({"ServiceAccount"}), ("^", "secrets"), _merge("name")),
    (WEBHOOKS, ("^", "webhooks"), _merge("name")),
    (frozenset({"CustomResourceDefinition"}), ("^", "spec", "versions"), _merge("name")),
    (frozenset({"HorizontalPodAutoscaler"}), ("^", "spec", "metrics"),
     ListRule(key=HPA_METRIC_ID, ordered=False, partial_key=True)),
    (frozenset({"Endpoints"}), ("^", "subsets"), SET),
    *((frozenset({"Endpoints"}), ("^", "subsets", ANY, name), ListRule(key=("ip",), ordered=False))
      for name in ("addresses", "notReadyAddresses")),
    (frozenset({"Endpoints"}), ("^", "subsets", ANY, "ports"), SET),
    (RBAC, ("^", "rules"), SET),
    *((RBAC, ("^", "rules", ANY, name), SET) for name in ("verbs", "apiGroups", "resources", "resourceNames",
                                                          "nonResourceURLs")),
    *((WEBHOOKS, ("^", "webhooks", ANY, "rules", ANY, name), SET)
      for name in ("operations", "apiGroups", "apiVersions", "resources")),
    (frozenset({"NetworkPolicy"}), ("^", "spec", "policyTypes"), SET),
    (None, ("capabilities", "add"), SET),
    (None, ("capabilities", "drop"), SET),
    (None, ("accessModes",), SET),
)


def list_rule(kind: str, path: Path) -> ListRule:
    """The rule for the list at ``path`` in an object of ``kind`` (ATOMIC when the table has none)."""
    shape = tuple(seg if isinstance(seg, str) else ANY for seg in path)
    for kinds, pattern, rule in LIST_RULES:
        if kinds is not None and kind not in kinds:
            continue
        anchored = pattern[0] == "^"
        suffix = pattern[1:] if anchored else pattern
        if (shape == suffix) if anchored else shape[-len(suffix):] == suffix:
            return rule
    return ATOMIC


@dataclass(frozen=True)
class Comparison:
    diffs: tuple[FieldDiff, ...] = ()  # drift: declared fields that differ, and fields an apply would remove
    unmanaged: tuple[FieldDiff, ...] = ()  # fields only live has (filled when asked for)

    @property
    def equal(self) -> bool:
        return not self.diffs


Found = tuple[Path, Any, Any]  # (path, desired, live)


def _dig(value: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


class _Walker:
    """The recursive comparisons, for one kind of object (list rules depend on it).

    ``want`` is the desired side, ``have`` the live side, ``before`` what was applied last time.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def rule(self, path: Path) -> ListRule:
        return list_rule(self.kind, path)

    def key(self, rule: ListRule, element: Any) -> Segment | None:
        """The segment naming ``element`` in its list, or None when it has no (complete) key."""
        if rule.by_value:
            return Member(element) if not isinstance(element, (dict, list)) else None
        if not isinstance(element, Mapping):
            return None
        pairs = []
        for name in rule.key:
            value = _dig(element, name)
            if value is None:
                value = rule.defaults.get(name)
            if value is None:
                if rule.partial_key:
                    continue
                return None
            pairs.append((name, _key_part(name, value)))
        return Key.of(pairs) if pairs else None

    def index(self, rule: ListRule, items: list[Any]) -> dict[Segment, Any] | None:
        """Entries by key, in order; None when any entry has no key or two share one (then: by index)."""
        out: dict[Segment, Any] = {}
        for item in items:
            seg = self.key(rule, item)
            if seg is None or seg in out:
                return None
            out[seg] = item
        return out

    def keyed(self, path: Path, first: list[Any], second: list[Any]) -> tuple[dict[Segment, Any],
                                                                               dict[Segment, Any], ListRule] | None:
        """Both lists by key, when the list has a key and every entry of both has its own."""
        rule = self.rule(path)
        if not (rule.key or rule.by_value):
            return None
        a, b = self.index(rule, first), self.index(rule, second)
        return (a, b, rule) if a is not None and b is not None else None

    # -- declared fields -------------------------------------------------------------------------------------

    def diff(self, want: Any, have: Any, path: Path) -> Iterator[Found]:
        """Where what ``want`` declares differs from ``have`` (fields only ``have`` has are not looked at)."""
        if want is None:
            return
        if is_empty(want):
            if is_empty(have):
                if want == {} and have is None and empty_is_a_value(path):
                    yield path, want, have
                return
            if isinstance(want, dict) and isinstance(have, dict):
                return
            if isinstance(want, list) and isinstance(have, list) and self.rule(path).merge:
                return
            yield path, want, have
        elif is_empty(have):
            yield path, want, have
        elif isinstance(want, dict) and isinstance(have, dict):
            for name in sorted(want):
                yield from self.diff(want[name], have.get(name), (*path, name))
        elif isinstance(want, list) and isinstance(have, list):
            yield from self.diff_list(want, have, path)
        elif (isinstance(want, (dict, list)) or isinstance(have, (dict, list))
              or canonical(path, want) != canonical(path, have)):
            yield path, want, have

    def diff_list(self, want: list[Any], have: list[Any], path: Path) -> Iterator[Found]:
        keyed = self.keyed(path, want, have)
        if keyed is not None:
            by_want, by_have, rule = keyed
            for seg, item in by_want.items():
                if seg in by_have:
                    yield from self.diff(item, by_have[seg], (*path, seg))
                else:
                    yield (*path, seg), item, None
            if not rule.merge:
                yield from (((*path, seg), None, item) for seg, item in by_have.items() if seg not in by_want)
        elif not self.rule(path).ordered:
            if not self.same_multiset(want, have, path):
                yield path, want, have
        else:
            for i in range(max(len(want), len(have))):
                if i >= len(have):
                    yield (*path, i), want[i], None
                elif i >= len(want):
                    yield (*path, i), None, have[i]
                else:
                    yield from self.diff_entry(want[i], have[i], (*path, i))

    def diff_entry(self, want: Any, have: Any, path: Path) -> Iterator[Found]:
        """An entry of an atomic list: as a field, except that an empty entry is one (``ingress: [{}]``, allow
        all), not "nothing declared": a live entry with content in its place is drift."""
        if want == {} and isinstance(have, dict) and not is_empty(have):
            yield path, want, have
        else:
            yield from self.diff(want, have, path)

    def same_multiset(self, want: list[Any], have: list[Any], path: Path) -> bool:
        """Every desired entry pairs with its own live entry and none is left over (bipartite matching)."""
        if len(want) != len(have):
            return False
        fits = [[j for j, b in enumerate(have) if not any(self.diff_entry(a, b, (*path, j)))] for a in want]
        holder: dict[int, int] = {}

        def place(i: int, seen: set[int]) -> bool:
            for j in fits[i]:
                if j not in seen:
                    seen.add(j)
                    if j not in holder or place(holder[j], seen):
                        holder[j] = i
                        return True
            return False

        return all(place(i, set()) for i in range(len(want)))

    # -- fields only live has -------------------------------------------------------------------------------

    def only_live(self, want: Any, have: Any, path: Path) -> Iterator[Found]:
        """Live fields ``want`` does not declare: map leaves, whole lists and whole list entries."""
        if is_empty(have):
            return
        if isinstance(have, dict) and (want is None or isinstance(want, dict)):
            for name in sorted(have):
                yield from self.only_live((want or {}).get(name), have[name], (*path, name))
        elif want is None:
            yield path, None, have
        elif isinstance(want, list) and isinstance(have, list):
            keyed = self.keyed(path, want, have)
            if keyed is not None:
                by_want, by_have, rule = keyed
                for seg, item in by_have.items():
                    if seg in by_want:
                        yield from self.only_live(by_want[seg], _unkeyed(item, seg), (*path, seg))
                    elif rule.merge:
                        yield (*path, seg), None, item
            elif self.rule(path).ordered:
                for i in range(min(len(want), len(have))):
                    yield from self.only_live(want[i], have[i], (*path, i))

    # -- fields an apply would remove -----------------------------------------------------------------------

    def removed_since(self, before: Any, want: Any, have: Any, path: Path) -> Iterator[Found]:
        """Live fields that ``before`` (last-applied) declared and ``want`` no longer does."""
        if is_empty(before) or is_empty(have):
            return
        if isinstance(before, dict) and isinstance(have, dict):
            if want is None or isinstance(want, dict):
                for name in sorted(before):
                    yield from self.removed_since(before[name], (want or {}).get(name), have.get(name), (*path, name))
        elif isinstance(before, list) and isinstance(have, list):
            keyed = self.keyed(path, before, have)
            if keyed is not None and (want is None or isinstance(want, list)):
                by_before, by_have, rule = keyed
                by_want = self.index(rule, want or []) or {}
                for seg, item in by_before.items():
                    if seg in by_have and seg in by_want:
                        yield from self.removed_since(_unkeyed(item, seg), by_want[seg], by_have[seg], (*path, seg))
                    elif seg in by_have:
                        yield (*path, seg), None, by_have[seg]
            elif is_empty(want):
                yield path, None, have
        elif want is None:
            yield path, None, have

    def removed_owned(self, mine: managed.Node, others: managed.Node | None, want: Any, have: Any,
                      path: Path) -> Iterator[Found]:
        """Live fields ``mine`` (our managers' field set) owns that ``want`` no longer declares."""
        identity = {name for name, _ in path[-1].fields} if path and isinstance(path[-1], Key) else set()
        for seg, child in sorted(mine.children.items(), key=lambda item: render((item[0],))):
            if seg in identity:
                continue
            if isinstance(seg, str) and isinstance(have, dict):
                got, wanted = have.get(seg), (want.get(seg) if isinstance(want, dict) else None)
            elif not isinstance(seg, str) and isinstance(have, list):
                defaults = self.rule(path).defaults
                got = next((x for x in have if _is(seg, x, defaults)), None)
                wanted = next((x for x in want if _is(seg, x, defaults)), None) if isinstance(want, list) else None
            else:
                continue
            if is_empty(got):
                continue
            theirs = others.children.get(seg) if others else None
            here = (*path, seg)
            whole = child.owned and (not child.children or not isinstance(seg, str))  # a leaf, or an entry we made
            if is_empty(wanted) and whole:
                shared = isinstance(got, (dict, list)) and theirs is not None and theirs.owns_anything()
                if not shared:
                    yield here, None, got
            elif child.children and (wanted is None or isinstance(wanted, (dict, list))):
                yield from self.removed_owned(child, theirs, wanted, got, here)

    def removed_by_server(self, have: Any, predicted: Any, path: Path) -> Iterator[Found]:
        """Live fields the dry-run result does not have: the apply would remove them."""
        if is_empty(have):
            return
        if is_empty(predicted):
            yield path, None, have
        elif isinstance(have, dict) and isinstance(predicted, dict):
            for name in sorted(have):
                yield from self.removed_by_server(have[name], predicted.get(name), (*path, name))
        elif isinstance(have, list) and isinstance(predicted, list):
            keyed = self.keyed(path, predicted, have)
            if keyed is not None:
                by_predicted, by_have, _ = keyed
                for seg, item in by_have.items():
                    yield from self.removed_by_server(item, by_predicted.get(seg), (*path, seg))


def _is(seg: Segment, element: Any, defaults: Mapping[str, Any]) -> bool:
    """Whether a list element is the one a managedFields key or set member names."""
    if isinstance(seg, Key) and isinstance(element, Mapping):
        return all(_key_part(name, _dig(element, name) if _dig(element, name) is not None else defaults.get(name))
                   == value for name, value in seg.fields)
    return isinstance(seg, Member) and element == seg.value


def _unkeyed(item: Any, seg: Segment) -> Any:
    """A list entry without its key fields: they name the entry (defaults included), they are not its content."""
    if not isinstance(seg, Key) or not isinstance(item, dict):
        return item
    names = {name for name, _ in seg.fields}
    return {k: v for k, v in item.items() if k not in names}


def _key_part(name: str, value: Any) -> Any:
    return int(value) if name in INT_OR_STRING and isinstance(value, str) and value.isdigit() else value


def _without(obj: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in names}


def _prepare(obj: Mapping[str, Any] | None, ref: ObjectRef, ignore: IgnoreRules, ignore_replicas: bool,
             keep_aggregated_rules: bool) -> dict[str, Any] | None:
    if obj is None:
        return None
    out = ignore.apply(normalize(obj, keep_aggregated_rules=keep_aggregated_rules), ref)
    if ignore_replicas and isinstance(out.get("spec"), dict):
        out["spec"].pop("replicas", None)
    return out


def _attribute(found: Iterable[Found], owner_of: Callable[[Path], tuple[str, str | None] | None]) -> list[FieldDiff]:
    out = []
    for path, desired, live in found:
        owner = owner_of(path)
        out.append(FieldDiff(render(path), desired, live, *(owner or (None, None))))
    return out


def compare(desired: Mapping[str, Any], live: Mapping[str, Any], *, ignore: IgnoreRules = NO_RULES,
            ignore_replicas: bool = False, managers: tuple[str, ...] = MANAGERS, unmanaged: bool = False,
            predicted: Mapping[str, Any] | None = None, keep_aggregated_rules: bool = False) -> Comparison:
    """The drift of one object: ``desired`` (git, or ``managed.owned_by`` of a dry-run result) vs ``live``.

    ``predicted``: the server's dry-run apply result (server-side mode), whose missing fields are removals.
    ``ignore_replicas``: the object is scaled by an HPA (see ``hpa_targets``). ``keep_aggregated_rules``
    compares the rules of aggregated ClusterRoles too (normally the aggregation controller's).
    """
    ref = ObjectRef.of(desired)
    walker = _Walker(str(desired.get("kind") or live.get("kind") or ""))
    prep = {name: _prepare(obj, ref, ignore, ignore_replicas, keep_aggregated_rules)
            for name, obj in (("d", desired), ("l", live), ("before", last_applied(live)), ("p", predicted))}
    have = _without(drop_server_assigned(prep["d"] or {}, prep["l"] or {}), IDENTITY_FIELDS)
    want, full_live = (_without(prep[name] or {}, IDENTITY_FIELDS) for name in ("d", "l"))
    before, after = (None if prep[name] is None else _without(prep[name], IDENTITY_FIELDS) for name in ("before", "p"))

    found: dict[Path, Found] = {path: (path, w, h) for path, w, h in walker.diff(want, have, ())}
    removals: list[Found] = []
    if before is not None:
        removals += walker.removed_since(before, want, have, ())
    removals += walker.removed_owned(managed.fields_of(live, managers, operation="Apply"),
                                     managed.fields_of(live, managers, operation="Apply", exclude=True), want, have, ())
    if after is not None:
        removals += walker.removed_by_server(full_live, after, ())
    for item in sorted(removals, key=lambda f: len(f[0])):
        if not any(within(item[0], path) for path in found):
            found[item[0]] = item

    table = managed.owners(live)

    def owner_of(path: Path) -> tuple[str, str | None] | None:
        return next((table[text] for text in map(render, prefixes(path)) if text in table), None)

    diffs = sorted(_attribute(found.values(), owner_of), key=lambda f: f.path)
    extra: list[FieldDiff] = []
    if unmanaged:
        only = [f for f in walker.only_live(want, have, ())
                if not any(within(f[0], path) or within(path, f[0]) for path in found)]
        extra = sorted(_attribute(only, owner_of), key=lambda f: f.path)
    return Comparison(tuple(diffs), tuple(extra))


def hpa_targets(objects: Iterable[Mapping[str, Any]]) -> set[ObjectRef]:
    """The workloads HorizontalPodAutoscalers scale: their ``spec.replicas`` is the HPA's, not git's."""
    out = set()
    for obj in objects:
        if obj.get("kind") != "HorizontalPodAutoscaler" or not str(obj.get("apiVersion")).startswith("autoscaling/"):
            continue
        target = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") and target.get("name"):
            group = str(target.get("apiVersion") or "").rpartition("/")[0]
            namespace = str((obj.get("metadata") or {}).get("namespace") or "")
            out.add(ObjectRef(group, str(target["kind"]), namespace, str(target["name"])))
    return out
