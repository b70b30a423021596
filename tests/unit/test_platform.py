"""platform.healthz and platform.metrics on hand-made probes and expositions, and the
latency the prometheus collector derives for tests.performance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from golive.checklist import load_default
from golive.checks import JudgeContext
from golive.collectors import Evidence
from golive.collectors.http import Fetched, reported_version
from golive.collectors.prometheus import Scrape, latency, parse_into
from golive.config import Config
from golive.judging import judge
from golive.model import ItemResult, Status

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

# What the demo service's prometheus_client registry exposes (generate_latest), trimmed.
EXPOSITION = """\
# HELP core_pnl Mark-to-market P&L of the order book
# TYPE core_pnl gauge
core_pnl 1250.5
# HELP risk_exposure Total notional of accepted orders
# TYPE risk_exposure gauge
risk_exposure 325000.0
# HELP request_duration_seconds Time to answer an HTTP request
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{le="0.005",method="POST",route="/orders"} 90.0
request_duration_seconds_bucket{le="0.01",method="POST",route="/orders"} 98.0
request_duration_seconds_bucket{le="0.025",method="POST",route="/orders"} 100.0
request_duration_seconds_bucket{le="+Inf",method="POST",route="/orders"} 100.0
request_duration_seconds_count{method="POST",route="/orders"} 100.0
request_duration_seconds_sum{method="POST",route="/orders"} 0.41
request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"} 10.0
request_duration_seconds_bucket{le="0.01",method="GET",route="/healthz"} 10.0
request_duration_seconds_bucket{le="0.025",method="GET",route="/healthz"} 10.0
request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz"} 10.0
request_duration_seconds_count{method="GET",route="/healthz"} 10.0
request_duration_seconds_sum{method="GET",route="/healthz"} 0.01
# HELP request_duration_seconds_created Time to answer an HTTP request
# TYPE request_duration_seconds_created gauge
request_duration_seconds_created{method="POST",route="/orders"} 1.7958e+09
"""


def judged(item_id: str, source: str, data: dict[str, Any], **params: Any) -> ItemResult:
    checklist = load_default()
    item = checklist.get(item_id)
    assert item is not None
    item.params.update(params)
    config = Config(
        path=Path("golive.yml"),
        base_dir=Path("."),
        environment="staging",
        checklist=checklist,
        release={},
        sources={},
        api="https://api.test",
    )
    ctx = JudgeContext(config, AS_OF, {source: Evidence(source, data=data)})
    return judge(item, config, ctx)


def healthz(**probe: Any) -> dict[str, Any]:
    fetched = Fetched("https://api.test/healthz", status=200, seconds=0.012, body=b'{"status": "ok"}')
    for name, value in probe.items():
        setattr(fetched, name, value)
    return {"api": "https://api.test", "probes": {"platform.healthz": fetched.to_json()}}


def parsed(text: str | bytes, url: str = "https://api.test/metrics") -> Scrape:
    scraped = Scrape(url)
    scraped.status = 200
    body = text.encode() if isinstance(text, str) else text
    scraped.size = len(body)
    parse_into(scraped, body)
    return scraped


def metrics_data(scraped: Scrape) -> dict[str, Any]:
    return {"base_url": "https://api.test", "targets": {"platform.metrics": scraped.to_json()}}


# ------------------------------------------------------------------ platform.healthz


def test_healthz_200_within_timeout_passes_and_records_latency() -> None:
    result = judged("platform.healthz", "http", healthz())
    assert result.status is Status.PASS
    assert "answered 200 in 12 ms, TLS verified" in result.summary
    assert result.outcome.metrics["healthz_ms"] == 12.0


def test_healthz_redirect_not_followed_fails_naming_the_target() -> None:
    result = judged("platform.healthz", "http", healthz(status=302, location="https://login.test/"))
    assert result.status is Status.FAIL
    assert "HTTP 302 redirecting to https://login.test/; follow_redirects is false" in result.summary


def test_healthz_followed_redirects_are_named_in_the_pass() -> None:
    data = healthz(redirects=["https://api.test/healthz/"])
    result = judged("platform.healthz", "http", data, follow_redirects=True)
    assert result.status is Status.PASS
    assert "after redirects to https://api.test/healthz/" in result.summary


def test_healthz_non_200_fails_with_the_body() -> None:
    result = judged("platform.healthz", "http", healthz(status=503, body=b'{"status": "db down"}'))
    assert result.status is Status.FAIL
    assert 'HTTP 503, expected 200: {"status": "db down"}' in result.summary


@pytest.mark.parametrize(
    ("kind", "status"),
    [("timeout", Status.FAIL), ("refused", Status.FAIL), ("tls", Status.FAIL), ("dns", Status.ERROR), ("url", Status.ERROR)],
)
def test_healthz_transport_problems_fail_when_the_endpoint_misbehaves_else_error(kind: str, status: Status) -> None:
    result = judged("platform.healthz", "http", healthz(status=None, error=f"{kind} happened", error_kind=kind))
    assert result.status is status
    assert f"{kind} happened" in result.summary


def test_healthz_slower_than_its_timeout_fails() -> None:
    result = judged("platform.healthz", "http", healthz(seconds=6.5))
    assert result.status is Status.FAIL
    assert "after 6.50 s, limit 5 s" in result.summary


def test_healthz_without_a_probe_for_the_item_is_insufficient() -> None:
    result = judged("platform.healthz", "http", {"api": "https://api.test", "probes": {}})
    assert result.status is Status.INSUFFICIENT


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"version": "1.4.0", "commit": "abc"}', "application/json", ("1.4.0", None)),
        (b"1.4.0\n", "text/plain", ("1.4.0", None)),
        (b'{"commit": "abc"}', "application/json", (None, "no 'version' string")),
        (b"{not json", "application/json", (None, "not JSON")),
        (b"<html>hello world</html>", "text/html", (None, "neither JSON")),
    ],
)
def test_reported_version_reads_json_or_a_bare_string(body: bytes, content_type: str, expected: tuple[str | None, str | None]) -> None:
    version, problem = reported_version(Fetched("https://api.test/version", status=200, body=body, content_type=content_type), "version")
    assert version == expected[0]
    assert (problem is None) if expected[1] is None else (expected[1] in str(problem))


# ------------------------------------------------------------------ platform.metrics


def test_metrics_with_every_family_passes_naming_the_matched_families() -> None:
    result = judged("platform.metrics", "prometheus", metrics_data(parsed(EXPOSITION)))
    assert result.status is Status.PASS
    assert "core_pnl (gauge), risk_exposure (gauge), request_duration_seconds (histogram)" in result.summary


def test_metrics_missing_family_fails_with_a_finding_per_family() -> None:
    text = EXPOSITION.replace("core_pnl", "core_pnl_old").replace("risk_exposure", "risk")
    result = judged("platform.metrics", "prometheus", metrics_data(parsed(text)))
    assert result.status is Status.FAIL
    assert [finding.key for finding in result.findings] == ["metric:core_pnl", "metric:risk_exposure"]
    assert "looked for risk_exposure, risk_exposure_seconds, risk_exposure_total" in result.summary


def test_created_series_alone_do_not_satisfy_a_required_family() -> None:
    text = "# TYPE request_duration_created gauge\nrequest_duration_created 1.7e9\n# TYPE core_pnl gauge\ncore_pnl 1\n"
    result = judged("platform.metrics", "prometheus", metrics_data(parsed(text)), required_families=["core_pnl", "request_duration"])
    assert result.status is Status.FAIL
    assert [finding.key for finding in result.findings] == ["metric:request_duration"]


def test_counter_family_matches_without_its_total_suffix() -> None:
    text = "# TYPE orders counter\norders_total 5\n"
    assert judged("platform.metrics", "prometheus", metrics_data(parsed(text)), required_families=["orders"]).status is Status.PASS
    # An untyped series keeps its full name; the _total suffix parameter still finds it.
    untyped = judged("platform.metrics", "prometheus", metrics_data(parsed("orders_total 5\n")), required_families=["orders"])
    assert untyped.status is Status.PASS


def test_family_declared_without_series_fails() -> None:
    text = EXPOSITION.split("# HELP request_duration_seconds Time")[0]
    text += "# HELP request_duration_seconds Time\n# TYPE request_duration_seconds histogram\n"
    result = judged("platform.metrics", "prometheus", metrics_data(parsed(text)))
    assert result.status is Status.FAIL
    assert "request_duration_seconds is declared at https://api.test/metrics but exports no series" in result.summary


def test_malformed_exposition_is_an_error_naming_the_line() -> None:
    scraped = parsed(EXPOSITION + 'risk_exposure{desk="a" 3\n')
    result = judged("platform.metrics", "prometheus", metrics_data(scraped))
    assert result.status is Status.ERROR
    assert "malformed exposition: line 24" in result.summary


def test_non_utf8_exposition_is_an_error() -> None:
    result = judged("platform.metrics", "prometheus", metrics_data(parsed(b"core_pnl 1\n\xff\xfe")))
    assert result.status is Status.ERROR
    assert "not UTF-8 at byte 11" in result.summary


def test_oversized_payload_is_an_error() -> None:
    scraped = Scrape("https://api.test/metrics")
    scraped.problem = {"kind": "oversized", "detail": "more than max_bytes 100 bytes; not parsed"}
    result = judged("platform.metrics", "prometheus", metrics_data(scraped))
    assert result.status is Status.ERROR
    assert "payload too large" in result.summary


def test_unreachable_metrics_endpoint_fails() -> None:
    scraped = Scrape("https://api.test/metrics")
    scraped.problem = {"kind": "refused", "detail": "connection refused"}
    result = judged("platform.metrics", "prometheus", metrics_data(scraped))
    assert result.status is Status.FAIL


# ------------------------------------------------------------------ latency for tests.performance


def test_latency_since_start_sums_every_label_set() -> None:
    found = latency(None, parsed(EXPOSITION), "request_duration_seconds")
    # 110 requests: rank 108.9 lands in (0.01, 0.025] holding 2 of them (98+10 below).
    assert found["requests"] == 110
    assert found["p99_seconds"] == pytest.approx(0.01 + 0.015 * (0.9 / 2))
    assert found["since_start"] is True
    assert found["window_seconds"] is None
    assert found["in_inf_bucket"] is False
    assert found["error"] is None


def test_latency_between_two_scrapes_uses_only_the_window() -> None:
    before = parsed(EXPOSITION)
    after_text = EXPOSITION.replace('le="+Inf",method="POST",route="/orders"} 100.0', 'le="+Inf",method="POST",route="/orders"} 150.0')
    after = parsed(after_text)
    after.monotonic = before.monotonic + 30
    found = latency(before, after, "request_duration_seconds")
    # All 50 new requests are slower than 25 ms: the quantile is beyond the last bound.
    assert (found["requests"], found["in_inf_bucket"], found["p99_seconds"]) == (50, True, 0.025)
    assert found["window_seconds"] == 30


def test_latency_without_the_histogram_reports_why() -> None:
    found = latency(None, parsed("# TYPE request_duration_seconds summary\nrequest_duration_seconds_count 3\n"), "request_duration_seconds")
    assert "no histogram family 'request_duration_seconds'" in found["error"]
    assert "(it is a summary)" in found["error"]


def test_latency_with_a_non_numeric_le_reports_the_series() -> None:
    text = '# TYPE h histogram\nh_bucket{le="fast"} 1\nh_bucket{le="+Inf"} 1\n'
    assert "has no numeric le (le='fast')" in latency(None, parsed(text), "h")["error"]


def test_latency_of_a_failed_scrape_carries_the_scrape_problem() -> None:
    scraped = Scrape("https://api.test/metrics")
    scraped.problem = {"kind": "timeout", "detail": "no answer within 10 s"}
    assert latency(None, scraped, "request_duration_seconds")["error"] == "https://api.test/metrics: no answer within 10 s"
