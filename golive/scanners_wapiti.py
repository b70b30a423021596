"""wapiti (Debian's `wapiti` 3.0.x, a DAST scanner) as an AppSec scan, graded beside ZAP's reports.

golive runs it against the release's web front or ingests its reports:

    sources:
      scanners:
        wapiti:
          run: true                      # golive runs the scan itself
          url: http://app1:8000/         # where the crawl starts (scope: that folder)
          modules: [xss, sql, exec, file, redirect, crlf, http_headers, csp, cookieflags]
          timeout: 120                   # seconds for the whole scan (wapiti's --max-scan-time)
          min_urls: 5                    # fewer URLs and forms crawled: insufficient
          min_parameters: 5              # fewer parameters attacked: insufficient
          report: "reports/wapiti/*.json"   # and/or ingest `wapiti -f json` reports
          session: "reports/wapiti/*.db"    # their --store-session databases

Evidence of the crawl: wapiti 3.0.4's JSON report names no crawled URL, so the crawl is
read from its session database (SQLite, written with --store-session): the URLs and
forms it found (`paths`, evil = 0), and the parameters of those the attack modules
attacked (`attack_log` joined with `params`). A report without its session is
insufficient, as is a scan below min_urls or min_parameters: an empty crawl proves
nothing, so it is never an A.

How a scan is graded is golive.appsec's job.

Only modules that talk to nothing but the target may run: `wapp` downloads Wappalyzer's
database, `nikto` its test database, and `ssrf` and `xxe` need wapiti's external
callback host. Wapiti loads every module class even when it runs few, and the wapp
class downloads its database on load: golive gives each run its own --store-config
folder with an empty database in it, and --no-bugreport, so nothing leaves for the
internet.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from golive.collectors.scanners_evidence import WapitiCrawl, WapitiFlaw, WapitiScan
from golive.supply_chain import ReportError, load_json

LEVELS = {0: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical"}
LOCAL_MODULES = frozenset(
    {
        "backup",
        "blindsql",
        "brute_login_form",
        "buster",
        "cookieflags",
        "crlf",
        "csp",
        "csrf",
        "exec",
        "file",
        "htaccess",
        "http_headers",
        "methods",
        "permanentxss",
        "redirect",
        "shellshock",
        "sql",
        "xss",
    }
)
OFFSITE_MODULES = {
    "wapp": "downloads Wappalyzer's database from the internet",
    "nikto": "needs nikto's test database from the internet",
    "ssrf": "needs wapiti's external callback host",
    "xxe": "needs wapiti's external callback host",
}
DEFAULT_TIMEOUT = 300.0
DEFAULT_MIN_URLS = 1
DEFAULT_MIN_PARAMETERS = 1
SETTINGS_KEYS = frozenset({"run", "url", "modules", "timeout", "min_urls", "min_parameters", "report", "session"})
FIELD = "sources.scanners.wapiti"


class WapitiSettingsError(ValueError):
    """sources.scanners.wapiti is malformed; the message names the field."""


@dataclass(frozen=True)
class WapitiSettings:
    run: bool
    url: str
    modules: tuple[str, ...]
    timeout: float
    min_urls: int
    min_parameters: int
    report: str
    session: str


def parse_settings(raw: Any) -> WapitiSettings:
    if not isinstance(raw, dict):
        raise WapitiSettingsError(f"{FIELD} must be a mapping (run, url, modules, timeout, min_urls, min_parameters, report, session)")
    unknown = sorted(set(raw) - SETTINGS_KEYS)
    if unknown:
        raise WapitiSettingsError(f"{FIELD}.{unknown[0]}: unknown setting (known: {', '.join(sorted(SETTINGS_KEYS))})")
    run = raw.get("run", False)
    if not isinstance(run, bool):
        raise WapitiSettingsError(f"{FIELD}.run must be true or false")
    url = raw.get("url", "")
    modules = raw.get("modules", [])
    if run:
        parts = urlsplit(str(url)) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise WapitiSettingsError(f"{FIELD}.url must be an http(s) URL when run is true (got {url!r})")
        if not isinstance(modules, list) or not modules or not all(isinstance(name, str) for name in modules):
            raise WapitiSettingsError(f"{FIELD}.modules must be a non-empty list of wapiti module names when run is true")
        for name in modules:
            if name in OFFSITE_MODULES:
                raise WapitiSettingsError(
                    f"{FIELD}.modules: {name} {OFFSITE_MODULES[name]}; only modules that talk to the target alone may run"
                )
            if name not in LOCAL_MODULES:
                raise WapitiSettingsError(f"{FIELD}.modules: {name} is not a wapiti 3.0 module (known: {', '.join(sorted(LOCAL_MODULES))})")
    report, session = raw.get("report", ""), raw.get("session", "")
    if not isinstance(report, str) or not isinstance(session, str):
        raise WapitiSettingsError(f"{FIELD}.report and .session must be glob patterns")
    if not run and not report:
        raise WapitiSettingsError(f"{FIELD} needs run: true (with url and modules) or report (a glob of `wapiti -f json` reports)")
    return WapitiSettings(
        run=run,
        url=str(url),
        modules=tuple(modules) if run else (),
        timeout=_positive(raw, "timeout", DEFAULT_TIMEOUT, float),
        min_urls=int(_positive(raw, "min_urls", DEFAULT_MIN_URLS, int)),
        min_parameters=int(_positive(raw, "min_parameters", DEFAULT_MIN_PARAMETERS, int)),
        report=report,
        session=session,
    )


def _positive(raw: dict[str, Any], name: str, default: float, kind: type) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)) or value < 1:
        raise WapitiSettingsError(f"{FIELD}.{name} must be a {'whole ' if kind is int else ''}number of at least 1 (got {value!r})")
    return float(value)


# ------------------------------------------------------------------------------ the report


def slug(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-") or "unnamed"


def parse_report(path: Path, content: bytes) -> WapitiScan:
    """A `wapiti -f json` report as {generated, target, version, vulnerabilities, anomalies}."""
    data = load_json(path, content)
    if not isinstance(data, dict) or not isinstance(data.get("infos"), dict) or not isinstance(data.get("vulnerabilities"), dict):
        raise ReportError(f"{path}: not a wapiti JSON report (an object with 'infos' and 'vulnerabilities')")
    infos = data["infos"]
    target = infos.get("target")
    if not isinstance(target, str) or not target:
        raise ReportError(f"{path}: infos.target names no scanned URL")
    generated = _report_date(infos.get("date"))
    return {
        "format": "wapiti-json",
        "version": str(infos.get("version", "")),
        "target": target,
        "scope": str(infos.get("scope", "")),
        "generated": generated.isoformat() if generated else None,
        "date_origin": "report",
        "vulnerabilities": _flaws(path, data["vulnerabilities"], "vulnerabilities"),
        "anomalies": _flaws(path, data.get("anomalies") or {}, "anomalies"),
    }


def _report_date(value: Any) -> dt.datetime | None:
    # wapiti writes time.strftime("%a, %d %b %Y %H:%M:%S +0000"): an RFC 2822 date.
    if not isinstance(value, str):
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _flaws(path: Path, section: Any, name: str) -> list[WapitiFlaw]:
    if not isinstance(section, dict):
        raise ReportError(f"{path}: {name} is not an object of categories")
    flaws: list[WapitiFlaw] = []
    for category, entries in section.items():
        if not isinstance(entries, list):
            raise ReportError(f"{path}: {name}[{category!r}] is not a list")
        for index, entry in enumerate(entries):
            where = f"{name}[{category!r}][{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                raise ReportError(f"{path}: {where} names no path")
            level = entry.get("level")
            # wapiti 3.0.4 writes levels as the strings "0".."4" (earlier versions as numbers).
            if isinstance(level, str) and level.isdigit():
                level = int(level)
            if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
                raise ReportError(f"{path}: {where}.level {entry.get('level')!r} is not one of wapiti's levels 0-4")
            flaws.append(
                {
                    "category": str(category),
                    "level": level,
                    "method": str(entry.get("method", "")),
                    "path": urlsplit(entry["path"]).path or "/",
                    "parameter": str(entry.get("parameter") or ""),
                    "info": str(entry.get("info") or "").strip(),
                }
            )
    return flaws


# ------------------------------------------------------------------------------ the crawl


def read_session(path: Path) -> WapitiCrawl:
    """What the crawl found and what the attacks reached, from a --store-session database."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ReportError(f"{path}: cannot open wapiti's session database: {exc}") from None
    try:
        infos = dict(connection.execute("SELECT key, value FROM scan_infos").fetchall())
        crawled = connection.execute("SELECT method, path FROM paths WHERE evil = 0 ORDER BY path_id").fetchall()
        attacked = connection.execute(
            "SELECT DISTINCT p.method, p.path, q.type, q.name FROM paths p JOIN params q ON q.path_id = p.path_id "
            "WHERE p.evil = 0 AND q.type IN ('GET', 'POST') AND p.path_id IN (SELECT path_id FROM attack_log) "
            "ORDER BY p.path, q.name"
        ).fetchall()
        modules = [row[0] for row in connection.execute("SELECT DISTINCT module_name FROM attack_log ORDER BY module_name")]
    except sqlite3.Error as exc:
        raise ReportError(f"{path}: not a wapiti 3.0 session database: {exc}") from None
    finally:
        connection.close()
    return {
        "file": str(path),
        "root_url": str(infos.get("root_url", "")),
        # Every URL and form the crawl found (what wapiti prints as "found N URLs and forms").
        "crawled": len(crawled),
        "urls": sorted({f"{method} {urlsplit(url).path or '/'}" for method, url in crawled}),
        "parameters": [f"{method} {urlsplit(url).path or '/'} {name}" for method, url, _, name in attacked],
        "modules": modules,
    }


