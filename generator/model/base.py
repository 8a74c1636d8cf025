"""The base every blueprint model derives from: strict, camelCase in YAML, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

API_VERSION = "platformctl.dev/v1alpha1"


class Strict(BaseModel):
    """Unknown fields are errors (the loader suggests the closest known one).

    Strict types: no lax coercion, so ``replicas: true`` or ``port: "8080"`` are type errors
    rather than 1 and 8080. Fields that accept several YAML spellings (quantities, versions,
    env values) convert explicitly in a BeforeValidator.
    """

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        strict=True,
    )
