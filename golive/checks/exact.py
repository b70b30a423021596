"""Exact arithmetic for thresholds: every ratio of counts or of recorded decimal values is
a `Fraction` built from decimal text, so a figure equal to its threshold is judged by the
rule's own comparison and never by a binary-float artefact (110 of 200 is exactly 55 %).

Only statistics that need roots or interpolation (a Sharpe ratio, a histogram quantile)
are floats; they are compared after `is_finite`.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any


class NotANumber(ValueError):
    """A value that is not a finite decimal number."""


def exact(value: Any) -> Fraction:
    """`value` (a parameter, an int, a Decimal, or decimal text) as an exact Fraction.

    A float is read from its shortest decimal text (`str`), which is the text YAML or JSON
    held for any value written with up to 15 significant digits: 0.01 is 1/100, not the
    binary double nearest to it."""
    if isinstance(value, bool):
        raise NotANumber(f"{value!r} is a boolean, not a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float | Decimal | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise NotANumber(f"{str(value)[:40]!r} is not a decimal number") from None
        if not number.is_finite():
            raise NotANumber(f"{value!r} is not a finite number")
        return Fraction(number)
    raise NotANumber(f"{type(value).__name__} {str(value)[:40]!r} is not a number")


def is_finite(value: Any) -> bool:
    """True for an int, float or Decimal that is a finite number (booleans are not numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        # An integer too large for a float cannot be a measured figure (and would overflow).
        try:
            float(value)
        except OverflowError:
            return False
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return False


def percent(part: int, whole: int) -> Fraction:
    """`part` of `whole` in percent, exactly; `whole` must be positive."""
    if whole <= 0:
        raise ZeroDivisionError("a percentage of nothing")
    return Fraction(part * 100, whole)


def shown(value: Fraction, digits: int = 2) -> str:
    """A readable rounding of an exact figure, for summaries only (never for a decision)."""
    return f"{float(value):.{digits}f}"
