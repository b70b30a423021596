"""Trading KPIs: Sharpe ratio, hit rate, explainability score and explained drawdowns.

Every window is a run of whole days ending at --as-of's date in `sources.kpi.timezone`:
a `window_days` of 91 judges the 91 days up to and including that date. Data dated after
--as-of is ignored, so a backdated run judges what was known then.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from typing import cast
from zoneinfo import ZoneInfo

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.exact import NotANumber, exact, percent, shown
from golive.collectors import Evidence, Request
from golive.kpi import figures, series
from golive.kpi.evidence import DRAWDOWN_CHART, SHARPE_CHART, Dataset, KpiData, ReturnsData, Trade
from golive.model import Finding, Outcome, Status


def _kpi(evidence: Evidence) -> KpiData:
    return cast("KpiData", evidence.data)


def _unusable(part: Dataset) -> Outcome | None:
    """Why a part of the KPI evidence cannot be judged, or None when it can."""
    if not part["configured"]:
        return Outcome(Status.INSUFFICIENT, f"{part['setting']} not configured")
    if part["error"]:
        return Outcome(Status.ERROR, part["error"])
    return None


def _as_of_date(evidence: Evidence, ctx: JudgeContext) -> dt.date:
    return ctx.as_of.astimezone(ZoneInfo(_kpi(evidence)["timezone"])).date()


def _curve(part: ReturnsData, last: dt.date, window_days: int, max_age_days: int) -> tuple[series.Curve, dt.date] | Outcome:
    """The series up to `last` as an equity curve, if it reaches into the window and is fresh."""
    source = part["source"]
    points = figures.daily_points(part)
    known = [point for point in points if point[0] <= last]
    first = series.window_start(last, window_days)
    if not known:
        return Outcome(Status.INSUFFICIENT, f"{source} starts {points[0][0].isoformat()}, after --as-of {last.isoformat()}")
    end = known[-1][0]
    if end < first:
        return Outcome(
            Status.INSUFFICIENT,
            f"{source} ends {end.isoformat()}, before the {window_days}-day window {first.isoformat()}..{last.isoformat()}",
        )
    age = (last - end).days
    if age > max_age_days:
        return Outcome(
            Status.INSUFFICIENT, f"{source} ends {end.isoformat()}, {age} days before --as-of {last.isoformat()} (at most {max_age_days})"
        )
    try:
        return figures.equity_curve(part, known), first
    except series.SeriesError as exc:
        return Outcome(Status.ERROR, f"{source}: {exc}")


def sharpe_requests(item: ItemSpec) -> list[Request]:
    """The rolling-Sharpe chart, drawn by the collector from the figures this check judges."""
    args = {name: item.params.get(name) for name in figures.SHARPE_PARAMETERS}
    return [Request("kpi", SHARPE_CHART, {**args, "threshold_label": f"{item.id} threshold"}, key=item.id)]


@check("kpi.sharpe", requests=sharpe_requests)
def sharpe(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _kpi(evidence)["returns"]
    unusable = _unusable(part)
    if unusable:
        return unusable
    last = _as_of_date(evidence, ctx)
    window_days = int(params["window_days"])
    built = _curve(part, last, window_days, int(params["max_age_days"]))
    if isinstance(built, Outcome):
        return built
    curve, first = built
    span = f"{first.isoformat()}..{last.isoformat()}"
    settings = figures.SharpeSettings.of(params)
    judged = figures.WindowSharpe(curve.returns, last, settings)
    in_window = judged.in_window
    minimum = int(params["min_observations"])
    if len(in_window) < minimum:
        return Outcome(Status.INSUFFICIENT, f"{part['source']}: {len(in_window)} daily returns in {span}, fewer than {minimum}")
    annualisation, risk_free, ddof = settings.annualisation_days, settings.risk_free_rate, settings.ddof
    value = judged.value
    if value is not None and not math.isfinite(value):
        return Outcome(Status.ERROR, f"{part['source']}: the Sharpe ratio of {span} is {value!r}, not a finite number (returns too large)")
    if value is None:
        return Outcome(
            Status.INSUFFICIENT, f"{part['source']}: the {len(in_window)} returns in {span} have no spread; the Sharpe ratio is undefined"
        )
    length = settings.rolling_days
    rolling = [(day, rolled) for day, rolled in judged.rolling if rolled is not None]
    conventions = f"{len(in_window)} daily returns {span}, x sqrt({annualisation:g}), rf {risk_free:g}, ddof {ddof}"
    report = ""
    if rolling:
        low = min(rolling, key=lambda point: point[1])
        report = f"; rolling {length}-day Sharpe min {low[1]:.2f} on {low[0].isoformat()}, last {rolling[-1][1]:.2f} (reported, not judged)"
    threshold = settings.min_sharpe
    if value > threshold:
        outcome = Outcome.passed(f"Sharpe {value:.2f} > {threshold:g} ({conventions}){report}")
    else:
        outcome = Outcome(Status.FAIL, f"Sharpe {value:.2f} is not above {threshold:g} ({conventions}, {part['source']}){report}")
    outcome.metrics = {"sharpe": round(value, 4)}
    return outcome


@check("kpi.hit_rate")
def hit_rate(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _kpi(evidence)["trades"]
    unusable = _unusable(part)
    if unusable:
        return unusable
    zone = ZoneInfo(_kpi(evidence)["timezone"])
    last = _as_of_date(evidence, ctx)
    first = series.window_start(last, int(params["window_days"]))
    span = f"{first.isoformat()}..{last.isoformat()}"
    known = [(trade, moment) for trade in part["closed"] if (moment := dt.datetime.fromisoformat(trade["closed_at"])) <= ctx.as_of]
    if not known:
        return Outcome(Status.INSUFFICIENT, f"{part['source']}: no trade closed by --as-of")
    newest = max(moment for _, moment in known).astimezone(zone).date()
    age = (last - newest).days
    if age > int(params["max_age_days"]):
        return Outcome(
            Status.INSUFFICIENT,
            f"{part['source']}: last trade closed {newest.isoformat()}, {age} days before --as-of (at most {params['max_age_days']})",
        )
    gross = part["pnl_basis"] == "gross"
    in_window = [trade for trade, moment in known if first <= moment.astimezone(zone).date() <= last]
    try:
        # Net PnL from the ledger's decimal text: 0.3 - 0.1 - 0.2 is exactly 0, not a win.
        net = [_exact_pnl(trade) - _exact_fees(trade) if gross else _exact_pnl(trade) for trade in in_window]
    except NotANumber as exc:
        return Outcome(Status.ERROR, f"{part['source']}: {exc}")
    wins, total = series.hit_rate(net)
    minimum = int(params["min_trades"])
    if total < minimum:
        return Outcome(Status.INSUFFICIENT, f"{part['source']}: {total} closed trades in {span}, fewer than {minimum}")
    rate = percent(wins, total)
    threshold = params["min_percent"]
    basis = "PnL minus fees" if gross else "net PnL"
    text = f"{wins}/{total} closed trades won ({shown(rate, 1)} %, {basis} > 0) in {span}"
    if rate > exact(threshold):
        outcome = Outcome.passed(f"{text} > {threshold} %")
    else:
        outcome = Outcome(Status.FAIL, f"{text}, not above {threshold} % ({part['source']})")
    outcome.metrics = {"hit_rate_percent": round(float(rate), 2), "closed_trades": total}
    return outcome


@check("kpi.explainability")
def explainability(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _kpi(evidence)["explainability"]
    unusable = _unusable(part)
    if unusable:
        return unusable
    source, dated = part["source"], part["date"]
    max_age = int(params["max_age_days"])
    # Ages compare exactly: whole days for a dated score, a timedelta for a timestamp.
    if len(dated) == len("YYYY-MM-DD"):
        last = _as_of_date(evidence, ctx)
        age: dt.timedelta = dt.timedelta(days=(last - dt.date.fromisoformat(dated)).days)
    else:
        age = ctx.as_of - dt.datetime.fromisoformat(dated)
    if age < dt.timedelta(0):
        return Outcome(Status.INSUFFICIENT, f"{source}: score dated {dated}, after --as-of {ctx.as_of.isoformat()}")
    if age > dt.timedelta(days=max_age):
        return Outcome(
            Status.INSUFFICIENT, f"{source}: score dated {dated} is {age / dt.timedelta(days=1):.1f} days old (at most {max_age})"
        )
    try:
        # Rescaled exactly from the recorded decimals: 85 out of 100 is 8.5/10, 4 of 5 is 8.
        score = exact(part.get("score_exact", part["score"])) / exact(part.get("out_of_exact", part["out_of"])) * 10
    except (NotANumber, ZeroDivisionError) as exc:
        return Outcome(Status.ERROR, f"{source}: score {part.get('score')!r} out of {part.get('out_of')!r}: {exc}")
    threshold = params["min_score"]
    text = f"explainability {shown(score, 1)}/10 dated {dated}"
    if score >= exact(threshold):
        outcome = Outcome.passed(f"{text} >= {threshold}")
    else:
        outcome = Outcome(Status.FAIL, f"{text}, below {threshold} ({source})")
    outcome.metrics = {"explainability_score": round(float(score), 2)}
    return outcome


def drawdown_requests(item: ItemSpec) -> list[Request]:
    """The equity chart, its episodes shaded as this check finds them."""
    return [Request("kpi", DRAWDOWN_CHART, {name: item.params.get(name) for name in figures.DRAWDOWN_PARAMETERS}, key=item.id)]


@check("kpi.drawdowns", requests=drawdown_requests)
def drawdowns(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _kpi(evidence)["returns"]
    unusable = _unusable(part)
    if unusable:
        return unusable
    log = _kpi(evidence)["incidents"]
    if log["configured"] and log["error"]:
        return Outcome(Status.ERROR, log["error"])
    last = _as_of_date(evidence, ctx)
    window_days = int(params["window_days"])
    built = _curve(part, last, window_days, int(params["max_age_days"]))
    if isinstance(built, Outcome):
        return built
    curve, first = built
    threshold = params["max_unexplained_depth_percent"]
    try:
        episodes = figures.deep_drawdowns(part, curve, first, last, threshold)
    except (NotANumber, series.SeriesError) as exc:
        return Outcome(Status.ERROR, f"{part['source']}: {exc}")
    incidents = [(dt.date.fromisoformat(row["start"]), dt.date.fromisoformat(row["end"]), row) for row in log.get("rows", [])]
    span = f"{first.isoformat()}..{last.isoformat()}"
    findings: list[Finding] = []
    explained: list[str] = []
    for episode in episodes:
        matches = [row for start, end, row in incidents if start <= episode.span_end(last) and end >= episode.start]
        if matches:
            explained.append(f"{episode.describe()}: {matches[0]['text']} ({matches[0]['where']})")
            continue
        where = "no incident overlaps it" if log["configured"] else f"{log['setting']} not configured"
        findings.append(
            Finding(f"drawdown:{episode.start.isoformat()}", Status.FAIL, f"unexplained drawdown {episode.describe()}: {where}")
        )
    if not episodes:
        outcome = Outcome.passed(f"no drawdown deeper than {threshold} % in {span} ({part['source']})")
    else:
        outcome = Outcome.from_findings(
            findings, f"{len(episodes)} drawdown(s) deeper than {threshold} % in {span}, each explained: " + "; ".join(explained)
        )
    outcome.metrics = {"drawdowns_over_threshold": len(episodes), "unexplained_drawdowns": len(findings)}
    return outcome


def _exact_pnl(trade: Trade) -> Fraction:
    """A trade's PnL from its recorded decimal text (the float for older evidence)."""
    text = trade.get("pnl_exact")
    return exact(text if text is not None else trade["pnl"])


def _exact_fees(trade: Trade) -> Fraction:
    text = trade.get("fees_exact")
    return exact(text if text is not None else trade["fees"])
