"""Security & Compliance: Vault/KMS initialised, unsealed, not a dev server, its transit key
present, and INFRA_PROD_ENABLED=true on the app hosts of the environments that require it."""

from __future__ import annotations

from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.flags import unit_problems
from golive.checks.platform import transport_status
from golive.collectors import Evidence, Request
from golive.collectors.vault import SOURCE, TRANSIT_KEY, TransitEntry, VaultData, VaultProbe
from golive.model import Finding, Outcome, Status, worst

# The storage backend of `bao server -dev` / `vault server -dev`: everything is lost on restart.
DEV_STORAGE = "inmem"


def health_finding(probe: VaultProbe, allow_standby: bool) -> tuple[Finding | None, str]:
    """(problem, description of the node's state) from /v1/sys/health."""
    url, status, body = probe["url"], probe["status"], probe.get("body") or {}
    if probe["error"]:
        return Finding("vault:health", transport_status(probe["error_kind"]), f"GET {url}: {probe['error']}"), ""
    version = f"Vault {body['version']}" if body.get("version") else "Vault"
    if status == 200:
        if body.get("initialized") is not True or body.get("sealed") is not False:
            detail = f"{url} answered 200 but says initialized={body.get('initialized')}, sealed={body.get('sealed')}"
            return Finding("vault:health", Status.ERROR, detail), ""
        return None, f"{version} initialised, unsealed, active"
    if status in (429, 473):
        role = "standby" if status == 429 else "performance standby"
        if allow_standby:
            return None, f"{version} initialised, unsealed, {role} (allowed)"
        return Finding("vault:health", Status.FAIL, f"{url}: the node is a {role} (HTTP {status}); allow_standby is false"), ""
    if status == 472:
        detail = f"{url}: the node is a disaster-recovery secondary (HTTP 472) and serves no client requests"
        return Finding("vault:health", Status.FAIL, detail), ""
    if status == 501:
        return Finding("vault:health", Status.FAIL, f"{url}: Vault is not initialised (HTTP 501)"), ""
    if status == 503:
        return Finding("vault:health", Status.FAIL, f"{url}: Vault is sealed (HTTP 503)"), ""
    return Finding("vault:health", Status.ERROR, f"{url} answered HTTP {status}, which is not a Vault health code"), ""


def storage_finding(probe: VaultProbe, allow_dev: bool) -> tuple[Finding | None, str]:
    url, body = probe["url"], probe.get("body") or {}
    storage = body.get("storage_type")
    if probe["error"] or probe["status"] != 200 or not storage:
        why = probe["error"] or (f"HTTP {probe['status']}" if probe["status"] != 200 else "no storage_type in the answer")
        if allow_dev:
            return None, "storage unknown (dev mode allowed)"
        return Finding("vault:storage", Status.INSUFFICIENT, f"cannot tell whether {url} is a dev server: {why}"), ""
    if storage == DEV_STORAGE:
        if allow_dev:
            return None, f"storage {storage} (dev mode allowed)"
        detail = f"storage type {storage} at {url}: a dev server, every secret is lost on restart; allow_dev_mode is false"
        return Finding("vault:storage", Status.FAIL, detail), ""
    return None, f"storage {storage}"


def transit_finding(name: str, entry: TransitEntry | None) -> tuple[Finding | None, str]:
    key = f"vault:transit:{name}"
    if entry is None:
        return Finding(key, Status.INSUFFICIENT, f"transit key {name} was not looked up"), ""
    if not entry.get("checked"):
        return Finding(key, Status.INSUFFICIENT, f"transit key {name} not checked: {entry['reason']}"), ""
    if entry["error"]:
        return Finding(key, transport_status(entry["error_kind"]), f"GET {entry['url']}: {entry['error']}"), ""
    status, errors = entry["status"], "; ".join(entry.get("errors") or [])
    described = entry.get("key")
    if status == 200 and described:
        return None, f"transit key {name} present ({described.get('type', '?')}, version {described.get('latest_version', '?')})"
    if status == 404:
        return Finding(key, Status.FAIL, f"transit key {name} does not exist ({errors or 'HTTP 404'})"), ""
    if status == 403:
        return Finding(key, Status.ERROR, f"the token may not read transit key {name}: {errors or 'HTTP 403'}"), ""
    if status == 503:
        return Finding(key, Status.INSUFFICIENT, f"transit key {name} unknown while Vault is sealed"), ""
    return Finding(key, Status.ERROR, f"GET {entry['url']} answered HTTP {status}" + (f": {errors}" if errors else "")), ""


