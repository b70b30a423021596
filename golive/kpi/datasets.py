"""The KPI datasets from the rows `load` reads: daily series, closed trades, incident
explanations and the explainability score, each value checked (finite numbers kept with
their decimal text, dates and timestamps in the configured zone). Every problem is a
`LoadError` naming the source and row.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from golive.formats import with_schema_problem
from golive.kpi.evidence import Incident, Score, Trade
from golive.kpi.load import LoadError, Resolve, Row, Table, read_document

# --------------------------------------------------------------------------- values


def number(row: Row, column: str) -> float:
    """The finite number in `column`; empty, NaN, inf or text is a LoadError naming the row."""
    value = row.values.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LoadError(f"{row.where}: column {column!r} is empty")
    if isinstance(value, bool):
        raise LoadError(f"{row.where}: column {column!r} is {value!r}, not a number")
    try:
        result = float(value) if isinstance(value, int | float | Decimal) else float(str(value).strip())
    except (TypeError, ValueError):
        raise LoadError(f"{row.where}: column {column!r} is {value!r}, not a number") from None
    if not math.isfinite(result):
        raise LoadError(f"{row.where}: column {column!r} is {value!r}, not a finite number")
    return result


def exact_text(row: Row, column: str) -> str:
    """The finite number in `column` as decimal text (its own digits for text and Decimal
    values, the shortest round-trip text for a float), checked like `number`."""
    number(row, column)
    value = row.values[column]
    if isinstance(value, int | float):
        return str(Decimal(str(value)))
    try:
        return str(Decimal(str(value).strip()))
    except InvalidOperation:
        raise LoadError(f"{row.where}: column {column!r} is {value!r}, not a decimal number") from None


def moment(row: Row, column: str, zone: ZoneInfo) -> dt.datetime | dt.date:
    """A date (kept as a date) or a timestamp (naive ones are in `zone`), from `column`."""
    value = row.values.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LoadError(f"{row.where}: column {column!r} is empty")
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | dt.date = value
    elif isinstance(value, dt.date):
        return value
    else:
        text = str(value).strip()
        try:
            parsed = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            raise LoadError(f"{row.where}: column {column!r} is {value!r}, not an ISO-8601 date or timestamp") from None
    if isinstance(parsed, dt.datetime):
        return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)
    return parsed


def day(row: Row, column: str, zone: ZoneInfo) -> dt.date:
    value = moment(row, column, zone)
    return value.date() if isinstance(value, dt.datetime) else value


def timestamp(row: Row, column: str, zone: ZoneInfo) -> dt.datetime:
    """A UTC timestamp; a bare date means the end of that day in `zone`."""
    value = moment(row, column, zone)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.max, zone)
    return value.astimezone(dt.UTC)


# --------------------------------------------------------------------------- datasets


def series(table: Table, date_column: str, value_column: str, zone: ZoneInfo, kind: str) -> list[tuple[dt.date, float, str]]:
    """A daily series with ascending, unique dates and finite values (each also as its
    decimal text); returns above -100 %, equity above 0."""
    if not table.rows:
        raise LoadError(f"{table.source}: no rows")
    points: list[tuple[dt.date, float, str]] = []
    previous: tuple[dt.date, str] | None = None
    for row in table.rows:
        when = day(row, date_column, zone)
        value = number(row, value_column)
        if previous is not None:
            if when == previous[0]:
                raise LoadError(f"{row.where}: date {when.isoformat()} repeats {previous[1]}")
            if when < previous[0]:
                raise LoadError(
                    f"{row.where}: date {when.isoformat()} comes after {previous[0].isoformat()} ({previous[1]}); dates must ascend"
                )
        text = exact_text(row, value_column)
        if kind == "returns" and Decimal(text) <= -1:
            raise LoadError(f"{row.where}: return {value:g} is a loss of 100 % or more")
        if kind == "equity" and Decimal(text) <= 0:
            raise LoadError(f"{row.where}: equity {value:g} is not positive")
        points.append((when, value, text))
        previous = (when, row.where)
    return points


def trades(table: Table, columns: dict[str, str], zone: ZoneInfo, pnl_basis: str) -> tuple[list[Trade], int]:
    """(closed trades as {id, closed_at, pnl, fees}, count of open trades: an empty close time)."""
    closed: list[Trade] = []
    open_count = 0
    seen: dict[str, str] = {}
    for row in table.rows:
        ident_raw = row.values.get(columns["id"])
        if ident_raw is None or not str(ident_raw).strip():
            raise LoadError(f"{row.where}: column {columns['id']!r} is empty")
        ident = str(ident_raw).strip()
        if ident in seen:
            raise LoadError(f"{row.where}: trade {ident!r} repeats {seen[ident]}")
        seen[ident] = row.where
        closing = row.values.get(columns["closed_at"])
        if closing is None or (isinstance(closing, str) and not closing.strip()):
            open_count += 1
            continue
        fees: float | None = None
        fees_exact: str | None = None
        if row.values.get(columns["fees"]) is not None or pnl_basis == "gross":
            fees, fees_exact = number(row, columns["fees"]), exact_text(row, columns["fees"])
        closed.append(
            {
                "id": ident,
                "closed_at": timestamp(row, columns["closed_at"], zone).isoformat(),
                "pnl": number(row, columns["pnl"]),
                "fees": fees,
                "pnl_exact": exact_text(row, columns["pnl"]),
                "fees_exact": fees_exact,
                "where": row.where,
            }
        )
    return closed, open_count


def incidents(table: Table, columns: dict[str, str], zone: ZoneInfo) -> list[Incident]:
    """Incident explanations {start, end, text, where}; an end before its start or an empty text is an error."""
    result: list[Incident] = []
    for row in table.rows:
        start = day(row, columns["start"], zone)
        end = day(row, columns["end"], zone)
        text = row.values.get(columns["text"])
        if text is None or not str(text).strip():
            raise LoadError(f"{row.where}: column {columns['text']!r} is empty: an incident must explain")
        if end < start:
            raise LoadError(f"{row.where}: ends {end.isoformat()} before it starts {start.isoformat()}")
        result.append({"start": start.isoformat(), "end": end.isoformat(), "text": " ".join(str(text).split()), "where": row.where})
    return result


def explainability(spec: str, resolve: Resolve, zone: ZoneInfo, timeout: float) -> Score:
    """{score, out_of, date} from a JSON document: a file, or the body of an HTTP(S) GET."""
    text = read_document(spec, resolve, timeout)
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{spec} line {exc.lineno}: invalid JSON: {exc.msg}") from None
    try:
        return _score(spec, data, zone)
    except LoadError as exc:
        raise LoadError(with_schema_problem("explainability", data, str(exc))) from None


def _score(spec: str, data: Any, zone: ZoneInfo) -> Score:
    if not isinstance(data, dict):
        raise LoadError(f"{spec}: expected a JSON object with score and date")
    row = Row(spec, data)
    score, score_exact = number(row, "score"), exact_text(row, "score")
    if data.get("out_of") is not None:
        out_of, out_of_exact = number(row, "out_of"), exact_text(row, "out_of")
    else:
        out_of, out_of_exact = 10.0, "10"
    if Decimal(out_of_exact) <= 0 or not 0 <= Decimal(score_exact) <= Decimal(out_of_exact):
        raise LoadError(f"{spec}: score {score_exact} is not within 0..{out_of_exact}")
    when = moment(row, "date", zone)
    # A bare date stays a date: the check compares it with --as-of's date in the configured zone.
    dated = when.astimezone(dt.UTC).isoformat() if isinstance(when, dt.datetime) else when.isoformat()
    return {"score": score, "out_of": out_of, "score_exact": score_exact, "out_of_exact": out_of_exact, "date": dated}
