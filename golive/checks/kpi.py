"""Trading KPIs: Sharpe ratio, hit rate, explainability score and explained drawdowns.

Every window is a run of whole days ending at --as-of's date in `sources.kpi.timezone`:
a `window_days` of 91 judges the 91 days up to and including that date. Data dated after
--as-of is ignored, so a backdated run judges what was known then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.kpi import series
from golive.model import Finding, Outcome, Status


def _dataset(evidence: Evidence, name: str) -> dict[str, Any] | Outcome:
    """The named part of the KPI evidence, or the outcome saying why it cannot be judged."""
    part: dict[str, Any] = evidence.data[name]
    if not part["configured"]:
        return Outcome(Status.INSUFFICIENT, f"{part['setting']} not configured")
    if part["error"]:
        return Outcome(Status.ERROR, part["error"])
    return part


def _as_of_date(evidence: Evidence, ctx: JudgeContext) -> dt.date:
    return ctx.as_of.astimezone(ZoneInfo(evidence.data["timezone"])).date()


def _curve(part: dict[str, Any], last: dt.date, window_days: int, max_age_days: int) -> tuple[series.Curve, dt.date] | Outcome:
    """The series up to `last` as an equity curve, if it reaches into the window and is fresh."""
    source = part["source"]
    points = [(dt.date.fromisoformat(day), float(value)) for day, value in part["points"]]
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
        return series.curve(part["kind"], known, part["capital"]), first
    except series.SeriesError as exc:
        return Outcome(Status.ERROR, f"{source}: {exc}")


@check("kpi.sharpe")
def sharpe(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _dataset(evidence, "returns")
    if isinstance(part, Outcome):
        return part
    last = _as_of_date(evidence, ctx)
    window_days = int(params["window_days"])
    built = _curve(part, last, window_days, int(params["max_age_days"]))
    if isinstance(built, Outcome):
        return built
    curve, first = built
    span = f"{first.isoformat()}..{last.isoformat()}"
    in_window = series.window(curve.returns, last, window_days)
    minimum = int(params["min_observations"])
    if len(in_window) < minimum:
        return Outcome(Status.INSUFFICIENT, f"{part['source']}: {len(in_window)} daily returns in {span}, fewer than {minimum}")
    annualisation, risk_free, ddof = float(params["annualisation_days"]), float(params["risk_free_rate"]), int(params["ddof"])
    value = series.sharpe([daily for _, daily in in_window], annualisation, risk_free, ddof)
    if value is None:
        return Outcome(
            Status.INSUFFICIENT, f"{part['source']}: the {len(in_window)} returns in {span} have no spread; the Sharpe ratio is undefined"
        )
    length = int(params["rolling_days"])
    rolling = [
        (day, rolled)
        for day, rolled in series.rolling_sharpe(curve.returns, [day for day, _ in in_window], length, annualisation, risk_free, ddof)
        if rolled is not None
    ]
    conventions = f"{len(in_window)} daily returns {span}, x sqrt({annualisation:g}), rf {risk_free:g}, ddof {ddof}"
    report = ""
    if rolling:
        low = min(rolling, key=lambda point: point[1])
        report = f"; rolling {length}-day Sharpe min {low[1]:.2f} on {low[0].isoformat()}, last {rolling[-1][1]:.2f} (reported, not judged)"
    threshold = float(params["min_sharpe"])
    if value > threshold:
        outcome = Outcome.passed(f"Sharpe {value:.2f} > {threshold:g} ({conventions}){report}")
    else:
        outcome = Outcome(Status.FAIL, f"Sharpe {value:.2f} is not above {threshold:g} ({conventions}, {part['source']}){report}")
    outcome.metrics = {"sharpe": round(value, 4)}
    return outcome


@check("kpi.hit_rate")
def hit_rate(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _dataset(evidence, "trades")
    if isinstance(part, Outcome):
        return part
    zone = ZoneInfo(evidence.data["timezone"])
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
    net = [
        trade["pnl"] - trade["fees"] if gross else trade["pnl"]
        for trade, moment in known
        if first <= moment.astimezone(zone).date() <= last
    ]
    wins, total = series.hit_rate(net)
    minimum = int(params["min_trades"])
    if total < minimum:
        return Outcome(Status.INSUFFICIENT, f"{part['source']}: {total} closed trades in {span}, fewer than {minimum}")
    rate = wins / total * 100
    threshold = float(params["min_percent"])
    basis = "PnL minus fees" if gross else "net PnL"
    text = f"{wins}/{total} closed trades won ({rate:.1f} %, {basis} > 0) in {span}"
    if rate > threshold:
        outcome = Outcome.passed(f"{text} > {threshold:g} %")
    else:
        outcome = Outcome(Status.FAIL, f"{text}, not above {threshold:g} % ({part['source']})")
    outcome.metrics = {"hit_rate_percent": round(rate, 2), "closed_trades": total}
    return outcome


@check("kpi.explainability")
def explainability(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _dataset(evidence, "explainability")
    if isinstance(part, Outcome):
        return part
    source, dated = part["source"], part["date"]
    max_age = int(params["max_age_days"])
    if len(dated) == len("YYYY-MM-DD"):
        last = _as_of_date(evidence, ctx)
        age_days = float((last - dt.date.fromisoformat(dated)).days)
    else:
        age_days = (ctx.as_of - dt.datetime.fromisoformat(dated)).total_seconds() / 86400
    if age_days < 0:
        return Outcome(Status.INSUFFICIENT, f"{source}: score dated {dated}, after --as-of {ctx.as_of.isoformat()}")
    if age_days > max_age:
        return Outcome(Status.INSUFFICIENT, f"{source}: score dated {dated} is {age_days:.1f} days old (at most {max_age})")
    score = float(part["score"]) / float(part["out_of"]) * 10
    threshold = float(params["min_score"])
    text = f"explainability {score:.1f}/10 dated {dated}"
    if score >= threshold:
        outcome = Outcome.passed(f"{text} >= {threshold:g}")
    else:
        outcome = Outcome(Status.FAIL, f"{text}, below {threshold:g} ({source})")
    outcome.metrics = {"explainability_score": round(score, 2)}
    return outcome


@check("kpi.drawdowns")
def drawdowns(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    params = item.params
    part = _dataset(evidence, "returns")
    if isinstance(part, Outcome):
        return part
    log = evidence.data["incidents"]
    if log["configured"] and log["error"]:
        return Outcome(Status.ERROR, log["error"])
    last = _as_of_date(evidence, ctx)
    window_days = int(params["window_days"])
    built = _curve(part, last, window_days, int(params["max_age_days"]))
    if isinstance(built, Outcome):
        return built
    curve, first = built
    threshold = float(params["max_unexplained_depth_percent"])
    episodes = [
        episode for episode in series.drawdowns(curve.equity) if episode.depth * 100 > threshold and episode.overlaps(first, last, last)
    ]
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
        outcome = Outcome.passed(f"no drawdown deeper than {threshold:g} % in {span} ({part['source']})")
    else:
        outcome = Outcome.from_findings(
            findings, f"{len(episodes)} drawdown(s) deeper than {threshold:g} % in {span}, each explained: " + "; ".join(explained)
        )
    outcome.metrics = {"drawdowns_over_threshold": len(episodes), "unexplained_drawdowns": len(findings)}
    return outcome
