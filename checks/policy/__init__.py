"""``platformctl policy``: rules with stable IDs over parsed objects, exemptions, one Report.

Importing the package registers every rule (one module per area).
"""

from __future__ import annotations

from checks.policy import rules_meta, rules_network, rules_rbac, rules_security, rules_tenancy, rules_workload
from checks.policy.engine import run
from checks.policy.registry import RULES

__all__ = ["RULES", "rules_meta", "rules_network", "rules_rbac", "rules_security", "rules_tenancy",
           "rules_workload", "run"]
