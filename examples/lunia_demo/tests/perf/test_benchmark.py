"""Micro-benchmark of order validation (pytest-benchmark; --benchmark-json keeps its timings)."""

from __future__ import annotations

from typing import Any

from lunia_demo.orders import OrderBook


def test_place_order_benchmark(benchmark: Any) -> None:
    book = OrderBook(max_exposure=float("inf"))
    order = {"symbol": "BTCUSDT", "side": "buy", "quantity": 0.001, "price": 65000}
    placed = benchmark(book.place, order)
    assert placed.symbol == "BTCUSDT"
