"""Quantity arithmetic for splitting a tenant's quota, printed in canonical Kubernetes form."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from generator.model.types import quantity_value

_MI = Decimal(1024 * 1024)


def cpu(amount: Decimal) -> str:
    """Millicores, floored; whole cores printed without a suffix."""
    milli = int((amount * 1000).to_integral_value(rounding=ROUND_FLOOR))
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def binary(amount: Decimal) -> str:
    """Bytes floored to MiB, printed as Gi when whole."""
    mib = int((amount / _MI).to_integral_value(rounding=ROUND_FLOOR))
    return f"{mib // 1024}Gi" if mib % 1024 == 0 and mib else f"{mib}Mi"


def share(text: str, parts: int) -> Decimal:
    return quantity_value(text) / parts


def smaller(a: str, b: str) -> str:
    return a if quantity_value(a) <= quantity_value(b) else b
