"""Feature flags: the running processes' environment must hold the required value and
agree with what their unit files and env files say (a disagreement is a restart pending)."""

from __future__ import annotations

from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.hostfacts import on_item_hosts, per_host
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status, worst


def configured_value(unit: dict[str, Any], flag: str) -> tuple[str | None, str, list[tuple[Status, str]]]:
    """What systemd would put in the unit's environment: Environment= first, then each
    EnvironmentFile= in order, later assignments winning. Returns (value, where, problems)."""
    value: str | None = None
    where = "nowhere"
    problems: list[tuple[Status, str]] = []
    for name, assigned, position in unit.get("environment") or []:
        if name == flag:
            value, where = assigned, f"Environment= (word {position})"
    for env_file in unit.get("environment_files") or []:
        path = env_file.get("path")
        if env_file.get("error"):
            problems.append((Status.ERROR, f"{path} unreadable: {env_file['error']}"))
            continue
        lines = [(assigned, line) for name, assigned, line in env_file.get("assignments") or [] if name == flag]
        if len(lines) > 1:
            problems.append((Status.FAIL, f"{flag} set {len(lines)} times in {path} (lines {', '.join(str(line) for _, line in lines)})"))
        if lines:
            value, where = lines[-1][0], f"{path} line {lines[-1][1]}"
    return value, where, problems


def unit_problems(unit_name: str, unit: dict[str, Any], flag: str, required: str) -> list[tuple[Status, str]]:
    value, where, problems = configured_value(unit, flag)
    if value is None and where != "nowhere":
        problems.append((Status.INSUFFICIENT, f"{flag} in {where} was withheld on the host as secret-looking"))
    elif value is None:
        problems.append((Status.FAIL, f"{flag} is not set in the unit's Environment= or EnvironmentFile="))
    elif value != required:
        problems.append((Status.FAIL, f"{where} sets {flag}={value}, required {required}"))
    process = unit.get("process") or {}
    if process.get("error"):
        status = Status.INSUFFICIENT if not process.get("pid") else Status.ERROR
        problems.append((status, f"running value unknown: {process['error']}"))
        return problems
    environ = process.get("environ") or {}
    if flag not in environ:
        problems.append((Status.FAIL, f"{flag} is missing from the running process"))
    elif environ[flag] is None:
        problems.append((Status.INSUFFICIENT, f"{flag} in the running process was withheld on the host as secret-looking"))
    elif value is not None and environ[flag] != value:
        problems.append((Status.FAIL, f"restart pending: the running process has {flag}={environ[flag]} but {where} says {value}"))
    elif environ[flag] != required:
        problems.append((Status.FAIL, f"the running process has {flag}={environ[flag]}, required {required}"))
    return problems


def env_file_problems(path: str, facts: dict[str, Any] | None, flag: str, required: str) -> list[tuple[Status, str]]:
    if not facts:
        return [(Status.ERROR, f"{path} was not collected")]
    if facts.get("error"):
        return [(Status.ERROR, f"{path} unreadable: {facts['error']}")]
    lines = [(value, line) for name, value, line in facts.get("assignments") or [] if name == flag]
    if not lines:
        return [(Status.FAIL, f"{flag} is not set in {path}")]
    problems = []
    if len(lines) > 1:
        problems.append((Status.FAIL, f"{flag} set {len(lines)} times in {path} (lines {', '.join(str(line) for _, line in lines)})"))
    if lines[-1][0] != required:
        problems.append((Status.FAIL, f"{path} line {lines[-1][1]} sets {flag}={lines[-1][0]}, required {required}"))
    return problems


def feature_flag_requests(item: ItemSpec) -> list[Request]:
    """One flag per item; items on one host share one visit, their units and files united."""
    params = item.params
    return on_item_hosts(item, "flags", {"units": list(params["units"]), "flags": [params["flag"]], "env_files": list(params["env_files"])})


@check(
    "flags.binance_live_trading",
    "flags.binance_force_mock",
    "flags.infra_prod_enabled",
    "flags.frontend_signal_health",
    requests=feature_flag_requests,
)
def feature_flag(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    flag, required = str(item.params["flag"]), str(item.params["value"])
    units = [str(unit) for unit in item.params["units"]]
    env_files = [str(path) for path in item.params["env_files"]]

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        # Problems grouped by text, so five units with the same stale value read as one line.
        grouped: dict[tuple[Status, str], list[str]] = {}
        for unit in units:
            unit_facts = (facts.get("units") or {}).get(unit)
            found = [(Status.ERROR, "not collected")] if unit_facts is None else unit_problems(unit, unit_facts, flag, required)
            for problem in found:
                grouped.setdefault(problem, []).append(unit)
        for path in env_files:
            for problem in env_file_problems(path, (facts.get("env_files") or {}).get(path), flag, required):
                grouped.setdefault(problem, [])
        if not grouped:
            return Outcome.passed(f"{flag}={required} in the running process and the files of {', '.join(units)}")
        details = [f"{text} ({', '.join(owners)})" if owners else text for (_, text), owners in grouped.items()]
        status = worst([status for status, _ in grouped])
        return Outcome(Status.PASS, "; ".join(details), [Finding(f"flag:{flag}", status, "; ".join(details), host=host)])

    return per_host(item, evidence, "flags", judge)
