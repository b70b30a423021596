"""Prometheus's `histogram_quantile` over classic (le-bucketed) histograms, and the live P99
computed from two scrapes of a request-duration histogram.

`bucket_quantile` follows promql/quantile.go (BucketQuantile): buckets sorted by upper
bound, the top one must be +Inf, buckets with equal bounds coalesced, counts forced
monotonic (differences within a relative 1e-12 ignored), then linear interpolation inside
the bucket holding rank q x total. A rank that lands in the +Inf bucket returns the
highest finite bound, which is a floor, not a measurement: callers gating on a maximum
must treat it as insufficient evidence (`in_inf_bucket`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Prometheus's smallDeltaTolerance: bucket counts this close are floating-point noise.
SMALL_DELTA_TOLERANCE = 1e-12
_MIN_NORMAL = sys.float_info.min

# (series identity without `le`, upper bound) -> cumulative count: one scrape of one histogram.
HistogramScrape = Mapping[tuple[str, float], float]


@dataclass(frozen=True)
class Quantile:
    value: float
    # The rank fell in the +Inf bucket: `value` is only the highest finite bound.
    in_inf_bucket: bool = False
    observations: float = 0.0
    forced_monotonic: bool = False


def _almost_equal(a: float, b: float, epsilon: float) -> bool:
    """util/almost.Equal: relative comparison that also works near zero."""
    if a == b:
        return True
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < _MIN_NORMAL:
        return diff < epsilon * _MIN_NORMAL
    return diff / min(abs_sum, sys.float_info.max) < epsilon


def _coalesce(buckets: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted buckets with equal upper bounds ("0.2", "2e-1") merged by adding their counts."""
    merged: list[tuple[float, float]] = []
    for bound, count in buckets:
        if merged and merged[-1][0] == bound:
            merged[-1] = (bound, merged[-1][1] + count)
        else:
            merged.append((bound, count))
    return merged


def bucket_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> Quantile:
    """The q-quantile of cumulative `buckets` [(upper bound, count), ...], as Prometheus computes it."""
    if math.isnan(q):
        return Quantile(math.nan)
    if q < 0:
        return Quantile(-math.inf)
    if q > 1:
        return Quantile(math.inf)
    ordered = sorted(buckets, key=lambda bucket: bucket[0])
    if any(not math.isfinite(count) or count < 0 for _, count in ordered):
        # A NaN, infinite or negative count is a broken exposition, not a distribution:
        # no quantile, and an observation count the check reports as an error.
        return Quantile(math.nan, observations=math.nan)
    if not ordered or not math.isinf(ordered[-1][0]) or ordered[-1][0] < 0:
        return Quantile(math.nan)
    merged = _coalesce(ordered)
    counts = [count for _, count in merged]
    forced = False
    previous = counts[0]
    for index in range(1, len(counts)):
        current = counts[index]
        if current == previous:
            continue
        if _almost_equal(previous, current, SMALL_DELTA_TOLERANCE):
            counts[index] = previous
            continue
        if current < previous:
            counts[index] = previous
            forced = True
            continue
        previous = current
    if len(merged) < 2:
        return Quantile(math.nan)
    observations = counts[-1]
    if observations == 0:
        return Quantile(math.nan, observations=0.0)
    rank = q * observations
    # sort.Search over all but the +Inf bucket: the first bucket holding the rank.
    index = next((i for i in range(len(merged) - 1) if counts[i] >= rank), len(merged) - 1)
    if index == len(merged) - 1:
        return Quantile(merged[-2][0], True, observations, forced)
    if index == 0 and merged[0][0] <= 0:
        return Quantile(merged[0][0], False, observations, forced)
    start, end, count = 0.0, merged[index][0], counts[index]
    if index > 0:
        start = merged[index - 1][0]
        count -= counts[index - 1]
        rank -= counts[index - 1]
    return Quantile(start + (end - start) * (rank / count), False, observations, forced)


def histogram_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float:
    """PromQL `histogram_quantile(q, buckets)` for one classic histogram."""
    return bucket_quantile(q, buckets).value


def increase(before: HistogramScrape | None, after: HistogramScrape) -> tuple[list[tuple[float, float]], bool]:
    """`sum by (le) (increase(...))` between two scrapes, and whether a counter reset was seen.

    A series that went down restarted from zero, so its increase is its new value (what
    Prometheus's rate/increase do with a reset between two samples). Without `before` the
    counts since process start are used.
    """
    summed: dict[float, float] = {}
    reset = False
    for key, value in after.items():
        old = (before or {}).get(key, 0.0)
        if value < old:
            reset = True
            delta = value
        else:
            delta = value - old
        summed[key[1]] = summed.get(key[1], 0.0) + delta
    return sorted(summed.items()), reset


def p99_from_histograms(before: HistogramScrape | None, after: HistogramScrape, quantile: float = 0.99) -> tuple[float, float, bool]:
    """(quantile value, requests in the window, whether the quantile fell in the +Inf bucket).

    The histogram_quantile of the increase between the scrapes `before` and `after` (or of
    `after` alone: since process start). The value is NaN when Prometheus would give NaN
    (no +Inf bucket, fewer than two buckets, no request in the window).
    """
    buckets, _ = increase(before, after)
    result = bucket_quantile(quantile, buckets)
    return result.value, result.observations, result.in_inf_bucket
