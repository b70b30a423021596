"""KPI arithmetic on validated daily series and trades: pure functions, standard library only.

Conventions (also stated by `golive explain` on the Sharpe item):
- A daily series is a list of (date, value) in ascending date order, one point a day at most.
- Returns are simple daily returns. An equity or PnL series becomes returns between
  consecutive points; a returns series starts from an equity of 1 the day before its first point.
- Sharpe = mean(r - rf) / std(r - rf, ddof) * sqrt(A), with A the annualisation days
  (365 for a 24/7 venue, 252 for exchange days) and rf = risk_free_rate / A per day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Point = tuple[dt.date, float]
KINDS = ("returns", "equity", "pnl")
# A standard deviation this small is rounding noise around constant returns: no Sharpe exists.
_ZERO_SPREAD = 1e-12


class SeriesError(ValueError):
    """The series cannot be turned into an equity curve (e.g. equity at or below zero)."""


@dataclass(frozen=True)
class Curve:
    """An equity curve (its base point first) and the daily returns between its points."""

    equity: list[Point]
    returns: list[Point]


@dataclass(frozen=True)
class Episode:
    """One peak-to-trough drawdown: from the peak, through the trough, to recovery (None: ongoing)."""

    start: dt.date
    trough: dt.date
    end: dt.date | None
    depth: float
    peak_value: float
    trough_value: float

    def span_end(self, as_of: dt.date) -> dt.date:
        return self.end if self.end is not None else as_of

    def overlaps(self, first: dt.date, last: dt.date, as_of: dt.date) -> bool:
        return self.start <= last and self.span_end(as_of) >= first

    def describe(self) -> str:
        ending = f"recovered {self.end.isoformat()}" if self.end else "ongoing"
        return f"{self.start.isoformat()} peak, trough {self.trough.isoformat()} (-{self.depth * 100:.2f} %), {ending}"


def curve(kind: str, points: Sequence[Point], capital: float | None = None) -> Curve:
    """The equity curve and returns of a returns, equity or PnL series."""
    if not points:
        return Curve([], [])
    if kind == "returns":
        value = 1.0
        equity: list[Point] = [(points[0][0] - dt.timedelta(days=1), value)]
        for day, daily in points:
            value *= 1.0 + daily
            if value <= 0:
                raise SeriesError(f"the return of {day.isoformat()} takes equity to {value:g}")
            equity.append((day, value))
        return Curve(equity, list(points))
    if kind == "equity":
        equity = list(points)
    elif kind == "pnl":
        if capital is None or capital <= 0:
            raise SeriesError("a PnL series needs a positive starting capital (sources.kpi.capital)")
        value = capital
        equity = [(points[0][0] - dt.timedelta(days=1), value)]
        for day, pnl in points:
            value += pnl
            equity.append((day, value))
    else:
        raise SeriesError(f"unknown series kind {kind!r} (one of {', '.join(KINDS)})")
    for day, value in equity:
        if value <= 0:
            raise SeriesError(f"equity on {day.isoformat()} is {value:g}; returns need a positive equity")
    returns = [(day, value / previous - 1.0) for (_, previous), (day, value) in itertools.pairwise(equity)]
    return Curve(equity, returns)


def window(points: Sequence[Point], last: dt.date, days: int) -> list[Point]:
    """The points dated in the `days` days ending at `last` (inclusive)."""
    first = window_start(last, days)
    return [(day, value) for day, value in points if first <= day <= last]


def window_start(last: dt.date, days: int) -> dt.date:
    return last - dt.timedelta(days=days - 1)


def sharpe(returns: Sequence[float], annualisation_days: float, risk_free_rate: float, ddof: int) -> float | None:
    """Annualised Sharpe ratio of daily returns; None when undefined (too few points, no spread)."""
    count = len(returns)
    if count - ddof <= 0 or count < 2:
        return None
    daily_rf = risk_free_rate / annualisation_days
    excess = [value - daily_rf for value in returns]
    mean = math.fsum(excess) / count
    spread = math.sqrt(math.fsum((value - mean) ** 2 for value in excess) / (count - ddof))
    if spread < _ZERO_SPREAD:
        return None
    return mean / spread * math.sqrt(annualisation_days)


def rolling_sharpe(
    returns: Sequence[Point], days: Sequence[dt.date], length: int, annualisation_days: float, risk_free_rate: float, ddof: int
) -> list[tuple[dt.date, float | None]]:
    """The Sharpe of the `length` days ending at each of `days`; None where the data does not
    cover that whole sub-window or the Sharpe is undefined."""
    if not returns:
        return [(day, None) for day in days]
    first_data = returns[0][0]
    series: list[tuple[dt.date, float | None]] = []
    for day in days:
        start = window_start(day, length)
        if start < first_data:
            series.append((day, None))
            continue
        values = [value for when, value in returns if start <= when <= day]
        series.append((day, sharpe(values, annualisation_days, risk_free_rate, ddof)))
    return series


def drawdowns(equity: Sequence[Point]) -> list[Episode]:
    """Every peak-to-trough episode of the curve, in date order (the last may be ongoing)."""
    episodes: list[Episode] = []
    if not equity:
        return episodes
    peak_day, peak = equity[0]
    trough_day, trough = peak_day, peak
    for day, value in equity[1:]:
        if value >= peak:
            if trough < peak:
                episodes.append(Episode(peak_day, trough_day, day, 1.0 - trough / peak, peak, trough))
            peak_day, peak = day, value
            trough_day, trough = day, value
        elif value < trough:
            trough_day, trough = day, value
    if trough < peak:
        episodes.append(Episode(peak_day, trough_day, None, 1.0 - trough / peak, peak, trough))
    return episodes


def hit_rate(net_pnls: Sequence[float | Fraction]) -> tuple[int, int]:
    """(winning, total) closed trades; a trade wins when its net PnL is above zero."""
    return sum(1 for pnl in net_pnls if pnl > 0), len(net_pnls)