# ------------------------------------------------------------------------------ running it


def wapiti_binary() -> str | None:
    return shutil.which("wapiti")


def scan_argv(binary: str, settings: WapitiSettings, report: Path, session_dir: Path, config_dir: Path) -> list[str]:
    return [
        binary,
        "--url",
        settings.url,
        "--scope",
        "folder",
        "--module",
        ",".join(settings.modules),
        "--format",
        "json",
        "--output",
        str(report),
        "--store-session",
        str(session_dir),
        "--store-config",
        str(config_dir),
        "--flush-session",
        "--no-bugreport",
        "--max-scan-time",
        f"{settings.timeout:g}",
        "--verbose",
        "0",
    ]


Runner = Callable[[list[str], Path, float], Any]


def run_scan(settings: WapitiSettings, folder: Path, runner: Runner) -> WapitiScan:
    """Run wapiti into `folder`; returns the scan entry (report facts plus its crawl), or one with `error`."""
    label = f"wapiti {settings.url}"
    binary = wapiti_binary()
    if binary is None:
        return {"file": label, "error": "wapiti is not installed (Debian's `wapiti` package; PyPI's wapiti is another program)"}
    if folder.exists():
        shutil.rmtree(folder)
    session_dir, config_dir = folder / "session", folder / "config"
    config_dir.mkdir(parents=True)
    # The wapp module's class downloads its database when loaded unless one is there.
    (config_dir / "apps.json").write_text("{}", encoding="utf-8")
    report = folder / "wapiti.json"
    argv = scan_argv(binary, settings, report, session_dir, config_dir)
    # wapiti stops attacking at --max-scan-time, then writes its report.
    done = runner(argv, folder, settings.timeout + 120)
    if done.returncode != 0 or not report.is_file():
        tail = ((done.stderr or "").strip().splitlines() or (done.stdout or "").strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {"file": label, "error": f"{label} failed (exit {done.returncode}): {tail}"}
    sessions = sorted(session_dir.glob("*.db"))
    entry = ingest_scan(report, sessions[0] if len(sessions) == 1 else None)
    if len(sessions) != 1 and "error" not in entry:
        entry["crawl_error"] = f"{session_dir}: expected one session database, found {len(sessions)}"
    # A live run is current by construction: the check does not age it against --as-of.
    entry.update({"live": True, "argv": argv, "returncode": done.returncode})
    return entry


def ingest_scan(report: Path, session: Path | None) -> WapitiScan:
    try:
        entry = parse_report(report, report.read_bytes())
    except OSError as exc:
        return {"file": str(report), "error": f"{report}: {exc.strerror}"}
    except ReportError as exc:
        return {"file": str(report), "error": str(exc)}
    entry["file"] = str(report)
    if session is None:
        entry["crawl"] = None
        return entry
    try:
        entry["crawl"] = read_session(session)
    except ReportError as exc:
        entry["crawl"] = None
        entry["crawl_error"] = str(exc)
    return entry


def pair_sessions(reports: list[Path], sessions: list[Path]) -> list[tuple[Path, Path | None]]:
    """Each ingested report with the session database of the same target (by root URL)."""
    by_root: dict[str, Path] = {}
    for session in sessions:
        try:
            by_root.setdefault(read_session(session)["root_url"], session)
        except ReportError:
            continue
    pairs: list[tuple[Path, Path | None]] = []
    for report in reports:
        try:
            target = parse_report(report, report.read_bytes())["target"]
        except (OSError, ReportError):
            pairs.append((report, None))
            continue
        pairs.append((report, by_root.get(target)))
    return pairs
