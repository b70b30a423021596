"""Infrastructure host items: systemd services, Falco, encrypted swap (from the host pass)."""

from __future__ import annotations

from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.hostfacts import on_item_hosts, per_host
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status

# Random-key sources crypttab accepts for swap: a fresh key at every boot.
RANDOM_KEYS = ("/dev/urandom", "/dev/random")


def unit_problems(state: dict[str, Any] | None) -> list[str]:
    """What keeps a unit from being enabled AND active, in systemd's own words."""
    if not state:
        return ["not collected"]
    load, active, enabled = state.get("load", ""), state.get("active", ""), state.get("enabled", "")
    if load == "not-found":
        return ["missing (no unit file)"]
    if load == "masked" or enabled == "masked":
        return ["masked"]
    problems = []
    if active == "failed":
        problems.append(f"failed ({state.get('result') or 'unknown result'})")
    elif active in ("activating", "deactivating", "reloading"):
        problems.append(f"{active} (not yet active)")
    elif active != "active":
        problems.append(active or "in no known state")
    if enabled != "enabled":
        problems.append(enabled or "not enabled")
    return problems


def systemd_services_requests(item: ItemSpec) -> list[Request]:
    return on_item_hosts(item, "units", {"units": list(item.params["units"])})


@check("infra.systemd_services", requests=systemd_services_requests)
def systemd_services(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    units = [str(unit) for unit in item.params["units"]]

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        states = facts.get("units", {})
        findings = [
            Finding(f"unit:{unit}", Status.FAIL, f"{unit} {' and '.join(problems)}", host=host)
            for unit in units
            if (problems := unit_problems(states.get(unit)))
        ]
        return Outcome.from_findings(findings, f"{len(units)} units enabled and active")

    return per_host(item, evidence, "units", judge)


def falco_requests(item: ItemSpec) -> list[Request]:
    params = item.params
    return on_item_hosts(
        item, "falco", {"units": list(params["units"]), "config": params["config"], "healthz_timeout": params["healthz_timeout_seconds"]}
    )


@check("infra.falco", requests=falco_requests)
def falco(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    candidates = [str(unit) for unit in item.params["units"]]
    config_path = str(item.params["config"])

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        findings: list[Finding] = []
        states = facts.get("units", {})
        running = [unit for unit in candidates if not unit_problems(states.get(unit))]
        if not running:
            installed = [
                f"{unit} {' and '.join(unit_problems(states.get(unit)))}"
                for unit in candidates
                if states.get(unit, {}).get("load") != "not-found"
            ]
            shown = "; ".join(installed) if installed else f"none of {', '.join(candidates)} is installed"
            key = next((unit for unit in candidates if states.get(unit, {}).get("load") not in (None, "not-found")), candidates[0])
            findings.append(Finding(f"unit:{key}", Status.FAIL, f"no Falco unit enabled and active ({shown})", host=host))
        findings += _falco_config(host, facts.get("config") or {}, config_path)
        healthz = facts.get("healthz")
        if isinstance(healthz, dict) and healthz.get("status") != 200:
            answer = (
                f"answered HTTP {healthz['status']}" if healthz.get("status") else f"did not answer: {healthz.get('error', 'no response')}"
            )
            findings.append(Finding("falco:healthz", Status.FAIL, f"Falco healthz {healthz.get('url')} {answer}", host=host))
        probed = "healthz answers 200" if isinstance(healthz, dict) else "webserver disabled, healthz not probed"
        rules = len((facts.get("config") or {}).get("rules_files") or [])
        return Outcome.from_findings(
            findings, f"{', '.join(running)} enabled and active; {config_path} parses, {rules} rules file(s) present; {probed}"
        )

    return per_host(item, evidence, "falco", judge)


def _falco_config(host: str, config: dict[str, Any], path: str) -> list[Finding]:
    if config.get("exists") is False:
        return [Finding("falco:config", Status.FAIL, f"{path} does not exist", host=host)]
    if config.get("error"):
        return [Finding("falco:config", Status.ERROR, f"{path} unreadable: {config['error']}", host=host)]
    if config.get("parse_error"):
        return [Finding("falco:config", Status.FAIL, f"{path} does not parse: {config['parse_error']}", host=host)]
    rules = config.get("rules_files")
    if not rules:
        return [Finding("falco:config", Status.FAIL, f"{path} lists no rules_files", host=host)]
    return [
        Finding(
            f"file:{rule['path']}", Status.FAIL, f"Falco rules file {rule['path']} (listed in {path}) is missing or unreadable", host=host
        )
        for rule in rules
        if not rule.get("exists")
    ]


def encrypted_swap_requests(item: ItemSpec) -> list[Request]:
    return on_item_hosts(item, "swap", {"crypttab": item.params["crypttab"]})


@check("infra.encrypted_swap", requests=encrypted_swap_requests)
def encrypted_swap(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    allow_no_swap = bool(item.params["allow_no_swap"])
    allow_zram = bool(item.params["allow_zram"])
    crypttab_path = str(item.params["crypttab"])

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        if facts.get("swaps_error"):
            return Outcome(Status.INSUFFICIENT, f"/proc/swaps unreadable: {facts['swaps_error']}")
        findings: list[Finding] = []
        devices = facts.get("devices") or []
        if not devices and not allow_no_swap:
            findings.append(Finding("swap:none", Status.FAIL, "no active swap (allow_no_swap is off)", host=host))
        for device in devices:
            finding = _swap_device(host, device, allow_zram)
            if finding:
                findings.append(finding)
        if facts.get("crypttab_error"):
            findings.append(
                Finding(f"file:{crypttab_path}", Status.INSUFFICIENT, f"{crypttab_path} unreadable: {facts['crypttab_error']}", host=host)
            )
        for entry in facts.get("crypttab") or []:
            if "swap" in entry.get("options", []) and entry.get("keyfile") not in RANDOM_KEYS:
                findings.append(
                    Finding(
                        f"crypttab:{entry.get('name')}",
                        Status.FAIL,
                        f"{crypttab_path} line {entry.get('line')}: swap {entry.get('name')} uses key {entry.get('keyfile') or 'a non-file value'}, not a random key",
                        host=host,
                    )
                )
        names = ", ".join(str(device.get("path")) for device in devices)
        ok = f"swap on {names}, dm-crypt with a random key" if devices else "no swap (allowed: allow_no_swap)"
        return Outcome.from_findings(findings, ok)

    return per_host(item, evidence, "swap", judge)


def _swap_device(host: str, device: dict[str, Any], allow_zram: bool) -> Finding | None:
    path = str(device.get("path"))
    kind = device.get("kind")
    key = f"device:{path}"
    if kind == "zram":
        return (
            None
            if allow_zram
            else Finding(key, Status.FAIL, f"{path} is zram swap (compressed RAM, not encrypted; allow_zram is off)", host=host)
        )
    if kind != "dm":
        return Finding(key, Status.FAIL, f"{path} is plain {device.get('type', 'swap')} swap, not dm-crypt", host=host)
    uuid = str(device.get("dm_uuid") or "")
    targets = [target.get("type") for target in (device.get("dm_table") or {}).get("targets", [])]
    if uuid.startswith("CRYPT-") or "crypt" in targets:
        return None
    if not uuid and not targets:
        reasons = [str(device.get(field)) for field in ("dm_uuid_error",) if device.get(field)]
        reasons += [str((device.get("dm_table") or {}).get("error"))] if (device.get("dm_table") or {}).get("error") else []
        return Finding(
            key, Status.INSUFFICIENT, f"cannot tell whether {path} is dm-crypt: {'; '.join(reasons) or 'no dm uuid or table'}", host=host
        )
    return Finding(key, Status.FAIL, f"{path} is device-mapper ({uuid or ', '.join(map(str, targets))}) but not dm-crypt", host=host)
