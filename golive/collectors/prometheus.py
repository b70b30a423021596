"""The API's Prometheus exposition: which metric families it has, and the live P99.

For each "scrape" request (platform.metrics declares one per item) the collector GETs
`<base>/<path>` (base: `sources.prometheus.base_url`, else the environment's `api`), reads
at most the request's `max_bytes` and parses the text with prometheus_client's parser. The
first request's scrape also gives the request latency: the histogram `latency_histogram`
summed over its label sets, and its P99 as Prometheus's histogram_quantile computes it,
over the increase between two scrapes `latency_window_seconds` apart (0: since the
process started).

Evidence data:
    base_url: the base the paths were appended to
    targets:  {request key: {url, status, seconds, bytes, problem, families}}
              problem = None or {kind, detail}; kind is a fetch error kind (timeout,
              refused, tls, dns, connection, protocol, url) or status, oversized, malformed
              families = {family name: {type, samples}}
    latency:  {histogram, quantile, p99_seconds, requests, in_inf_bucket, window_seconds,
               since_start, counter_reset, buckets, error}
              p99_seconds is None when Prometheus would answer NaN; error is None unless
              the histogram could not be read (then the other figures are absent)
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar, TypedDict

from prometheus_client.parser import text_string_to_metric_families

from golive.collectors import CollectContext, Collector, Evidence, Request, register
from golive.collectors.http import SettingsError, fetch, join_url, settings_tls
from golive.promql import HistogramScrape, bucket_quantile, increase

# tests.performance gates the 99th percentile.
P99 = 0.99
# Ask for the classic text format: the parser below reads that one.
ACCEPT = "text/plain;version=0.0.4"
SOURCE = "prometheus"
# Request(SOURCE, SCRAPE, {path, max_bytes, timeout_seconds, latency_histogram,
# latency_window_seconds}, key=...): one scrape filed under `key`.
SCRAPE = "scrape"


class Problem(TypedDict):
    kind: str
    detail: str


class Family(TypedDict):
    type: str
    samples: int


class Target(TypedDict):
    url: str
    status: int | None
    seconds: float
    bytes: int
    problem: Problem | None
    families: dict[str, Family]


class Latency(TypedDict, total=False):
    """The live histogram's P99; `histogram` and `error` always, the figures only without error."""

    histogram: str | None
    error: str | None
    quantile: float
    p99_seconds: float | None
    requests: int | float
    in_inf_bucket: bool
    window_seconds: float | None
    since_start: bool
    counter_reset: bool
    buckets: list[list[Any]]


class _PrometheusDataAlways(TypedDict):
    base_url: str
    targets: dict[str, Target]


class PrometheusData(_PrometheusDataAlways, total=False):
    """The prometheus source's evidence data; `latency` is absent only when a scrape's
    settings were refused (then the evidence is an error)."""

    latency: Latency


class Scrape:
    """One GET of an exposition and what it held."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.status: int | None = None
        self.seconds = 0.0
        self.size = 0
        self.problem: Problem | None = None
        self.families: dict[str, Family] = {}
        self.histograms: dict[str, list[tuple[dict[str, str], float]]] = {}
        self.monotonic = 0.0

    def to_json(self) -> Target:
        return {
            "url": self.url,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "bytes": self.size,
            "problem": self.problem,
            "families": self.families,
        }


def scrape(url: str, max_bytes: int, timeout: float, context: Any) -> Scrape:
    result = Scrape(url)
    fetched = fetch(url, timeout=timeout, context=context, max_bytes=max_bytes, headers={"Accept": ACCEPT})
    result.monotonic = time.monotonic()
    result.status, result.seconds, result.size = fetched.status, fetched.seconds, len(fetched.body)
    if fetched.error:
        result.problem = {"kind": str(fetched.error_kind), "detail": fetched.error}
    elif fetched.status != 200:
        result.problem = {"kind": "status", "detail": f"HTTP {fetched.status}"}
    elif fetched.oversized:
        result.problem = {"kind": "oversized", "detail": f"more than max_bytes {max_bytes} bytes; not parsed"}
    else:
        parse_into(result, fetched.body)
    return result


def parse_into(result: Scrape, body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.problem = {"kind": "malformed", "detail": f"not UTF-8 at byte {exc.start}"}
        return
    try:
        for family in text_string_to_metric_families(text):
            entry = result.families.setdefault(family.name, {"type": family.type, "samples": 0})
            entry["samples"] += len(family.samples)
            if family.type == "histogram":
                buckets = result.histograms.setdefault(family.name, [])
                buckets += [(dict(s.labels), float(s.value)) for s in family.samples if s.name == f"{family.name}_bucket"]
    # The parser is third-party code reading untrusted text: any exception means malformed.
    except Exception as exc:
        result.families, result.histograms = {}, {}
        result.problem = {"kind": "malformed", "detail": f"{malformed_line(text)}: {type(exc).__name__}: {exc}"}


def malformed_line(text: str) -> str:
    """The first line the parser rejects on its own, to name it in the report."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            list(text_string_to_metric_families(line + "\n"))
        except Exception:  # same reason as in parse_into
            return f"line {number}"
    return "the exposition"


