"""The shape of the kpi source's evidence (`Evidence.data`): built by golive.collectors.kpi,
read by golive.checks.kpi. Plain dicts at runtime, so kpi.json is what it always was.

A dataset that is not configured holds only `configured: False` and `setting` (the
setting that would configure it); one that could not be read holds `error`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

# What the kpi checks may ask of the collector (golive.collectors.Request.what).
SHARPE_CHART = "rolling_sharpe_chart"
DRAWDOWN_CHART = "drawdown_chart"


class ReturnsData(TypedDict):
    configured: bool
    setting: NotRequired[str]
    source: NotRequired[str]
    kind: NotRequired[str]
    capital: NotRequired[float | None]
    error: NotRequired[str | None]
    # (date, value, the value's decimal text): the text is what drawdown depths are computed from.
    points: NotRequired[list[tuple[str, float, str]]]


class Trade(TypedDict):
    id: str
    closed_at: str
    pnl: float
    fees: float | None
    pnl_exact: str
    fees_exact: str | None
    where: str


class TradesData(TypedDict):
    configured: bool
    setting: NotRequired[str]
    source: NotRequired[str]
    pnl_basis: NotRequired[str]
    error: NotRequired[str | None]
    closed: NotRequired[list[Trade]]
    open: NotRequired[int]


class Incident(TypedDict):
    start: str
    end: str
    text: str
    where: str


class IncidentsData(TypedDict):
    configured: bool
    setting: NotRequired[str]
    source: NotRequired[str]
    error: NotRequired[str | None]
    rows: NotRequired[list[Incident]]


class Score(TypedDict):
    score: float
    out_of: float
    score_exact: str
    out_of_exact: str
    # A date (YYYY-MM-DD) or a UTC timestamp.
    date: str


class ExplainabilityData(TypedDict):
    configured: bool
    setting: NotRequired[str]
    source: NotRequired[str]
    error: NotRequired[str | None]
    score: NotRequired[float]
    out_of: NotRequired[float]
    score_exact: NotRequired[str]
    out_of_exact: NotRequired[str]
    date: NotRequired[str]


Dataset = ReturnsData | TradesData | IncidentsData | ExplainabilityData


class KpiData(TypedDict):
    timezone: str
    returns: ReturnsData
    trades: TradesData
    incidents: IncidentsData
    explainability: ExplainabilityData
    # Chart files (relative to the run folder), and why none were drawn if drawing failed.
    charts: list[str]
    chart_error: NotRequired[str]
