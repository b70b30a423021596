"""KPI charts as evidence files: the equity curve with its drawdown episodes shaded, and the
rolling Sharpe ratio across the judged window. Drawn with matplotlib's Agg canvas (no
display, no pyplot global state), imported only when a chart is drawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive.kpi.series import Episode, Point

EQUITY_CHART = "equity_drawdowns.png"
ROLLING_CHART = "rolling_sharpe.png"
# No software version or timestamp in the PNG: the same evidence renders the same bytes.
_METADATA: dict[str, str | None] = {"Software": None}


def _dates() -> Any:
    # matplotlib.dates ships without type hints; matplotlib's typed plotting API takes numbers, not dates.
    from matplotlib import dates

    return dates


def _x(day: dt.date) -> float:
    """A date as matplotlib's x coordinate."""
    return float(_dates().date2num(day))


def _date_axis(axes: Any) -> None:
    dates = _dates()
    locator = dates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def equity_chart(
    target: Path, equity: Sequence[Point], episodes: Sequence[Episode], first: dt.date, last: dt.date, depth_percent: float
) -> Path:
    """The equity curve up to `last`; episodes deeper than `depth_percent` shaded and labelled."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    axes = figure.subplots()
    axes.plot([_x(day) for day, _ in equity], [value for _, value in equity], color="#1f4e79", linewidth=1.4, label="equity")
    axes.axvspan(_x(first), _x(last), color="#e8eef5", zorder=0, label="judged window")
    for index, episode in enumerate(episodes):
        axes.axvspan(
            _x(episode.start),
            _x(episode.span_end(last)),
            color="#d62728",
            alpha=0.22,
            label=f"drawdown > {depth_percent:g} %" if index == 0 else None,
        )
        axes.annotate(
            f"-{episode.depth * 100:.1f} %",
            (_x(episode.trough), episode.trough_value),
            textcoords="offset points",
            xytext=(0, -14),
            ha="center",
            fontsize=8,
            color="#8b0000",
        )
    axes.set_title(f"Equity curve to {last.isoformat()}, drawdown episodes deeper than {depth_percent:g} % shaded")
    axes.set_ylabel("equity")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    _date_axis(axes)
    figure.savefig(target, format="png", metadata=_METADATA)
    return target


def rolling_chart(
    target: Path,
    rolling: Sequence[tuple[dt.date, float | None]],
    min_sharpe: float,
    length: int,
    window_sharpe: float | None,
    threshold_label: str,
) -> Path:
    """The rolling `length`-day Sharpe across the window, with the item's threshold for reference."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.2), dpi=100, layout="constrained")
    axes = figure.subplots()
    shown = [(day, value) for day, value in rolling if value is not None]
    if shown:
        axes.plot(
            [_x(day) for day, _ in shown],
            [value for _, value in shown],
            color="#2c7a2c",
            linewidth=1.4,
            label=f"rolling {length}-day Sharpe",
        )
    else:
        axes.text(0.5, 0.5, f"no {length}-day sub-window is fully covered by data", transform=axes.transAxes, ha="center")
    axes.axhline(min_sharpe, color="#d62728", linestyle="--", linewidth=1, label=f"{threshold_label} {min_sharpe:g}")
    verdict = f"{window_sharpe:.2f}" if window_sharpe is not None else "undefined"
    axes.set_title(f"Rolling {length}-day Sharpe (reported, not judged); window Sharpe {verdict}")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    _date_axis(axes)
    figure.savefig(target, format="png", metadata=_METADATA)
    return target
