"""The KPI figures judged by the kpi checks and drawn by the collector's charts, from one
computation: the equity curve of the returns evidence, the window's Sharpe ratio with its
rolling series, and the drawdown episodes deeper than the item's threshold. A chart shows
exactly the figures the verdict rests on.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from golive.checks.exact import exact
from golive.kpi import series
from golive.kpi.evidence import ReturnsData
from golive.kpi.series import Episode, Point

# Float error in a compounded curve stays orders of magnitude below this margin.
FLOAT_MARGIN = 1e-6
SHARPE_PARAMETERS = ("window_days", "rolling_days", "annualisation_days", "risk_free_rate", "ddof", "min_sharpe")
DRAWDOWN_PARAMETERS = ("window_days", "max_unexplained_depth_percent")


def daily_points(part: ReturnsData) -> list[Point]:
    """The recorded series as (date, value) points, in date order."""
    return [(dt.date.fromisoformat(day), float(value)) for day, value, *_ in part["points"]]


def equity_curve(part: ReturnsData, known: Sequence[Point]) -> series.Curve:
    """The equity curve of the points known at --as-of (raises series.SeriesError)."""
    return series.curve(part["kind"], known, part["capital"])


@dataclass(frozen=True)
class SharpeSettings:
    window_days: int
    rolling_days: int
    annualisation_days: float
    risk_free_rate: float
    ddof: int
    min_sharpe: float

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> SharpeSettings:
        return cls(
            window_days=int(params["window_days"]),
            rolling_days=int(params["rolling_days"]),
            annualisation_days=float(params["annualisation_days"]),
            risk_free_rate=float(params["risk_free_rate"]),
            ddof=int(params["ddof"]),
            min_sharpe=float(params["min_sharpe"]),
        )


class WindowSharpe:
    """The Sharpe ratio of the window's daily returns and, on demand, the rolling Sharpe
    ending at each day of the window (a sub-window may reach back before the window)."""

    def __init__(self, returns: Sequence[Point], last: dt.date, settings: SharpeSettings) -> None:
        self.settings = settings
        self._returns = returns
        self.in_window = series.window(returns, last, settings.window_days)

    @functools.cached_property
    def value(self) -> float | None:
        s = self.settings
        return series.sharpe([daily for _, daily in self.in_window], s.annualisation_days, s.risk_free_rate, s.ddof)

    @functools.cached_property
    def rolling(self) -> list[tuple[dt.date, float | None]]:
        s = self.settings
        days = [day for day, _ in self.in_window]
        return series.rolling_sharpe(self._returns, days, s.rolling_days, s.annualisation_days, s.risk_free_rate, s.ddof)


def deep_drawdowns(part: ReturnsData, curve: series.Curve, first: dt.date, last: dt.date, threshold_percent: Any) -> list[Episode]:
    """The drawdown episodes overlapping first..last that are deeper than the threshold.

    Episodes are found on the float curve; whether one is deeper than the threshold is
    decided on its exact depth from the recorded decimals (exactly 5 % is not deeper). The
    float depth only rules out episodes far below the threshold; the rest are decided
    exactly. Raises NotANumber or series.SeriesError when the decimals do not add up."""
    depth_of = exact_depths(part, last)
    limit = exact(threshold_percent)
    near = float(threshold_percent) / 100 - FLOAT_MARGIN
    return [
        episode
        for episode in series.drawdowns(curve.equity)
        if episode.overlaps(first, last, last) and episode.depth > near and depth_of(episode) * 100 > limit
    ]


def exact_depths(part: ReturnsData, last: dt.date) -> Callable[[Episode], Fraction]:
    """A function giving an episode's exact depth, 1 - trough / peak, from the series'
    recorded decimals: equity values as written, a PnL series summed onto the capital, a
    returns series compounded over the days after the peak up to the trough."""
    kind = part["kind"]
    known = [(dt.date.fromisoformat(day), exact(rest[0] if rest else value)) for day, value, *rest in part["points"]]
    known = [(day, value) for day, value in known if day <= last]
    if kind == "returns":
        days = [day for day, _ in known]
        growth = [1 + value for _, value in known]

        def returns_depth(episode: Episode) -> Fraction:
            numerator, denominator = 1, 1
            for factor in growth[bisect.bisect_right(days, episode.start) : bisect.bisect_right(days, episode.trough)]:
                # Numerators and denominators apart: one gcd at the end, not one per day.
                numerator *= factor.numerator
                denominator *= factor.denominator
            return 1 - Fraction(numerator, denominator)

        return returns_depth
    if kind == "pnl":
        capital = part.get("capital")
        if capital is None:
            raise series.SeriesError("a PnL series needs a positive starting capital (sources.kpi.capital)")
        value = exact(capital)
        equity = {known[0][0] - dt.timedelta(days=1): value} if known else {}
        for day, pnl in known:
            value += pnl
            equity[day] = value
    else:
        equity = dict(known)

    def equity_depth(episode: Episode) -> Fraction:
        peak, trough = equity.get(episode.start), equity.get(episode.trough)
        if peak is None or trough is None or peak <= 0:
            raise series.SeriesError(f"no recorded equity for the episode from {episode.start.isoformat()}")
        return 1 - trough / peak

    return equity_depth
