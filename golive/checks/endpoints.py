"""config.endpoints: Redis, PostgreSQL and the LLM endpoint, measured FROM each app host."""

from __future__ import annotations

from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.hostfacts import on_item_hosts, per_host
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status


def _redis(host: str, entry: dict[str, Any]) -> Finding | None:
    where = f"Redis {entry.get('host')}:{entry.get('port')}"
    if entry.get("error"):
        return Finding("endpoint:redis", Status.FAIL, f"{where} unreachable: {entry['error']}", host=host)
    reply = str(entry.get("reply", ""))
    login = str(entry.get("login_reply", ""))
    if entry.get("login_sent") and login.startswith("-"):
        return Finding("endpoint:redis", Status.FAIL, f"{where} refused AUTH (wrong password or user): {login}", host=host)
    if reply.startswith("-NOAUTH"):
        return Finding("endpoint:redis", Status.FAIL, f"{where} answered NOAUTH: a password is required and none is configured", host=host)
    if reply != "+PONG":
        return Finding("endpoint:redis", Status.FAIL, f"{where} answered {reply or 'nothing'} to PING, not PONG", host=host)
    return None


def _postgres(host: str, entry: dict[str, Any]) -> Finding | None:
    where = f"PostgreSQL {entry.get('user')}@{entry.get('host')}:{entry.get('port')}/{entry.get('database')}"
    if entry.get("error"):
        return Finding("endpoint:postgres", Status.ERROR, f"{where}: {entry['error']}", host=host)
    if entry.get("rc") != 0:
        return Finding(
            "endpoint:postgres",
            Status.FAIL,
            f"{where} login failed: {entry.get('reply') or 'psql exited ' + str(entry.get('rc'))}",
            host=host,
        )
    if entry.get("answer") != "1":
        return Finding("endpoint:postgres", Status.FAIL, f"{where}: SELECT 1 returned {entry.get('answer')!r}", host=host)
    return None


def _llm(host: str, entry: dict[str, Any]) -> Finding | None:
    url = entry.get("url")
    if entry.get("error"):
        return Finding("endpoint:llm", Status.FAIL, f"LLM endpoint {url} unreachable: {entry['error']}", host=host)
    status = entry.get("status")
    if not isinstance(status, int) or not 200 <= status < 300:
        return Finding("endpoint:llm", Status.FAIL, f"LLM endpoint {url} answered HTTP {status}", host=host)
    return None


JUDGES = {"redis": _redis, "postgres": _postgres, "llm": _llm}


def endpoints_requests(item: ItemSpec) -> list[Request]:
    keys = ("env_file", "redis_var", "postgres_var", "llm_var", "llm_path")
    args = {key: item.params[key] for key in keys} | {"timeout": item.params["timeout_seconds"]}
    return on_item_hosts(item, "endpoints", args)


@check("config.endpoints", requests=endpoints_requests)
def endpoints(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        if facts.get("missing"):
            return Outcome(Status.FAIL, f"{facts.get('env_file')} does not exist: this host names no endpoints")
        found = facts.get("endpoints") or {}
        findings: list[Finding] = []
        for name, judge_one in JUDGES.items():
            entry = found.get(name)
            if not isinstance(entry, dict):
                findings.append(Finding(f"endpoint:{name}", Status.ERROR, f"{name} endpoint not probed", host=host))
            elif entry.get("unset"):
                findings.append(
                    Finding(f"endpoint:{name}", Status.FAIL, f"{entry.get('variable')} is not set in {facts.get('env_file')}", host=host)
                )
            elif (finding := judge_one(host, entry)) is not None:
                findings.append(finding)
        return Outcome.from_findings(findings, "Redis PONG, PostgreSQL login + SELECT 1, LLM 2xx over verified TLS")

    return per_host(item, evidence, "endpoints", judge)
