"""Reading the KPI sources: CSV, JSON or YAML files, SQL tables through an SQLAlchemy URL,
and the explainability score's JSON document from a file or an HTTP(S) endpoint; the
rows become datasets in golive.kpi.datasets.

Every problem is a `LoadError` whose message names the source and, when known, the row
(`returns.csv line 14`, `postgresql://kpi@db/kpi table returns row 3`), so the check can
report `error` with it. Passwords in URLs never appear in messages or evidence.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from golive.secrets import mask_text

# Bounds on what one source may hold: a KPI series far beyond them is a wrong path or table.
MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000
FILE_SUFFIXES = (".csv", ".json", ".yml", ".yaml")

Resolve = Callable[[str], Path]


class LoadError(Exception):
    """A source could not be read or holds a value that is not usable; the message says where."""


@dataclass
class Row:
    where: str
    values: dict[str, Any]


@dataclass
class Table:
    source: str
    rows: list[Row]


def is_url(spec: str) -> bool:
    return "://" in spec


def display(spec: str) -> str:
    """How a source is named in messages and evidence: the path or URL as configured, secrets masked."""
    return mask_text(spec)


def read_table(spec: str, resolve: Resolve, table: str, columns: list[str], optional: set[str], order_by: str | None) -> Table:
    """The rows of a file or SQL table, each with `columns` (an `optional` column may be absent: None)."""
    if is_url(spec):
        return _read_sql(spec, resolve, table, columns, optional, order_by)
    path = resolve(spec)
    suffix = path.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise LoadError(f"{spec}: unsupported file type (use {', '.join(FILE_SUFFIXES)} or an SQLAlchemy URL)")
    text = _read_text(spec, path)
    if suffix == ".csv":
        return _read_csv(spec, text, columns, optional)
    if suffix == ".json":
        try:
            # Decimal keeps each number's own text, so ratios and depths compare exactly.
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise LoadError(f"{spec} line {exc.lineno}: invalid JSON: {exc.msg}") from None
    else:
        from golive.yamlfile import ConfigError, parse

        try:
            data = parse(text, Path(spec)).data
        except ConfigError as exc:
            raise LoadError(f"invalid YAML: {exc}") from None
    return _read_records(spec, data, columns, optional)


def _read_text(spec: str, path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LoadError(f"{spec}: {size} bytes, more than the {MAX_BYTES} a KPI source may hold")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LoadError(f"{spec}: no such file ({path})") from None
    except IsADirectoryError:
        raise LoadError(f"{spec}: is a directory, not a file ({path})") from None
    except UnicodeDecodeError as exc:
        raise LoadError(f"{spec}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise LoadError(f"{spec}: cannot read: {exc.strerror or exc}") from None


def _read_csv(spec: str, text: str, columns: list[str], optional: set[str]) -> Table:
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
        if header is None:
            return Table(spec, [])
        names = [name.strip() for name in header]
        missing = [name for name in columns if name not in names and name not in optional]
        if missing:
            raise LoadError(f"{spec} line 1: no column {', '.join(map(repr, missing))} (columns: {', '.join(names)})")
        index = {name: names.index(name) for name in columns if name in names}
        rows: list[Row] = []
        for record in reader:
            if not record or not any(cell.strip() for cell in record):
                continue
            where = f"{spec} line {reader.line_num}"
            if len(record) != len(names):
                raise LoadError(f"{where}: {len(record)} fields, the header has {len(names)}")
            if len(rows) >= MAX_ROWS:
                raise LoadError(f"{spec}: more than {MAX_ROWS} rows")
            rows.append(Row(where, {name: record[index[name]] if name in index else None for name in columns}))
    except csv.Error as exc:
        raise LoadError(f"{spec} line {reader.line_num}: malformed CSV: {exc}") from None
    return Table(spec, rows)


def _read_records(spec: str, data: Any, columns: list[str], optional: set[str]) -> Table:
    if data is None:
        return Table(spec, [])
    if isinstance(data, dict):
        lists = [key for key, value in data.items() if isinstance(value, list)]
        if len(lists) != 1:
            raise LoadError(f"{spec}: expected a list of records, or a mapping holding exactly one such list")
        data = data[lists[0]]
    if not isinstance(data, list):
        raise LoadError(f"{spec}: expected a list of records, found {type(data).__name__}")
    if len(data) > MAX_ROWS:
        raise LoadError(f"{spec}: more than {MAX_ROWS} rows")
    rows: list[Row] = []
    for number, record in enumerate(data, start=1):
        where = f"{spec} record {number}"
        if not isinstance(record, dict):
            raise LoadError(f"{where}: expected a mapping of column to value, found {type(record).__name__}")
        missing = [name for name in columns if name not in record and name not in optional]
        if missing:
            raise LoadError(f"{where}: no {', '.join(map(repr, missing))} (keys: {', '.join(map(str, record))})")
        rows.append(Row(where, {name: record.get(name) for name in columns}))
    return Table(spec, rows)


def _read_sql(spec: str, resolve: Resolve, table: str, columns: list[str], optional: set[str], order_by: str | None) -> Table:
    try:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url
    except ImportError:
        raise LoadError(f"{display(spec)}: SQL sources need SQLAlchemy installed") from None
    shown = display(spec)
    try:
        url = make_url(spec)
    except Exception as exc:
        raise LoadError(f"{shown}: not an SQLAlchemy URL: {exc}") from None
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise LoadError(f"{shown}: name the SQLite database file (sqlite:///path/to/kpi.db)")
        path = resolve(database)
        if not path.is_file():
            raise LoadError(f"{shown}: no such database file ({path})")
        # Read-only, so a wrong path or a typo can never create or change a database.
        url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    elif url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
    schema, _, name = table.rpartition(".")
    label = f"{shown} table {table}"
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
    except Exception as exc:
        raise LoadError(f"{shown}: {_first_line(exc)}") from None
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table(name, schema=schema or None):
                raise LoadError(f"{shown}: no table {table!r}")
            present = {str(column["name"]) for column in inspector.get_columns(name, schema=schema or None)}
            missing = [column for column in columns if column not in present and column not in optional]
            if missing:
                raise LoadError(f"{label}: no column {', '.join(map(repr, missing))} (columns: {', '.join(sorted(present))})")
            selected = [column for column in columns if column in present]
            ordering: list[sa.ColumnClause[Any]] = [sa.column(order_by)] if order_by else []
            statement: sa.Select[*tuple[Any, ...]] = (
                sa.select(*[sa.column(column) for column in selected])
                .select_from(sa.table(name, schema=schema or None))
                .order_by(*ordering)
                .limit(MAX_ROWS + 1)
            )
            records = connection.execute(statement).all()
    except LoadError:
        raise
    except Exception as exc:
        raise LoadError(f"{label}: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    if len(records) > MAX_ROWS:
        raise LoadError(f"{label}: more than {MAX_ROWS} rows")
    rows = [
        Row(f"{label} row {number}", {column: record._mapping.get(column) for column in columns})
        for number, record in enumerate(records, start=1)
    ]
    return Table(shown, rows)


def _first_line(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    lines = str(origin).strip().splitlines()
    return f"{type(origin).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def read_document(spec: str, resolve: Resolve, timeout: float) -> str:
    """The text of a JSON document: a file, or the body of an HTTP(S) GET."""
    if spec.startswith(("http://", "https://")):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(spec, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # TLS verified by default
                body: bytes = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise LoadError(f"{spec}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise LoadError(f"{spec}: {getattr(exc, 'reason', None) or exc}") from None
        if len(body) > MAX_BYTES:
            raise LoadError(f"{spec}: response larger than {MAX_BYTES} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise LoadError(f"{spec}: response is not UTF-8") from None
    elif is_url(spec):
        raise LoadError(f"{display(spec)}: the explainability score comes from a JSON file or an http(s) URL")
    else:
        text = _read_text(spec, resolve(spec))
    return text
