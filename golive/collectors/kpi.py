"""Trading KPI evidence: the daily returns (or equity, or PnL) series, the trades ledger, the
incidents log and the explainability score, from files, SQL tables or an HTTP endpoint;
plus the equity and rolling-Sharpe charts the kpi checks request, drawn from the figures
they judge (golive.kpi.figures).

Each of the four sources is read on its own: a broken trades ledger makes the hit-rate item
an `error` naming the file and row, and leaves the Sharpe ratio judged from the returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.kpi import datasets, load
from golive.kpi.evidence import DRAWDOWN_CHART, SHARPE_CHART, ExplainabilityData, IncidentsData, KpiData, ReturnsData, TradesData
from golive.kpi.load import LoadError, Resolve
from golive.kpi.series import KINDS

DATASETS = ("returns", "trades", "incidents", "explainability")
COLUMNS: dict[str, tuple[str, ...]] = {
    "returns": ("date", "value"),
    "trades": ("id", "closed_at", "pnl", "fees"),
    "incidents": ("start", "end", "text"),
}
PNL_BASES = ("net", "gross")
HTTP_TIMEOUT = 20.0
# The value column's default name for each kind of series.
VALUE_COLUMNS = {"returns": "return", "equity": "equity", "pnl": "pnl"}


@register
class KpiCollector(Collector):
    source = "kpi"
    settings_keys: ClassVar[set[str]] = {
        "returns",
        "returns_table",
        "returns_kind",
        "returns_columns",
        "capital",
        "trades",
        "trades_table",
        "trades_columns",
        "trades_pnl",
        "incidents",
        "incidents_table",
        "incidents_columns",
        "explainability",
        "timezone",
    }
    default_timeout = 60.0

    def collect(self, ctx: CollectContext) -> Evidence:
        settings = ctx.settings
        if not any(settings.get(name) for name in DATASETS):
            return Evidence.unavailable(self.source, "sources.kpi not configured (returns, trades, incidents, explainability)")
        problem = _settings_problem(settings)
        if problem:
            return Evidence(self.source, error=problem)
        zone_name = str(settings.get("timezone", "UTC"))
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return Evidence(self.source, error=f"sources.kpi.timezone: unknown time zone {zone_name!r}")

        def resolve(relative: str) -> Path:
            return ctx.config.resolve(relative)

        data: KpiData = {
            "timezone": zone_name,
            "returns": _returns(settings, resolve, zone),
            "trades": _trades(settings, resolve, zone),
            "incidents": _incidents(settings, resolve, zone),
            "explainability": _explainability(settings, resolve, zone),
            "charts": [],
        }
        keyed = _charts(ctx, data, zone)
        data["charts"] = [path for paths in keyed.values() for path in paths]
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("kpi", data), *data["charts"]], keyed_files=keyed)


def _settings_problem(settings: dict[str, Any]) -> str | None:
    for name in (*DATASETS, "returns_table", "trades_table", "incidents_table", "timezone"):
        if name in settings and not isinstance(settings[name], str):
            return f"sources.kpi.{name} must be a string"
    if settings.get("returns_kind", "returns") not in KINDS:
        return f"sources.kpi.returns_kind must be one of {', '.join(KINDS)}"
    if settings.get("trades_pnl", "net") not in PNL_BASES:
        return f"sources.kpi.trades_pnl must be one of {', '.join(PNL_BASES)}"
    capital = settings.get("capital")
    if capital is not None and (isinstance(capital, bool) or not isinstance(capital, int | float) or capital <= 0):
        return "sources.kpi.capital must be a positive number"
    for dataset, keys in COLUMNS.items():
        mapping = settings.get(f"{dataset}_columns", {})
        if not isinstance(mapping, dict) or not all(isinstance(value, str) and value for value in mapping.values()):
            return f"sources.kpi.{dataset}_columns must map {', '.join(keys)} to column names"
        unknown = sorted(set(mapping) - set(keys))
        if unknown:
            return f"sources.kpi.{dataset}_columns: unknown key {unknown[0]!r} (valid: {', '.join(keys)})"
    return None


def _columns(settings: dict[str, Any], dataset: str, defaults: dict[str, str]) -> dict[str, str]:
    return {**defaults, **settings.get(f"{dataset}_columns", {})}


def _returns(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> ReturnsData:
    spec = settings.get("returns")
    if not spec:
        return {"configured": False, "setting": "sources.kpi.returns"}
    kind = str(settings.get("returns_kind", "returns"))
    columns = _columns(settings, "returns", {"date": "date", "value": VALUE_COLUMNS[kind]})
    result: ReturnsData = {
        "configured": True,
        "source": load.display(spec),
        "kind": kind,
        "capital": settings.get("capital"),
        "error": None,
    }
    try:
        table = load.read_table(
            spec, resolve, str(settings.get("returns_table", "returns")), [columns["date"], columns["value"]], set(), columns["date"]
        )
        points = datasets.series(table, columns["date"], columns["value"], zone, kind)
    except LoadError as exc:
        result["error"] = str(exc)
        return result
    result["points"] = [(day.isoformat(), value, text) for day, value, text in points]
    return result


def _trades(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> TradesData:
    spec = settings.get("trades")
    if not spec:
        return {"configured": False, "setting": "sources.kpi.trades"}
    basis = str(settings.get("trades_pnl", "net"))
    columns = _columns(settings, "trades", {key: key for key in COLUMNS["trades"]})
    result: TradesData = {"configured": True, "source": load.display(spec), "pnl_basis": basis, "error": None}
    # Fees are optional when the PnL is already net of them.
    optional = {columns["fees"]} if basis == "net" else set()
    try:
        table = load.read_table(spec, resolve, str(settings.get("trades_table", "trades")), list(columns.values()), optional, None)
        closed, open_count = datasets.trades(table, columns, zone, basis)
    except LoadError as exc:
        result["error"] = str(exc)
        return result
    result["closed"], result["open"] = closed, open_count
    return result


def _incidents(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> IncidentsData:
    spec = settings.get("incidents")
    if not spec:
        return {"configured": False, "setting": "sources.kpi.incidents"}
    columns = _columns(settings, "incidents", {key: key for key in COLUMNS["incidents"]})
    result: IncidentsData = {"configured": True, "source": load.display(spec), "error": None}
    try:
        table = load.read_table(
            spec, resolve, str(settings.get("incidents_table", "incidents")), list(columns.values()), set(), columns["start"]
        )
        result["rows"] = datasets.incidents(table, columns, zone)
    except LoadError as exc:
        result["error"] = str(exc)
    return result


def _explainability(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> ExplainabilityData:
    spec = settings.get("explainability")
    if not spec:
        return {"configured": False, "setting": "sources.kpi.explainability"}
    result: ExplainabilityData = {"configured": True, "source": load.display(spec), "error": None}
    try:
        score = datasets.explainability(spec, resolve, zone, HTTP_TIMEOUT)
    except LoadError as exc:
        result["error"] = str(exc)
        return result
    result["score"], result["out_of"], result["date"] = score["score"], score["out_of"], score["date"]
    result["score_exact"], result["out_of_exact"] = score["score_exact"], score["out_of_exact"]
    return result


def _charts(ctx: CollectContext, data: KpiData, zone: ZoneInfo) -> dict[str, list[str]]:
    """Draw the charts the kpi checks ask for, from the figures they judge (golive.kpi.figures):
    report material, not judgement, so a failure is noted, never fatal. Returns each chart
    under the key of the request that asked for it, so it goes to that item alone."""
    returns = data["returns"]
    if not returns["configured"] or returns["error"]:
        return {}
    # The first request of each kind names the chart's parameters: one file per chart.
    wanted: dict[str, dict[str, Any]] = {}
    asked_by: dict[str, str] = {}
    for request in ctx.requests:
        wanted.setdefault(request.what, request.args)
        asked_by.setdefault(request.what, request.key)
    try:
        from golive.kpi import charts, figures, series

        last = ctx.as_of.astimezone(zone).date()
        curve = figures.equity_curve(returns, [point for point in figures.daily_points(returns) if point[0] <= last])
        folder = ctx.evidence_dir / ctx.source
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        if DRAWDOWN_CHART in wanted:
            args = wanted[DRAWDOWN_CHART]
            first = series.window_start(last, int(args["window_days"]))
            threshold = args["max_unexplained_depth_percent"]
            episodes = figures.deep_drawdowns(returns, curve, first, last, threshold)
            written[DRAWDOWN_CHART] = charts.equity_chart(
                folder / charts.EQUITY_CHART, curve.equity, episodes, first, last, float(threshold)
            )
        if SHARPE_CHART in wanted:
            args = wanted[SHARPE_CHART]
            settings = figures.SharpeSettings.of(args)
            judged = figures.WindowSharpe(curve.returns, last, settings)
            target = folder / charts.ROLLING_CHART
            label = str(args["threshold_label"])
            written[SHARPE_CHART] = charts.rolling_chart(
                target, judged.rolling, settings.min_sharpe, settings.rolling_days, judged.value, label
            )
    except Exception as exc:  # charts are for readers; a drawing failure must not cost the KPI items
        data["chart_error"] = f"{type(exc).__name__}: {exc}"
        return {}
    keyed: dict[str, list[str]] = {}
    for kind, path in written.items():
        keyed.setdefault(asked_by[kind], []).append(str(path.relative_to(ctx.evidence_dir.parent)))
    return keyed
