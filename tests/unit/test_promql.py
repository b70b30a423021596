"""histogram_quantile against Prometheus's own reference cases.

The cases below are transcribed from prometheus/prometheus
promql/promqltest/testdata/histograms.test (classic `_bucket` variants). There, series
are loaded as `0+Nx10` with a 5m step, so at 50m a bucket holds 10*N; `rate(x[10m])` at
50m spans the samples at 40m and 50m, i.e. the increase from 8*N to 10*N, which is what
`p99_from_histograms(before, after, q)` computes from two scrapes. Expected values are
compared within promqltest's own tolerance (relative 1e-6).
"""

from __future__ import annotations

import math

import pytest

from golive.promql import HistogramScrape, bucket_quantile, histogram_quantile, increase, p99_from_histograms

INF = math.inf
REL = 1e-6

# Per-step increments of each bucket, as in `load 5m` lines of histograms.test.
TESTHISTOGRAM = {
    "positive": [(0.1, 5), (0.2, 7), (1.0, 11), (INF, 12)],
    "negative": [(-0.2, 1), (-0.1, 2), (0.3, 2), (INF, 3)],
}
TESTHISTOGRAM2 = [(0.0, 0), (2.0, 1), (4.0, 2), (6.0, 3), (INF, 3)]
TESTHISTOGRAM3 = {
    "positive": [(0.0, 0), (0.1, 5), (0.2, 7), (1.0, 11), (INF, 11)],
    "negative": [(-0.25, 0), (-0.2, 1), (-0.1, 2), (0.3, 2), (INF, 2)],
}
REQUEST_DURATION = {
    'instance="ins1",job="job1"': [(0.1, 1), (0.2, 3), (INF, 4)],
    'instance="ins2",job="job1"': [(0.1, 2), (0.2, 5), (INF, 6)],
    'instance="ins1",job="job2"': [(0.1, 3), (0.2, 4), (INF, 6)],
    'instance="ins2",job="job2"': [(0.1, 4), (0.2, 7), (INF, 9)],
}
NONMONOTONIC = [(0.1, 2), (1.0, 1), (10.0, 5), (100.0, 4), (1000.0, 9), (INF, 8)]


def at_step(buckets: list[tuple[float, int]], steps: int) -> list[tuple[float, float]]:
    return [(bound, float(per_step * steps)) for bound, per_step in buckets]


def scrape(series: dict[str, list[tuple[float, int]]], steps: int) -> HistogramScrape:
    return {(name, bound): float(per_step * steps) for name, buckets in series.items() for bound, per_step in buckets}


@pytest.mark.parametrize(
    ("q", "positive", "negative"),
    [(0, 0, -0.2), (1, 1, 0.3), (0.2, 0.048, -0.2), (0.5, 0.15, -0.15), (0.8, 0.72, 0.3)],
)
def test_testhistogram_quantiles_match_prometheus(q: float, positive: float, negative: float) -> None:
    # eval instant at 50m histogram_quantile(q, testhistogram_bucket)
    assert histogram_quantile(q, at_step(TESTHISTOGRAM["positive"], 10)) == pytest.approx(positive, rel=REL)
    assert histogram_quantile(q, at_step(TESTHISTOGRAM["negative"], 10)) == pytest.approx(negative, rel=REL)


@pytest.mark.parametrize(("q", "positive", "negative"), [(0.2, 0.048, -0.2), (0.5, 0.15, -0.15), (0.8, 0.72, 0.3)])
def test_testhistogram_quantiles_of_the_rate_match_prometheus(q: float, positive: float, negative: float) -> None:
    # eval instant at 50m histogram_quantile(q, rate(testhistogram_bucket[10m]))
    for start, expected in (("positive", positive), ("negative", negative)):
        before, after = scrape({start: TESTHISTOGRAM[start]}, 8), scrape({start: TESTHISTOGRAM[start]}, 10)
        value, requests, _ = p99_from_histograms(before, after, q)
        assert value == pytest.approx(expected, rel=REL)
        assert requests == TESTHISTOGRAM[start][-1][1] * 2


