"""Trading KPI evidence: the daily returns (or equity, or PnL) series, the trades ledger, the
incidents log and the explainability score, from files, SQL tables or an HTTP endpoint;
plus the equity and rolling-Sharpe charts rendered from them.

Each of the four sources is read on its own: a broken trades ledger makes kpi.hit_rate an
`error` naming the file and row, and leaves the Sharpe ratio judged from the returns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.kpi import load
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

        data: dict[str, Any] = {
            "timezone": zone_name,
            "returns": _returns(settings, resolve, zone),
            "trades": _trades(settings, resolve, zone),
            "incidents": _incidents(settings, resolve, zone),
            "explainability": _explainability(settings, resolve, zone),
        }
        charts = _charts(ctx, data, zone)
        data["charts"] = charts
        return Evidence(self.source, data=data, files=[ctx.write_evidence("kpi", data), *charts])


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


def _unconfigured(dataset: str) -> dict[str, Any]:
    return {"configured": False, "setting": f"sources.kpi.{dataset}"}


def _returns(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> dict[str, Any]:
    spec = settings.get("returns")
    if not spec:
        return _unconfigured("returns")
    kind = str(settings.get("returns_kind", "returns"))
    columns = _columns(settings, "returns", {"date": "date", "value": VALUE_COLUMNS[kind]})
    result: dict[str, Any] = {
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
        points = load.series(table, columns["date"], columns["value"], zone, kind)
    except LoadError as exc:
        result["error"] = str(exc)
        return result
    # [date, value, the value's decimal text]: the text is what drawdown depths are computed from.
    result["points"] = [[day.isoformat(), value, text] for day, value, text in points]
    return result


def _trades(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> dict[str, Any]:
    spec = settings.get("trades")
    if not spec:
        return _unconfigured("trades")
    basis = str(settings.get("trades_pnl", "net"))
    columns = _columns(settings, "trades", {key: key for key in COLUMNS["trades"]})
    result: dict[str, Any] = {"configured": True, "source": load.display(spec), "pnl_basis": basis, "error": None}
    # Fees are optional when the PnL is already net of them.
    optional = {columns["fees"]} if basis == "net" else set()
    try:
        table = load.read_table(spec, resolve, str(settings.get("trades_table", "trades")), list(columns.values()), optional, None)
        closed, open_count = load.trades(table, columns, zone, basis)
    except LoadError as exc:
        result["error"] = str(exc)
        return result
    result.update(closed=closed, open=open_count)
    return result


def _incidents(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> dict[str, Any]:
    spec = settings.get("incidents")
    if not spec:
        return _unconfigured("incidents")
    columns = _columns(settings, "incidents", {key: key for key in COLUMNS["incidents"]})
    result: dict[str, Any] = {"configured": True, "source": load.display(spec), "error": None}
    try:
        table = load.read_table(
            spec, resolve, str(settings.get("incidents_table", "incidents")), list(columns.values()), set(), columns["start"]
        )
        result["rows"] = load.incidents(table, columns, zone)
    except LoadError as exc:
        result["error"] = str(exc)
    return result


def _explainability(settings: dict[str, Any], resolve: Resolve, zone: ZoneInfo) -> dict[str, Any]:
    spec = settings.get("explainability")
    if not spec:
        return _unconfigured("explainability")
    result: dict[str, Any] = {"configured": True, "source": load.display(spec), "error": None}
    try:
        result.update(load.explainability(spec, resolve, zone, HTTP_TIMEOUT))
    except LoadError as exc:
        result["error"] = str(exc)
    return result


def _charts(ctx: CollectContext, data: dict[str, Any], zone: ZoneInfo) -> list[str]:
    """Render the charts (report material, not judgement); a failure is noted, never fatal."""
    returns = data["returns"]
    if not returns["configured"] or returns["error"]:
        return []
    sharpe_item = ctx.config.checklist.get("kpi.sharpe")
    drawdown_item = ctx.config.checklist.get("kpi.drawdowns")
    try:
        from golive.kpi import charts, series

        last = ctx.as_of.astimezone(zone).date()
        points = [(dt.date.fromisoformat(day), float(value)) for day, value, *_ in returns["points"]]
        curve = series.curve(returns["kind"], [point for point in points if point[0] <= last], returns["capital"])
        folder = ctx.evidence_dir / ctx.source
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        if drawdown_item is not None:
            params = drawdown_item.params
            first = series.window_start(last, int(params["window_days"]))
            threshold = float(params["max_unexplained_depth_percent"])
            episodes = [
                episode
                for episode in series.drawdowns(curve.equity)
                if episode.depth * 100 > threshold and episode.overlaps(first, last, last)
            ]
            written.append(charts.equity_chart(folder / charts.EQUITY_CHART, curve.equity, episodes, first, last, threshold))
        if sharpe_item is not None:
            params = sharpe_item.params
            conventions = (float(params["annualisation_days"]), float(params["risk_free_rate"]), int(params["ddof"]))
            in_window = series.window(curve.returns, last, int(params["window_days"]))
            length = int(params["rolling_days"])
            rolling = series.rolling_sharpe(curve.returns, [day for day, _ in in_window], length, *conventions)
            value = series.sharpe([daily for _, daily in in_window], *conventions)
            written.append(charts.rolling_chart(folder / charts.ROLLING_CHART, rolling, float(params["min_sharpe"]), length, value))
    except Exception as exc:  # charts are for readers; a drawing failure must not cost the KPI items
        data["chart_error"] = f"{type(exc).__name__}: {exc}"
        return []
    return [str(path.relative_to(ctx.evidence_dir.parent)) for path in written]
