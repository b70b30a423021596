"""Reading times and dates from files golive did not write itself.

Every moment golive compares is timezone-aware; comparing a naive one with an aware one
raises TypeError deep inside a check, and guessing its zone could move a deadline by
hours. So a time without a zone, or one that is not a real date, is refused where it is
read, with the place it came from.
"""

from __future__ import annotations

import datetime as dt

from golive.yamlfile import ConfigError

_EXAMPLE_TIME = "e.g. 2026-11-29T12:00:00Z"


def parse_aware(text: object, where: str) -> dt.datetime:
    """`text` as an ISO-8601 time with a zone (a trailing 'Z' means UTC).

    Anything else (not a string, not ISO-8601, an impossible date, no zone) raises
    ConfigError naming `where` (a file:line, an option or a field)."""
    moment = _fromisoformat(text)
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise ConfigError(f"{where}: {_shown(text)} is not a timezone-aware ISO-8601 time ({_EXAMPLE_TIME})")
    return moment


def parse_date(text: object, where: str) -> dt.date:
    """`text` as an ISO-8601 calendar date (YYYY-MM-DD) that exists; else ConfigError naming `where`."""
    if isinstance(text, str) and len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ConfigError(f"{where}: {_shown(text)} is not an ISO-8601 date (YYYY-MM-DD, e.g. 2026-11-29)")


def parse_day_or_moment(value: object, where: str) -> dt.datetime:
    """A calendar date (taken as midnight UTC) or a timezone-aware time, as text or as a
    YAML loader builds it: the forms a release date may take. Else ConfigError naming `where`."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ConfigError(f"{where}: {value.isoformat()!r} is not a timezone-aware ISO-8601 time ({_EXAMPLE_TIME})")
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str) and len(value) == 10:
        day = parse_date(value, where)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return parse_aware(value, where)


def _fromisoformat(text: object) -> dt.datetime | None:
    # Only the full form: a bare date or a week date is not a moment.
    if not isinstance(text, str) or len(text) < 16 or text[10:11] not in ("T", "t", " "):
        return None
    candidate = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        return dt.datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _shown(value: object) -> str:
    """The offending value, short and on one line, so the error stays one line."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
