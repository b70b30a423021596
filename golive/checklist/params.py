"""Checklist parameters: the range every numeric one must lie in, and overrides checked
against the default's type and that range."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive.secrets import quoted_value
from golive.yamlfile import ConfigError, suggest

if TYPE_CHECKING:
    from golive.checklist import ItemSpec


def merge_params(item: ItemSpec, overrides: dict[str, Any], where: Any) -> dict[str, Any]:
    """`item.params` updated by `overrides`, each checked against the default's type and,
    for numbers, against `PARAM_BOUNDS`."""
    merged = dict(item.params)
    for name, value in overrides.items():
        if name not in item.params:
            valid = sorted(item.params) or ["(this item has no parameters)"]
            raise ConfigError(
                f"{where(name)}: unknown parameter '{name}' for {item.id}{suggest(str(name), valid)}; valid: {', '.join(valid)}"
            )
        expected = _type_name(item.params[name])
        if not _same_type(item.params[name], value):
            raise ConfigError(
                f"{where(name)}: {item.id}.{name} must be {expected}, got {_type_name(value)} {quoted_value(str(name), value)}"
            )
        problem = param_problem(str(name), value)
        if problem:
            raise ConfigError(f"{where(name)}: {item.id}.{name} {problem}")
        merged[name] = value
    return merged


@dataclass(frozen=True)
class Bounds:
    """The range a numeric parameter must lie in; `integer` parameters must be whole numbers."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False
    integer: bool = False

    def problem(self, value: Decimal) -> str | None:
        if self.integer and value != value.to_integral_value():
            return "must be a whole number"
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return f"must be {'above' if self.low_open else 'at least'} {self.low}"
        if self.high is not None and value > self.high:
            return f"must be at most {self.high}"
        return None

    def describe(self) -> str:
        parts = ["a whole number" if self.integer else "a number"]
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low}")
        if self.high is not None:
            parts.append(f"<= {self.high}")
        return " ".join(parts)


def _bounds(low: str | None = None, high: str | None = None, *, above: bool = False, integer: bool = False) -> Bounds:
    return Bounds(Decimal(low) if low is not None else None, Decimal(high) if high is not None else None, above, integer)


# Every numeric parameter's range, by name (first match wins). Declared once here rather than
# per item so that a team checklist reusing a built-in check gets the same ranges; a name no
# rule matches must still be a finite number (a test keeps every default parameter covered).
# Counts that decide "enough evidence" start at 1 (or 2 for a standard deviation), so no
# override can turn an empty set into a vacuous pass.
PARAM_BOUNDS: tuple[tuple[str, Bounds], ...] = (
    (r"min_observations", _bounds("2", "1000000000", integer=True)),
    (r"min_(tests|samples|users|orders|trades|urls|parameters)", _bounds("1", "1000000000", integer=True)),
    (r"ddof", _bounds("0", "1", integer=True)),
    (r"max_error_rate", _bounds("0", "1")),
    (r"min_score", _bounds("0", "10")),
    (r"min_sharpe|risk_free_rate", _bounds("-1000", "1000")),
    (r".*_percent", _bounds("0", "100")),
    (r"annualisation_days", _bounds("1", "366")),
    (r"(window|rolling)_days", _bounds("1", "36600", integer=True)),
    (r".*_days", _bounds("0", "36600", integer=True)),
    (r".*_hours", _bounds("0", "876000")),
    (r".*_minutes", _bounds("0", "52560000")),
    (r".*timeout_seconds", _bounds("0", "86400", above=True)),
    (r".*_seconds", _bounds("0", "31536000")),
    (r"max_\w+_ms", _bounds("0", "3600000", above=True)),
    (r"max_bytes", _bounds("1", "1099511627776", integer=True)),
    (r"weakest_modules", _bounds("0", "1000", integer=True)),
    (r".*_status(es)?", _bounds("100", "599", integer=True)),
)


# List parameters naming what a rule checks "each of": an empty list would make the rule
# hold vacuously (no unit to check is not every unit running).
NON_EMPTY_LISTS = frozenset({"required_families", "units", "crowdsec_units", "benign_statuses", "sbom_formats", "blocking_severities"})


def bounds_of(name: str) -> Bounds | None:
    return next((bounds for pattern, bounds in PARAM_BOUNDS if re.fullmatch(pattern, name)), None)


def param_problem(name: str, value: Any) -> str | None:
    """Why a parameter value is out of range (None when it is fine): numbers must be finite,
    fit a float, and lie in `PARAM_BOUNDS`; a list's numbers are checked one by one."""
    if isinstance(value, list):
        if not value and name in NON_EMPTY_LISTS:
            return "must name at least one entry: an empty list would pass vacuously"
        for index, element in enumerate(value):
            problem = param_problem(name, element)
            if problem:
                return f"[{index}] {problem}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    try:
        float(value)
    except OverflowError:
        return f"is too large ({len(str(value))} digits)"
    bounds = bounds_of(name)
    if bounds is None:
        return None
    problem = bounds.problem(Decimal(str(value)))
    return f"{problem} ({bounds.describe()}), got {value!r}" if problem else None


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, str)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return "a string"
