"""Blueprint kinds (pydantic v2). Field names follow the contract in DESIGN.md."""

from generator.model.environment import Environment
from generator.model.platform import Platform
from generator.model.tenant import Tenant

KINDS: dict[str, type] = {"Platform": Platform, "Environment": Environment, "Tenant": Tenant}

__all__ = ["KINDS", "Environment", "Platform", "Tenant"]
