"""Exact money: integer cents in, two-decimal strings out. Never floats for arithmetic."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def to_cents(value: Any) -> int:
    """Parse '12.34', 12.34 or 12 into cents; raises ValueError on anything else or on sub-cent values."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"not a money amount: {value!r}")
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a money amount: {value!r}") from None
    if not dec.is_finite():
        raise ValueError(f"not a money amount: {value!r}")
    cents = dec * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"more than two decimals: {value!r}")
    return int(cents)


def fmt(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