@pytest.mark.parametrize(
    ("q", "positive", "negative"),
    [(0, 0, -0.25), (0.25, 0.055, -0.225), (0.5, 0.125, -0.2), (0.75, 0.45, -0.15), (1, 1, -0.1)],
)
def test_testhistogram3_quantiles_match_prometheus(q: float, positive: float, negative: float) -> None:
    # eval instant at 50m histogram_quantile(q, testhistogram3_bucket)
    assert histogram_quantile(q, at_step(TESTHISTOGRAM3["positive"], 10)) == pytest.approx(positive, rel=REL, abs=1e-12)
    assert histogram_quantile(q, at_step(TESTHISTOGRAM3["negative"], 10)) == pytest.approx(negative, rel=REL)


@pytest.mark.parametrize(("q", "expected"), [(-0.1, -INF), (1.01, INF)])
def test_quantile_out_of_range_gives_infinities_like_prometheus(q: float, expected: float) -> None:
    # eval_warn instant at 50m histogram_quantile(-0.1 | 1.01, testhistogram_bucket)
    for start in ("positive", "negative"):
        assert histogram_quantile(q, at_step(TESTHISTOGRAM[start], 10)) == expected


def test_nan_quantile_gives_nan_like_prometheus() -> None:
    assert math.isnan(histogram_quantile(math.nan, at_step(TESTHISTOGRAM["positive"], 10)))


@pytest.mark.parametrize(("q", "expected"), [(1 / 6, 1.0), (0.5, 3.0), (5 / 6, 5.0)])
def test_quantiles_in_the_middle_of_a_bucket_match_prometheus(q: float, expected: float) -> None:
    # eval instant at 7m histogram_quantile(q, testhistogram2_bucket): the 5m sample, one step.
    assert histogram_quantile(q, at_step(TESTHISTOGRAM2, 1)) == pytest.approx(expected, rel=REL)
    # eval instant at 47m histogram_quantile(q, rate(testhistogram2_bucket[15m])): samples at 35m and 45m.
    value, _, in_inf = p99_from_histograms(scrape({"": TESTHISTOGRAM2}, 7), scrape({"": TESTHISTOGRAM2}, 9), q)
    assert value == pytest.approx(expected, rel=REL)
    assert not in_inf


@pytest.mark.parametrize(("q", "expected"), [(0.3, 0.075), (0.5, 0.1277777777777778)])
def test_sum_by_le_of_all_series_matches_prometheus(q: float, expected: float) -> None:
    # histogram_quantile(q, sum(rate(request_duration_seconds_bucket[10m])) by (le))
    value, requests, _ = p99_from_histograms(scrape(REQUEST_DURATION, 8), scrape(REQUEST_DURATION, 10), q)
    assert value == pytest.approx(expected, rel=REL)
    assert requests == (4 + 6 + 6 + 9) * 2


@pytest.mark.parametrize(
    ("q", "group", "expected"),
    [
        (0.3, "job1", 0.1),
        (0.3, "job2", 0.0642857142857143),
        (0.5, "job1", 0.14),
        (0.5, "job2", 0.1125),
        (0.3, "ins1", 0.075),
        (0.3, "ins2", 0.075),
        (0.5, "ins1", 0.1333333333),
        (0.5, "ins2", 0.125),
    ],
)
def test_sum_by_job_or_instance_matches_prometheus(q: float, group: str, expected: float) -> None:
    # histogram_quantile(q, sum(rate(request_duration_seconds_bucket[10m])) by (le, job|instance))
    series = {name: buckets for name, buckets in REQUEST_DURATION.items() if f'"{group}"' in name}
    value, _, _ = p99_from_histograms(scrape(series, 8), scrape(series, 10), q)
    assert value == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.3, [0.11, 0.09, 0.06, 0.0675]),
        (0.5, [0.15, 0.13333333333333333, 0.1, 0.11666666666666667]),
    ],
)
def test_unaggregated_series_match_prometheus(q: float, expected: list[float]) -> None:
    # histogram_quantile(q, rate(request_duration_seconds_bucket[10m])), one result per series.
    for (name, buckets), want in zip(REQUEST_DURATION.items(), expected, strict=True):
        value, _, _ = p99_from_histograms(scrape({name: buckets}, 8), scrape({name: buckets}, 10), q)
        assert value == pytest.approx(want, rel=REL)


