"""Order validation and the in-memory order book: the demo's business logic."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

SYMBOLS = frozenset({"BTCUSDT", "ETHUSDT", "SOLUSDT"})
SIDES = frozenset({"buy", "sell"})


class OrderRejected(Exception):
    """A well-formed order the risk rules refuse (HTTP 422)."""


class BadOrder(Exception):
    """A request that is not an order at all (HTTP 400)."""


@dataclass(frozen=True)
class Order:
    id: int
    symbol: str
    side: str
    quantity: float
    price: float

    @property
    def notional(self) -> float:
        return self.quantity * self.price

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "symbol": self.symbol,
            "side": self.side,
            "quantity": self.quantity,
            "price": self.price,
            "status": "accepted",
        }


def parse_order(payload: Any) -> tuple[str, str, float, float]:
    if not isinstance(payload, dict):
        raise BadOrder("the body must be a JSON object")
    symbol, side = payload.get("symbol"), payload.get("side")
    quantity, price = payload.get("quantity"), payload.get("price")
    if symbol not in SYMBOLS:
        raise BadOrder(f"unknown symbol {symbol!r}")
    if side not in SIDES:
        raise BadOrder(f"side must be buy or sell, not {side!r}")
    for name, value in (("quantity", quantity), ("price", price)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise BadOrder(f"{name} must be a positive number")
    return str(symbol), str(side), float(quantity), float(price)  # type: ignore[arg-type]


class OrderBook:
    """Accepts orders within a per-order and a total notional limit (the risk exposure)."""

    def __init__(self, max_order_notional: float = 250_000.0, max_exposure: float = 50_000_000.0) -> None:
        self.max_order_notional = max_order_notional
        self.max_exposure = max_exposure
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.orders: list[Order] = []
        self.exposure = 0.0

    def place(self, payload: Any) -> Order:
        symbol, side, quantity, price = parse_order(payload)
        notional = quantity * price
        if notional > self.max_order_notional:
            raise OrderRejected(f"order notional {notional:.2f} exceeds the per-order limit {self.max_order_notional:.2f}")
        with self._lock:
            if self.exposure + notional > self.max_exposure:
                raise OrderRejected(f"exposure would reach {self.exposure + notional:.2f}, limit {self.max_exposure:.2f}")
            order = Order(next(self._ids), symbol, side, quantity, price)
            self.orders.append(order)
            self.exposure += notional
        return order

    def pnl(self, marks: dict[str, float]) -> float:
        """Mark-to-market P&L of the book: buys gain when the mark rises, sells when it falls."""
        with self._lock:
            orders = list(self.orders)
        total = 0.0
        for order in orders:
            mark = marks.get(order.symbol, order.price)
            direction = 1.0 if order.side == "buy" else -1.0
            total += direction * (mark - order.price) * order.quantity
        return total
