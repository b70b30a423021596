from __future__ import annotations

import pytest
from lunia_demo.orders import BadOrder, OrderBook, OrderRejected, parse_order


def order(**overrides: object) -> dict[str, object]:
    return {"symbol": "BTCUSDT", "side": "buy", "quantity": 0.5, "price": 60_000, **overrides}


def test_valid_order_is_accepted_and_counts_towards_exposure() -> None:
    book = OrderBook()
    placed = book.place(order())
    assert placed.id == 1
    assert book.exposure == pytest.approx(30_000)


@pytest.mark.parametrize(
    "bad",
    [order(symbol="DOGE"), order(side="hold"), order(quantity=0), order(price=-1), order(quantity=True), "not an object"],
)
def test_malformed_orders_are_bad_requests(bad: object) -> None:
    with pytest.raises(BadOrder):
        parse_order(bad)


def test_order_over_the_per_order_limit_is_rejected() -> None:
    book = OrderBook(max_order_notional=10_000)
    with pytest.raises(OrderRejected, match="per-order limit"):
        book.place(order())
    assert book.orders == []


def test_exposure_limit_rejects_the_order_that_would_cross_it() -> None:
    book = OrderBook(max_order_notional=40_000, max_exposure=50_000)
    book.place(order())
    with pytest.raises(OrderRejected, match="exposure"):
        book.place(order())
    assert len(book.orders) == 1


def test_pnl_marks_buys_and_sells_in_opposite_directions() -> None:
    book = OrderBook()
    book.place(order(side="buy", quantity=1, price=100))
    book.place(order(side="sell", quantity=2, price=100))
    assert book.pnl({"BTCUSDT": 110}) == pytest.approx(10 - 20)
