"""KPI arithmetic: hand-computed cases, and the same numbers recomputed independently with numpy/pandas."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from golive.kpi import series

DAY0 = dt.date(2026, 1, 1)


def days(count: int, start: dt.date = DAY0) -> list[dt.date]:
    return [start + dt.timedelta(days=index) for index in range(count)]


def test_sharpe_matches_hand_computation_for_each_convention() -> None:
    returns = [0.01, -0.01, 0.02, 0.00]
    # mean 0.005; squared deviations 25e-6, 225e-6, 225e-6, 25e-6 sum to 500e-6.
    sample_std = math.sqrt(500e-6 / 3)
    population_std = math.sqrt(500e-6 / 4)
    assert series.sharpe(returns, 365, 0.0, 1) == pytest.approx(0.005 / sample_std * math.sqrt(365))
    assert series.sharpe(returns, 365, 0.0, 1) == pytest.approx(7.3993, abs=1e-4)
    assert series.sharpe(returns, 252, 0.0, 1) == pytest.approx(6.1482, abs=1e-4)
    assert series.sharpe(returns, 365, 0.0, 0) == pytest.approx(0.005 / population_std * math.sqrt(365))
    # 3.65 % a year over 365 days is 0.0001 a day off every return; the spread is unchanged.
    assert series.sharpe(returns, 365, 0.0365, 1) == pytest.approx(0.0049 / sample_std * math.sqrt(365))


def test_sharpe_is_undefined_without_spread_or_points() -> None:
    assert series.sharpe([0.001] * 90, 365, 0.0, 1) is None
    assert series.sharpe([0.1] * 3, 365, 0.0, 1) is None
    assert series.sharpe([0.01], 365, 0.0, 1) is None
    assert series.sharpe([], 365, 0.0, 0) is None


@pytest.mark.parametrize(("annualisation", "risk_free", "ddof"), [(365, 0.0, 1), (252, 0.04, 1), (365, 0.02, 0)])
def test_sharpe_and_rolling_sharpe_agree_with_pandas(annualisation: int, risk_free: float, ddof: int) -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0.0015, 0.012, 150)
    dates = days(150)
    frame = pd.Series(values, index=pd.DatetimeIndex(dates))
    excess = frame - risk_free / annualisation
    expected = excess.mean() / excess.std(ddof=ddof) * np.sqrt(annualisation)
    assert series.sharpe(list(values), annualisation, risk_free, ddof) == pytest.approx(expected, rel=1e-12)

    points = list(zip(dates, values.tolist(), strict=True))
    in_window = series.window(points, dates[-1], 91)
    rolled = dict(series.rolling_sharpe(points, [day for day, _ in in_window], 30, annualisation, risk_free, ddof))
    roll = excess.rolling(30)
    by_pandas = (roll.mean() / roll.std(ddof=ddof) * np.sqrt(annualisation)).dropna()
    for stamp, value in by_pandas.items():
        if stamp.date() in rolled:
            assert rolled[stamp.date()] == pytest.approx(value, rel=1e-9)
    assert len(rolled) == 91 and all(value is not None for value in rolled.values())


def test_rolling_sharpe_is_none_until_the_data_covers_a_whole_sub_window() -> None:
    points = [(day, 0.01 * ((index % 3) - 1)) for index, day in enumerate(days(40))]
    rolled = series.rolling_sharpe(points, [day for day, _ in points], 30, 365, 0.0, 1)
    assert [value is None for _, value in rolled] == [True] * 29 + [False] * 11


def test_window_holds_the_days_ending_at_the_last_date_inclusive() -> None:
    points = [(day, 0.0) for day in days(100)]
    chosen = series.window(points, DAY0 + dt.timedelta(days=95), 91)
    assert chosen[0][0] == DAY0 + dt.timedelta(days=5)
    assert chosen[-1][0] == DAY0 + dt.timedelta(days=95)
    assert len(chosen) == 91


def test_drawdown_episodes_match_hand_computation() -> None:
    equity = list(zip(days(7), [100.0, 110.0, 99.0, 104.0, 111.0, 100.0, 105.0], strict=True))
    first, second = series.drawdowns(equity)
    assert (first.start, first.trough, first.end) == (DAY0 + dt.timedelta(1), DAY0 + dt.timedelta(2), DAY0 + dt.timedelta(4))
    assert first.depth == pytest.approx(0.1)
    assert (second.start, second.trough, second.end) == (DAY0 + dt.timedelta(4), DAY0 + dt.timedelta(5), None)
    assert second.depth == pytest.approx(1 - 100 / 111)
    assert "ongoing" in second.describe() and "-9.91 %" in second.describe()


def test_drawdowns_agree_with_pandas_cummax() -> None:
    rng = np.random.default_rng(11)
    values = 100 * np.cumprod(1 + rng.normal(0.0005, 0.02, 400))
    equity = list(zip(days(400), values.tolist(), strict=True))
    episodes = series.drawdowns(equity)
    frame = pd.Series(values)
    depth = 1 - frame / frame.cummax()
    # Each episode's depth is the deepest point between its peak and its recovery.
    for episode in episodes:
        start = (episode.start - DAY0).days
        stop = (episode.end - DAY0).days if episode.end else len(values)
        assert episode.depth == pytest.approx(depth.iloc[start:stop].max(), rel=1e-12)
    # The underwater days are exactly those strictly between an episode's peak and its recovery.
    inside: set[int] = set()
    for episode in episodes:
        stop = (episode.end - DAY0).days if episode.end else len(values)
        inside.update(range((episode.start - DAY0).days + 1, stop))
    assert {index for index, value in enumerate(depth) if value > 0} == inside
    assert max(episode.depth for episode in episodes) == pytest.approx(depth.max(), rel=1e-12)


def test_returns_curve_starts_at_one_the_day_before_and_compounds() -> None:
    built = series.curve("returns", [(DAY0, 0.1), (DAY0 + dt.timedelta(1), -0.5)])
    assert built.equity == [(DAY0 - dt.timedelta(1), 1.0), (DAY0, pytest.approx(1.1)), (DAY0 + dt.timedelta(1), pytest.approx(0.55))]


def test_equity_and_pnl_series_become_the_same_returns() -> None:
    equity = series.curve("equity", [(DAY0, 1000.0), (DAY0 + dt.timedelta(1), 1010.0), (DAY0 + dt.timedelta(2), 999.9)])
    pnl = series.curve("pnl", [(DAY0 + dt.timedelta(1), 10.0), (DAY0 + dt.timedelta(2), -10.1)], capital=1000.0)
    assert [value for _, value in equity.returns] == pytest.approx([0.01, -0.01])
    assert [value for _, value in pnl.returns] == pytest.approx([0.01, -0.01])


def test_pnl_series_without_capital_or_wiping_out_equity_is_an_error() -> None:
    with pytest.raises(series.SeriesError, match="capital"):
        series.curve("pnl", [(DAY0, 5.0)])
    with pytest.raises(series.SeriesError, match="2026-01-02"):
        series.curve("pnl", [(DAY0, -50.0), (DAY0 + dt.timedelta(1), -60.0)], capital=100.0)


def test_hit_rate_counts_only_positive_net_pnl_as_wins() -> None:
    assert series.hit_rate([1.0, -1.0, 0.0, 0.5]) == (2, 4)
    assert series.hit_rate([]) == (0, 0)
