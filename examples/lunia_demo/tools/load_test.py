#!/usr/bin/env python3
"""Load test: N concurrent users place M orders in total against the demo API.

    python tools/load_test.py --users 100 --orders 500 [--url http://127.0.0.1:8080] [--out reports/load.json]

Without --url it starts the demo service (`python -m lunia_demo`) on a free loopback port
for the run and stops it afterwards. Each user is a thread with its own connections; the
orders are shared out as evenly as possible. The JSON summary (schema
golive/load-test/v1) records the commit under test, the users that actually placed
orders, orders sent/accepted/rejected/failed, and every request's latency. Traffic goes
only to the URL given; the run is bounded by --orders and --timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "golive/load-test/v1"
# Run as a script from anywhere: the demo package sits beside tools/.
sys.path.insert(0, str(ROOT))
from lunia_demo.release import release_commit  # noqa: E402

ORDER = {"symbol": "BTCUSDT", "side": "buy", "quantity": 0.001, "price": 65000}


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted = self.rejected = self.failed = 0
        self.samples: list[float] = []
        self.active_users = 0
        self.errors: dict[str, int] = {}

    def record(self, outcome: str, millis: float, detail: str = "") -> None:
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            self.samples.append(round(millis, 3))
            if detail:
                self.errors[detail] = self.errors.get(detail, 0) + 1


def user(url: urllib.parse.SplitResult, orders: int, tally: Tally, deadline: float, timeout: float) -> None:
    if orders == 0:
        return
    with tally.lock:
        tally.active_users += 1
    body = json.dumps(ORDER)
    for _ in range(orders):
        if time.monotonic() > deadline:
            tally.record("failed", 0.0, "not sent: --timeout reached")
            continue
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=timeout)
            connection.request("POST", "/orders", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            connection.close()
        except (OSError, http.client.HTTPException) as exc:
            tally.record("failed", (time.perf_counter() - started) * 1000, type(exc).__name__)
            continue
        millis = (time.perf_counter() - started) * 1000
        if response.status in (200, 201):
            tally.record("accepted", millis)
        elif 400 <= response.status < 500 and response.status != 429:
            tally.record("rejected", millis)
        else:
            tally.record("failed", millis, f"HTTP {response.status}")


def nearest_rank(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def run(url: str, users: int, orders: int, timeout: float) -> dict[str, Any]:
    target = urllib.parse.urlsplit(url)
    tally = Tally()
    started = dt.datetime.now(dt.UTC)
    deadline = time.monotonic() + timeout
    shares = [orders // users + (1 if index < orders % users else 0) for index in range(users)]
    threads = [threading.Thread(target=user, args=(target, share, tally, deadline, timeout)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = tally.accepted + tally.rejected + tally.failed
    return {
        "schema": SCHEMA,
        "tool": "tools/load_test.py",
        "commit": release_commit(),
        "target": url,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "users": {"requested": users, "active": tally.active_users},
        "orders": {"requested": orders, "sent": sent, "accepted": tally.accepted, "rejected": tally.rejected, "failed": tally.failed},
        "error_rate": tally.failed / sent if sent else None,
        "errors": tally.errors,
        "latency_ms": {f"p{q}": nearest_rank(tally.samples, q) for q in (50, 90, 95, 99)} | {"max": max(tally.samples, default=None)},
        "samples_ms": tally.samples,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_service() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    service = subprocess.Popen([sys.executable, "-m", "lunia_demo", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return service, url
        except OSError:
            time.sleep(0.1)
    service.kill()
    raise SystemExit(f"the demo service did not come up on {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, required=True, help="concurrent users")
    parser.add_argument("--orders", type=int, required=True, help="orders in total, shared out among the users")
    parser.add_argument("--url", help="API base URL (default: start the demo service locally)")
    parser.add_argument("--out", default="reports/load.json", help="where to write the JSON summary")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before unsent orders count as failed")
    args = parser.parse_args(argv)
    if args.users < 1 or args.orders < 0:
        parser.error("--users must be >= 1 and --orders >= 0")
    service = None
    url = args.url
    if url is None:
        service, url = start_service()
    try:
        summary = run(url, args.users, args.orders, args.timeout)
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1) + "\n")
    orders = summary["orders"]
    print(
        f"{summary['users']['active']} users, {orders['sent']} orders: {orders['accepted']} accepted, "
        f"{orders['rejected']} rejected, {orders['failed']} failed; P99 {summary['latency_ms']['p99']} ms -> {out}"
    )
    return 0 if orders["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
