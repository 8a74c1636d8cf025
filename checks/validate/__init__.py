"""``platformctl validate``: kubeconform and ``kustomize build`` over any tree of manifests, one Report.

Shaped like kubeconform itself: ``targets`` finds what to check, ``kubeconform`` and ``kustomize`` run the
pinned binaries and turn their output into findings, ``run`` ties them together; formats live in
``checks.formats``.
"""

from __future__ import annotations

from checks.validate.run import RULES, ValidateError, validate

__all__ = ["RULES", "ValidateError", "validate"]
