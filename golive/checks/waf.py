"""security.waf_ids: ModSecurity on the web hosts (effective config + a live 200/403 pair)
and CrowdSec everywhere (agent, LAPI, a bouncer that pulls, required collections)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.hostfacts import fact_request, group_facts, item_hosts, match_request, pattern_hosts
from golive.checks.infrastructure import unit_problems
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status

ATTACKS = {"xss": "XSS", "sqli": "SQL injection", "scanner": "scanner user agent"}


def parse_time(value: Any) -> dt.datetime | None:
    """RFC 3339 with up to nanoseconds (Go's format), as an aware UTC datetime."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    head, zone = value[:19], value[19:]
    fraction = ""
    if zone.startswith("."):
        digits = len(zone) - len(zone[1:].lstrip("0123456789"))
        fraction, zone = zone[1:digits][:6], zone[digits:]
    try:
        stamp = dt.datetime.fromisoformat(
            head + (f".{fraction.ljust(6, '0')}" if fraction else "") + ("+00:00" if zone in ("Z", "") else zone)
        )
    except ValueError:
        return None
    return stamp.astimezone(dt.UTC)


def _server_findings(host: str, kind: str, server: dict[str, Any]) -> list[Finding]:
    name = "Apache mod_security2" if kind == "apache" else "nginx libmodsecurity3"
    if server.get("error"):
        return [Finding(f"modsecurity:{kind}", Status.ERROR, f"{name}: effective configuration unreadable: {server['error']}", host=host)]
    findings = []
    if not server.get("module_loaded"):
        findings.append(Finding("modsecurity:module", Status.FAIL, f"{name}: the ModSecurity module is not loaded", host=host))
    engine = [entry for entry in server.get("engine") or [] if isinstance(entry, dict)]
    top = [entry for entry in engine if not entry.get("scope")]
    if not top:
        findings.append(
            Finding("modsecurity:engine", Status.FAIL, f"{name}: no SecRuleEngine in the loaded configuration (engine off)", host=host)
        )
    elif str(top[-1].get("value")).lower() != "on":
        last = top[-1]
        findings.append(
            Finding(
                "modsecurity:engine",
                Status.FAIL,
                f"{name}: SecRuleEngine {last.get('value')} at {last.get('file')}:{last.get('line')}",
                host=host,
            )
        )
    for entry in engine:
        if entry.get("scope") and str(entry.get("value")).lower() != "on":
            where = f"{entry.get('file')}:{entry.get('line')}"
            detail = f"{name}: <{entry['scope']}> sets SecRuleEngine {entry.get('value')} ({where}): this location bypasses the engine"
            findings.append(Finding(f"modsecurity:bypass@{entry['scope']}", Status.FAIL, detail, host=host))
    if kind == "nginx":
        switches = [entry for entry in server.get("switches") or [] if isinstance(entry, dict)]
        enabling = [entry for entry in switches if str(entry.get("value")).lower() == "on" and "location" not in str(entry.get("scope"))]
        if not enabling:
            findings.append(
                Finding("modsecurity:engine", Status.FAIL, f"{name}: no `modsecurity on;` at http or server level (engine off)", host=host)
            )
        for entry in switches:
            if str(entry.get("value")).lower() == "off":
                where = f"{entry.get('file')}:{entry.get('line')}"
                detail = (
                    f"{name}: `modsecurity off;` in {entry.get('scope') or 'the main context'} ({where}): this location bypasses the engine"
                )
                findings.append(Finding(f"modsecurity:bypass@{entry.get('scope')}", Status.FAIL, detail, host=host))
    if not server.get("crs_rule_files"):
        findings.append(
            Finding(
                "modsecurity:crs", Status.FAIL, f"{name}: OWASP CRS not loaded (no REQUEST-9xx/RESPONSE-9xx rule files included)", host=host
            )
        )
    for problem in server.get("unreadable") or []:
        findings.append(Finding("modsecurity:config", Status.ERROR, f"{name}: {problem}", host=host))
    return findings


def _probe_findings(host: str, probes: dict[str, Any], params: dict[str, Any]) -> list[Finding]:
    blocked = int(params["blocked_status"])
    benign_ok = [int(code) for code in params["benign_statuses"]]
    findings = []
    benign = probes.get("benign") or {}
    if "status" not in benign:
        return [
            Finding(
                "modsecurity:probe", Status.ERROR, f"probe {benign.get('url')} got no answer: {benign.get('error', 'no result')}", host=host
            )
        ]
    if benign["status"] not in benign_ok:
        findings.append(
            Finding(
                "modsecurity:probe:benign",
                Status.FAIL,
                f"benign request {benign.get('url')} answered {benign['status']}, not {benign_ok}",
                host=host,
            )
        )
    for name, label in ATTACKS.items():
        probe = probes.get(name) or {}
        if "status" not in probe:
            findings.append(
                Finding(
                    f"modsecurity:probe:{name}", Status.ERROR, f"{label} probe got no answer: {probe.get('error', 'not run')}", host=host
                )
            )
        elif probe["status"] != blocked:
            findings.append(
                Finding(
                    f"modsecurity:probe:{name}",
                    Status.FAIL,
                    f"{label} probe answered {probe['status']}, not {blocked} (not blocked)",
                    host=host,
                )
            )
    return findings


def judge_modsecurity(host: str, facts: dict[str, Any], params: dict[str, Any]) -> list[Finding]:
    servers = {kind: server for kind, server in (facts.get("servers") or {}).items() if isinstance(server, dict)}
    active = {kind: server for kind, server in servers.items() if (server.get("state") or {}).get("active") == "active"}
    findings: list[Finding] = []
    if not active:
        states = ", ".join(f"{server.get('unit')} {(server.get('state') or {}).get('active', '?')}" for server in servers.values())
        findings.append(Finding("modsecurity:server", Status.FAIL, f"no web server running with ModSecurity ({states})", host=host))
    for kind, server in active.items():
        findings += _server_findings(host, kind, server)
    return findings + _probe_findings(host, facts.get("probes") or {}, params)


def judge_crowdsec(host: str, facts: dict[str, Any], params: dict[str, Any], as_of: dt.datetime) -> list[Finding]:
    findings = [
        Finding(f"unit:{unit}", Status.FAIL, f"CrowdSec agent {unit} {' and '.join(problems)}", host=host)
        for unit in params["crowdsec_units"]
        if (problems := unit_problems((facts.get("units") or {}).get(unit)))
    ]
    if facts.get("cscli") == "missing":
        return [*findings, Finding("crowdsec:cscli", Status.FAIL, "cscli is not installed: CrowdSec is absent", host=host)]
    lapi = facts.get("lapi") or {}
    if lapi.get("rc") != 0:
        findings.append(
            Finding(
                "crowdsec:lapi", Status.FAIL, f"`cscli lapi status` exited {lapi.get('rc')}: {lapi.get('output', '')[-200:]}", host=host
            )
        )
    findings += _bouncer_findings(host, facts, int(params["bouncer_max_age_minutes"]), as_of)
    if facts.get("collections_error"):
        findings.append(Finding("crowdsec:collections", Status.ERROR, f"collections unreadable: {facts['collections_error']}", host=host))
    else:
        enabled = {item.get("name") for item in facts.get("collections") or [] if "enabled" in str(item.get("status"))}
        findings += [
            Finding(f"crowdsec:collection:{name}", Status.FAIL, f"required CrowdSec collection {name} is not installed", host=host)
            for name in params["required_collections"]
            if name not in enabled
        ]
    return findings


def _bouncer_findings(host: str, facts: dict[str, Any], max_minutes: int, as_of: dt.datetime) -> list[Finding]:
    if facts.get("bouncers_error"):
        return [Finding("crowdsec:bouncer", Status.ERROR, f"bouncers unreadable: {facts['bouncers_error']}", host=host)]
    bouncers = [bouncer for bouncer in facts.get("bouncers") or [] if not bouncer.get("revoked")]
    if not bouncers:
        return [Finding("crowdsec:bouncer", Status.FAIL, "no bouncer registered with the LAPI (`cscli bouncers list` is empty)", host=host)]
    ages = {}
    for bouncer in bouncers:
        pulled = parse_time(bouncer.get("last_pull"))
        if pulled is not None:
            ages[str(bouncer.get("name"))] = (as_of - pulled).total_seconds() / 60
    fresh = [name for name, minutes in ages.items() if minutes <= max_minutes]
    if fresh:
        return []
    shown = ", ".join(f"{name} last pulled {minutes:.0f} min before as-of" for name, minutes in ages.items()) or "no bouncer ever pulled"
    return [Finding("crowdsec:bouncer", Status.FAIL, f"no bouncer pulled within {max_minutes} min (stale bouncer): {shown}", host=host)]


def waf_ids_requests(item: ItemSpec) -> list[Request]:
    """ModSecurity and CrowdSec each on their own pattern; the item's pattern is only
    resolved: its hosts are judged from whichever of the two they match."""
    params = item.params
    probes = {
        "probe_url": params["probe_url"],
        "timeout": params["probe_timeout_seconds"],
        "xss_query": params["xss_query"],
        "sqli_query": params["sqli_query"],
        "scanner_user_agent": params["scanner_user_agent"],
    }
    return [
        match_request(item_hosts(item)),
        fact_request(str(params["hosts_modsecurity"]), "modsecurity", probes),
        fact_request(str(params["hosts_crowdsec"]), "crowdsec", {"units": list(params["crowdsec_units"])}),
    ]


@check("security.waf_ids", requests=waf_ids_requests)
def waf_ids(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    params = item.params
    web = set(pattern_hosts(evidence, str(params["hosts_modsecurity"])))
    crowd = set(pattern_hosts(evidence, str(params["hosts_crowdsec"])))
    outcomes: dict[str, Outcome] = {}
    for host in pattern_hosts(evidence, item_hosts(item)):
        findings: list[Finding] = []
        parts = []
        for group, wanted in (("modsecurity", host in web), ("crowdsec", host in crowd)):
            if not wanted:
                continue
            facts = group_facts(evidence, host, group)
            if isinstance(facts, Outcome):
                outcomes[host] = facts
                break
            if group == "modsecurity":
                findings += judge_modsecurity(host, facts, params)
                parts.append(f"ModSecurity On with CRS; benign {params['benign_statuses']}, XSS/SQLi/scanner {params['blocked_status']}")
            else:
                findings += judge_crowdsec(host, facts, params, ctx.as_of)
                parts.append(f"CrowdSec LAPI up, a bouncer pulled within {params['bouncer_max_age_minutes']} min")
        else:
            if not parts:
                outcomes[host] = Outcome(Status.ERROR, "host matched neither hosts_modsecurity nor hosts_crowdsec")
            else:
                outcomes[host] = Outcome.from_findings(findings, "; ".join(parts))
    return outcomes