def flag_findings(item: ItemSpec, ctx: JudgeContext) -> tuple[list[Finding], str]:
    """INFRA_PROD_ENABLED (param `flag`) on every unit of the `flag_hosts` hosts, read from
    the host pass: the running process and its unit's files must both hold `flag_value`."""
    flag, required = str(item.params["flag"]), str(item.params["flag_value"])
    environments = [str(name) for name in item.params["flag_environments"]]
    key = f"flag:{flag}"
    if ctx.config.environment not in environments:
        return [], f"{flag} not required in environment '{ctx.config.environment}' (only {', '.join(environments) or 'none'})"
    hosts = ctx.evidence.get("hosts")
    if hosts is None or hosts.error or hosts.missing:
        reason = (hosts.error or hosts.missing) if hosts else "not collected"
        return [Finding(key, Status.INSUFFICIENT, f"{flag} in '{ctx.config.environment}' unproven: hosts evidence {reason}")], ""
    pattern = str(item.params["flag_hosts"])
    names = hosts.data.get("patterns", {}).get(pattern)
    if names is None:
        detail = f"{flag} unproven: no host item gathered the hosts of pattern '{pattern}'"
        return [Finding(key, Status.INSUFFICIENT, detail)], ""
    if not names:
        return [Finding(key, Status.INSUFFICIENT, f"{flag} unproven: host pattern '{pattern}' matched no host")], ""
    findings: list[Finding] = []
    for host in names:
        facts = hosts.data.get("hosts", {}).get(host) or {}
        flags = facts.get("flags")
        if "error" in facts:
            findings.append(Finding(key, Status.ERROR, f"{host}: {facts['error']}", host=host))
            continue
        if not isinstance(flags, dict) or not flags.get("units"):
            findings.append(Finding(key, Status.INSUFFICIENT, f"{host}: no unit's flags were gathered", host=host))
            continue
        if flags.get("error"):
            findings.append(Finding(key, Status.ERROR, f"{host}: flags unreadable: {flags['error']}", host=host))
            continue
        problems = [
            (status, f"{unit}: {text}")
            for unit, facts_ in sorted(flags["units"].items())
            for status, text in unit_problems(unit, facts_, flag, required)
        ]
        if problems:
            findings.append(Finding(key, worst([s for s, _ in problems]), f"{host}: " + "; ".join(text for _, text in problems), host=host))
    return findings, f"{flag}={required} on {', '.join(names)}"


def transit_name(item: ItemSpec) -> str:
    """ "<mount>/<key>": how the evidence files the item's transit key."""
    return f"{str(item.params['transit_mount']).strip('/')}/{item.params['transit_key']}"


def transit_requests(item: ItemSpec) -> list[Request]:
    """The lookup of the item's transit key, when it names one."""
    if not item.params["transit_key"]:
        return []
    args = {"mount": str(item.params["transit_mount"]).strip("/"), "key": str(item.params["transit_key"])}
    return [Request(SOURCE, TRANSIT_KEY, args, key=transit_name(item))]


@check("security.vault_kms", also_uses=("hosts",), requests=transit_requests)
def vault_kms(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    data = cast("VaultData", evidence.data)
    findings: list[Finding] = []
    notes: list[str] = []
    health, state = health_finding(data["health"], bool(item.params["allow_standby"]))
    findings += [health] if health else []
    notes += [state] if state else []
    # A Vault that does not answer at all says nothing more through its other endpoints.
    reachable = not (health and data["health"]["error"])
    if reachable:
        storage, note = storage_finding(data["seal_status"], bool(item.params["allow_dev_mode"]))
        findings += [storage] if storage else []
        notes += [note] if note else []
        key = str(item.params["transit_key"])
        if not key:
            findings.append(Finding("vault:transit", Status.INSUFFICIENT, "no transit key named (item parameter transit_key is empty)"))
        else:
            name = transit_name(item)
            transit, note = transit_finding(name, data.get("transit", {}).get(name))
            findings += [transit] if transit else []
            notes += [note] if note else []
    flags, note = flag_findings(item, ctx)
    findings += flags
    if note and not flags:
        notes.append(note)
    return Outcome.from_findings(findings, f"{'; '.join(notes)} ({data['address']})")