def histogram_scrape(scraped: Scrape, name: str) -> HistogramScrape:
    """{(label set without le, upper bound): cumulative count} of histogram `name`."""
    if name not in scraped.histograms:
        found = scraped.families.get(name)
        kind = f" (it is a {found['type']})" if found else ""
        raise ValueError(f"no histogram family '{name}' in {scraped.url}{kind}")
    series: dict[tuple[str, float], float] = {}
    for sample_labels, value in scraped.histograms[name]:
        labels = dict(sample_labels)
        le = labels.pop("le", None)
        try:
            bound = float(le) if le is not None else math.nan
        except ValueError:
            bound = math.nan
        if math.isnan(bound):
            raise ValueError(f"{name}_bucket{labels} has no numeric le (le={le!r}) in {scraped.url}")
        key = (",".join(f"{k}={v}" for k, v in sorted(labels.items())), bound)
        series[key] = series.get(key, 0.0) + value
    return series


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def latency(before: Scrape | None, after: Scrape, name: str) -> Latency:
    for scraped in (before, after):
        if scraped is not None and scraped.problem:
            return {"histogram": name, "error": f"{scraped.url}: {scraped.problem['detail']}"}
    try:
        old = histogram_scrape(before, name) if before else None
        new = histogram_scrape(after, name)
    except ValueError as exc:
        return {"histogram": name, "error": str(exc)}
    buckets, reset = increase(old, new)
    result = bucket_quantile(P99, buckets)
    return {
        "histogram": name,
        "quantile": P99,
        "p99_seconds": _finite(result.value),
        "requests": int(result.observations) if float(result.observations).is_integer() else result.observations,
        "in_inf_bucket": result.in_inf_bucket,
        "window_seconds": round(after.monotonic - before.monotonic, 3) if before else None,
        "since_start": before is None,
        "counter_reset": reset,
        "buckets": [["+Inf" if math.isinf(bound) else bound, count] for bound, count in buckets],
        "error": None,
    }


@register
class PrometheusCollector(Collector):
    source = SOURCE
    # After the first phase: a live P99 "since start" then includes the traffic the
    # test and load commands golive ran just put on the service.
    phase = 1
    settings_keys: ClassVar[set[str]] = {"base_url", "ca_bundle"}
    default_timeout = 60.0

    def collect(self, ctx: CollectContext) -> Evidence:
        base = ctx.settings.get("base_url") or ctx.config.api
        if not base:
            return Evidence.unavailable(
                self.source, f"environment '{ctx.config.environment}' has no api URL and sources.prometheus.base_url is not set"
            )
        try:
            context = settings_tls(ctx)
        except SettingsError as exc:
            return Evidence(self.source, error=f"sources.prometheus.ca_bundle: {exc}")
        scrapes = [request for request in ctx.requests if request.what == SCRAPE]
        data: PrometheusData = {"base_url": base, "targets": {}}
        if not scrapes:
            data["latency"] = {"histogram": None, "error": "no item requested the /metrics latency histogram"}
        limit = float(ctx.settings.get("timeout", self.default_timeout))
        for index, request in enumerate(scrapes):
            args = request.args
            if index == 0:
                problem = self._window_problem(request, limit)
                if problem:
                    return Evidence(self.source, error=problem)
                before, after = self._latency_scrapes(ctx, base, request, context)
                if after is None:
                    return Evidence.unavailable(self.source, "cancelled while waiting between the two scrapes")
                data["latency"] = latency(before, after, str(args["latency_histogram"]))
            else:
                after = scrape(join_url(base, str(args["path"])), int(args["max_bytes"]), float(args["timeout_seconds"]), context)
            data["targets"][request.key] = after.to_json()
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("prometheus", data)])

    @staticmethod
    def _window_problem(request: Request, limit: float) -> str | None:
        window, timeout = float(request.args["latency_window_seconds"]), float(request.args["timeout_seconds"])
        if window < 0:
            return f"{request.key}: latency_window_seconds must be 0 (since start) or positive, not {window:g}"
        needed = window + (2 if window > 0 else 1) * timeout
        if needed >= limit:
            return f"{request.key}: latency_window_seconds {window:g} plus its scrapes (up to {timeout:g} s each) does not fit sources.prometheus.timeout {limit:g} s"
        return None

    @staticmethod
    def _latency_scrapes(ctx: CollectContext, base: str, request: Request, context: Any) -> tuple[Scrape | None, Scrape | None]:
        args = request.args
        url = join_url(base, str(args["path"]))
        max_bytes, timeout = int(args["max_bytes"]), float(args["timeout_seconds"])
        window = float(args["latency_window_seconds"])
        before = None
        if window > 0:
            before = scrape(url, max_bytes, timeout, context)
            if before.problem:
                # Waiting cannot mend the first scrape; its problem is the evidence.
                return None, before
            if ctx.cancelled.wait(max(0.0, before.monotonic + window - time.monotonic())):
                return before, None
        return before, scrape(url, max_bytes, timeout, context)
