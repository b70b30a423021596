"""The HTML pages a browser (and a DAST crawler) sees: markets, order search, contact, help.

Every value a request brings back into a page goes through html.escape; every HTML
answer carries the security headers below. Pages are plain server-side HTML with links
and forms, so a crawler finds every parameter without running JavaScript.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable
from typing import Any

from lunia_demo.orders import SYMBOLS

# No inline script or style anywhere: the policy can forbid both.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Strict-Transport-Security": "max-age=31536000",
    "Referrer-Policy": "no-referrer",
}

NAV = (("/", "Order entry"), ("/markets", "Markets"), ("/search", "Find orders"), ("/contact", "Contact"), ("/help", "Help"))
MAX_QUERY = 64


def layout(title: str, body: str) -> bytes:
    links = " | ".join(f'<a href="{href}">{html.escape(label)}</a>' for href, label in NAV)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
        f"  <title>{html.escape(title)} - Lunia</title>\n"
        '  <link rel="stylesheet" href="/static/style.css">\n</head>\n<body>\n'
        f"  <nav>{links}</nav>\n  <h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    ).encode()


def markets(query: dict[str, list[str]], book: Any) -> bytes:
    symbol = first(query, "symbol")
    rows = "".join(f'<li><a href="/markets?symbol={name}">{name}</a></li>' for name in sorted(SYMBOLS))
    detail = ""
    if symbol:
        if symbol in SYMBOLS:
            count = sum(1 for order in book.orders if order.symbol == symbol)
            detail = f'<p>{symbol}: {count} order(s) in the book. <a href="/search?symbol={symbol}">Show them</a></p>'
        else:
            detail = f"<p>Unknown market {html.escape(symbol)}.</p>"
    return layout("Markets", f"  <ul>{rows}</ul>\n  {detail}")


def search(query: dict[str, list[str]], book: Any) -> bytes:
    symbol, side = first(query, "symbol"), first(query, "side")
    options = "".join(f"<option{' selected' if name == symbol else ''}>{name}</option>" for name in sorted(SYMBOLS))
    form = (
        '  <form method="get" action="/search">\n'
        f'    <label>Symbol <select name="symbol"><option value="">any</option>{options}</select></label>\n'
        '    <label>Side <select name="side"><option value="">any</option><option>buy</option><option>sell</option></select></label>\n'
        '    <button type="submit">Search</button>\n  </form>\n'
    )
    found = [o for o in book.orders if (not symbol or o.symbol == symbol) and (not side or o.side == side)]
    shown = "".join(f"<li>#{o.id} {o.side} {o.quantity:g} {o.symbol} at {o.price:g}</li>" for o in found[-20:])
    what = ", ".join(html.escape(value) for value in (symbol, side) if value) or "all orders"
    return layout("Find orders", f"{form}  <p>{len(found)} result(s) for {what}</p>\n  <ul>{shown}</ul>")


def contact_form(query: dict[str, list[str]], book: Any) -> bytes:
    form = (
        '  <form method="post" action="/contact">\n'
        '    <label>Name <input name="name" maxlength="64"></label>\n'
        '    <label>E-mail <input name="email" type="email" maxlength="128"></label>\n'
        '    <label>Message <textarea name="message" maxlength="2000"></textarea></label>\n'
        '    <button type="submit">Send</button>\n  </form>\n'
    )
    return layout("Contact", form)


def contact_sent(form: dict[str, list[str]], book: Any) -> bytes:
    name = first(form, "name") or "there"
    return layout("Contact", f"  <p>Thank you, {html.escape(name)}. The desk answers within a day.</p>")


def help_page(query: dict[str, list[str]], book: Any) -> bytes:
    topics = {"orders": "Orders are checked against the risk limits before they enter the book.", "risk": "Notional per order is capped."}
    topic = first(query, "topic")
    text = topics.get(topic, "Pick a topic.")
    links = "".join(f'<li><a href="/help?topic={name}">{name}</a></li>' for name in topics)
    return layout("Help", f"  <ul>{links}</ul>\n  <p>{html.escape(text)}</p>")


def first(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0][:MAX_QUERY]


def parse_form(body: bytes) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


Page = Callable[[dict[str, list[str]], Any], bytes]
GET_PAGES: dict[str, Page] = {"/markets": markets, "/search": search, "/contact": contact_form, "/help": help_page}
POST_PAGES: dict[str, Page] = {"/contact": contact_sent}
