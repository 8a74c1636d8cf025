"""LibYAML's loader with a quicker tag resolver: the same tags as ``yaml.CSafeLoader``, less time.

PyYAML asks its Python resolver about every node (path resolvers, then implicit resolvers chosen by
first character). We use no path resolvers, most scalars start with a letter no implicit type uses,
and a plain scalar's tag depends on its text alone, which manifests and blueprints repeat endlessly:
~30% less time composing manifests. Shared by the blueprint reader and the manifest checkers.
"""

from __future__ import annotations

from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MAYBE_TYPED = frozenset("yYnNtTfFoO-+0123456789.<~=")  # first characters of YAML 1.1 non-string plain scalars
_PLAIN_TAGS: dict[str, str] = {}  # plain scalar text -> tag, shared by every loader of the process
_PLAIN_TAGS_MAX = 50_000  # bounded: a hostile file of unique numbers must not grow it without end


class QuickLoader(yaml.CSafeLoader):
    """``yaml.CSafeLoader`` with the resolver short-cuts above; tags are identical."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0] and (not value or value[0] in _MAYBE_TYPED):
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                        _PLAIN_TAGS[value] = tag
                return tag
            return _STR
        return _MAP if kind is yaml.MappingNode else _SEQ