@pytest.mark.parametrize(("q", "expected"), [(0.01, 0.0045), (0.5, 8.5), (0.99, 979.75)])
def test_nonmonotonic_buckets_are_made_monotonic_like_prometheus(q: float, expected: float) -> None:
    # eval_info instant at 50m histogram_quantile(q, nonmonotonic_bucket)
    result = bucket_quantile(q, at_step(NONMONOTONIC, 10))
    assert result.value == pytest.approx(expected, rel=REL)
    assert result.forced_monotonic


@pytest.mark.parametrize(("q", "expected"), [(0.5, 0.15), (0.75, 0.2), (1, 0.2)])
def test_equal_bounds_written_differently_are_coalesced_like_prometheus(q: float, expected: float) -> None:
    # mixed_bucket: le "0.2", "2e-1" and "2.0e-1" are one bound; ins2 has only "+inf" and "+Inf".
    ins1 = [(0.1, 1.0), (float("0.2"), 1.0), (float("2e-1"), 1.0), (float("2.0e-1"), 1.0), (float("+Inf"), 4.0)]
    assert histogram_quantile(q, [(bound, 2 * count) for bound, count in ins1]) == pytest.approx(expected, rel=REL)
    assert math.isnan(histogram_quantile(q, [(float("+inf"), 0.0), (float("+Inf"), 0.0)]))


def test_histogram_without_observations_gives_nan_like_prometheus() -> None:
    # empty_bucket and const_histogram: no increase, so every quantile is NaN.
    empty = [(0.1, 0.0), (0.2, 0.0), (INF, 0.0)]
    assert math.isnan(histogram_quantile(0.2, empty))
    const = scrape({"": [(0.0, 1), (1.0, 1), (2.0, 1), (INF, 1)]}, 1)
    value, requests, in_inf = p99_from_histograms(const, const, 1.0)
    assert math.isnan(value)
    assert requests == 0
    assert not in_inf


def test_missing_inf_bucket_or_single_bucket_gives_nan() -> None:
    assert math.isnan(histogram_quantile(0.5, [(0.1, 1.0), (0.2, 2.0)]))
    assert math.isnan(histogram_quantile(0.5, [(INF, 5.0)]))
    assert math.isnan(histogram_quantile(0.5, []))


def test_testbed_example_p80_is_0_72() -> None:
    assert histogram_quantile(0.8, [(0.2, 70.0), (0.1, 50.0), (INF, 120.0), (1.0, 110.0)]) == pytest.approx(0.72)


def test_rank_in_the_inf_bucket_returns_the_highest_finite_bound_and_says_so() -> None:
    # 10 of 100 requests slower than the last finite bound: P99 lies beyond 1 s.
    before = {("", 0.5): 0.0, ("", 1.0): 0.0, ("", INF): 0.0}
    after = {("", 0.5): 80.0, ("", 1.0): 90.0, ("", INF): 100.0}
    value, requests, in_inf = p99_from_histograms(before, after, 0.99)
    assert (value, requests, in_inf) == (1.0, 100.0, True)


def test_since_start_uses_the_single_scrape() -> None:
    after = {("", 0.1): 99.0, ("", 0.2): 100.0, ("", INF): 100.0}
    value, requests, in_inf = p99_from_histograms(None, after, 0.99)
    assert value == pytest.approx(0.1)
    assert (requests, in_inf) == (100.0, False)


def test_counter_reset_between_scrapes_counts_the_new_values_like_increase() -> None:
    before = {("a", 0.1): 500.0, ("a", INF): 600.0}
    after = {("a", 0.1): 10.0, ("a", INF): 20.0}
    buckets, reset = increase(before, after)
    assert reset
    assert buckets == [(0.1, 10.0), (INF, 20.0)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0])
def test_a_broken_bucket_count_gives_no_quantile_and_no_count(bad: float) -> None:

    result = bucket_quantile(0.99, [(0.1, bad), (0.2, 100.0), (math.inf, 100.0)])
    assert math.isnan(result.value) and math.isnan(result.observations)
