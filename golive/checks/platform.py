"""Platform Health: the API's health endpoint and its Prometheus metrics."""

from __future__ import annotations

from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence, Request
from golive.collectors.http import HEALTHZ, HttpData, Probe
from golive.collectors.http import SOURCE as HTTP
from golive.collectors.prometheus import SCRAPE, Family, PrometheusData, Target
from golive.collectors.prometheus import SOURCE as PROMETHEUS
from golive.model import Finding, Outcome, Status

# The endpoint itself did not answer properly: that is the finding, not a broken probe.
# Name resolution, malformed URLs and unknown socket errors say the probe could not run.
ANSWER_FAILURES = frozenset({"timeout", "refused", "tls", "status"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# What a scrape problem means for platform.metrics: the payload could not be judged.
PAYLOAD_ERRORS = frozenset({"oversized", "malformed"})


def transport_status(kind: str | None) -> Status:
    return Status.FAIL if kind in ANSWER_FAILURES else Status.ERROR


def healthz_requests(item: ItemSpec) -> list[Request]:
    """One GET of the item's path, filed under its id."""
    args = {name: item.params[name] for name in ("path", "timeout_seconds", "follow_redirects")}
    return [Request(HTTP, HEALTHZ, args, key=item.id)]


@check("platform.healthz", requests=healthz_requests)
def healthz(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    probe: Probe | None = cast("HttpData", evidence.data).get("probes", {}).get(item.id)
    if probe is None:
        return Outcome(Status.INSUFFICIENT, f"no probe of {item.params['path']} was recorded for {item.id}")
    url, status = probe["url"], probe["status"]
    limit = float(item.params["timeout_seconds"])
    if probe["error"]:
        return Outcome(transport_status(probe["error_kind"]), f"GET {url}: {probe['error']}")
    if status in REDIRECT_CODES:
        return Outcome(
            Status.FAIL,
            f"GET {url} answered HTTP {status} redirecting to {probe['location'] or '(no Location)'}; "
            f"follow_redirects is {str(item.params['follow_redirects']).lower()}",
        )
    if status != 200:
        body = " ".join(str(probe.get("body") or "").split())[:120]
        return Outcome(Status.FAIL, f"GET {url} answered HTTP {status}, expected 200" + (f": {body}" if body else ""))
    seconds = float(probe["seconds"])
    if seconds > limit:
        return Outcome(Status.FAIL, f"GET {url} answered 200 after {seconds:.2f} s, limit {limit:g} s")
    redirects = list(probe.get("redirects") or [])
    via = f" after redirects to {', '.join(redirects)}" if redirects else ""
    tls = ", TLS verified" if str(redirects[-1] if redirects else url).startswith("https:") else ""
    outcome = Outcome.passed(f"GET {url} answered 200 in {seconds * 1000:.0f} ms{via}{tls}")
    outcome.metrics["healthz_ms"] = round(seconds * 1000, 1)
    return outcome


def family_names(required: str, suffixes: list[str]) -> list[str]:
    """The exposed family names that satisfy `required`: itself or itself plus one suffix."""
    return [required, *(required + suffix for suffix in suffixes if not required.endswith(suffix))]


def metrics_requests(item: ItemSpec) -> list[Request]:
    """One scrape of the item's path, filed under its id (the first one judged also measures
    the latency histogram for tests.performance)."""
    names = ("path", "max_bytes", "timeout_seconds", "latency_histogram", "latency_window_seconds")
    return [Request(PROMETHEUS, SCRAPE, {name: item.params[name] for name in names}, key=item.id)]


@check("platform.metrics", requests=metrics_requests)
def metrics(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    target: Target | None = cast("PrometheusData", evidence.data).get("targets", {}).get(item.id)
    if target is None:
        return Outcome(Status.INSUFFICIENT, f"no scrape of {item.params['path']} was recorded for {item.id}")
    url, problem = target["url"], target.get("problem")
    if problem:
        kind = problem["kind"]
        status = Status.ERROR if kind in PAYLOAD_ERRORS else transport_status(kind)
        what = {"oversized": "payload too large", "malformed": "malformed exposition"}.get(kind, "scrape failed")
        return Outcome(status, f"GET {url}: {what}: {problem['detail']}")
    families: dict[str, Family] = target["families"]
    suffixes = [str(suffix) for suffix in item.params["suffixes"]]
    findings: list[Finding] = []
    present: list[str] = []
    for required in (str(name) for name in item.params["required_families"]):
        candidates = family_names(required, suffixes)
        found = [name for name in candidates if name in families]
        if not found:
            findings.append(Finding(f"metric:{required}", Status.FAIL, f"{required} missing at {url} (looked for {', '.join(candidates)})"))
        elif not any(families[name]["samples"] for name in found):
            findings.append(Finding(f"metric:{required}", Status.FAIL, f"{found[0]} is declared at {url} but exports no series yet"))
        else:
            name = next(name for name in found if families[name]["samples"])
            present.append(f"{name} ({families[name]['type']})")
    return Outcome.from_findings(findings, f"{', '.join(present)} exposed at {url} ({target['bytes']} bytes)")
