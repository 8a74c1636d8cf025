"""The base every blueprint model derives from: strict, camelCase in YAML, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

API_VERSION = "platformctl.dev/v1alpha1"


class Strict(BaseModel):
    """Unknown fields are errors (the loader suggests the closest known one)."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        strict=False,
    )
