"""What `golive demo --break NAME` breaks: a sandbox fault on a host, KPI data, or a demo service."""

from __future__ import annotations

from dataclasses import dataclass

from golive.demo.team import DemoError


@dataclass
class Breakage:
    """One thing `--break` breaks: a sandbox fault on a host, or KPI data."""

    name: str
    fault: str | None = None
    host: str | None = None
    argument: str | None = None
    kpi: str | None = None
    # A demo service broken: "vault-sealed" (before judging), "xss-form" (in the staged
    # release), "image-unsigned" (the hosts deploy a rebuild nobody signed).
    service: str | None = None


def breakage(name: str) -> Breakage:
    """What `--break NAME` does; NAME is a lunia unit or an item id the demo can break."""
    units = ("lunia_core", "lunia_api", "lunia_sched", "lunia_arb", "lunia_bot")
    if name in units:
        return Breakage(name, fault="unit-stopped", host="app2", argument=name)
    by_item = {
        "infra.systemd_services": Breakage(name, fault="unit-stopped", host="app2", argument="lunia_bot"),
        "infra.falco": Breakage(name, fault="falco-inactive", host="app1"),
        "infra.encrypted_swap": Breakage(name, fault="swap-plain", host="data1"),
        "flags.binance_live_trading": Breakage(name, fault="flag-wrong", host="app1", argument="BINANCE_LIVE_TRADING"),
        "flags.binance_force_mock": Breakage(name, fault="flag-wrong", host="app1", argument="BINANCE_FORCE_MOCK"),
        "flags.infra_prod_enabled": Breakage(name, fault="flag-stale", host="app1", argument="INFRA_PROD_ENABLED"),
        "flags.frontend_signal_health": Breakage(name, fault="flag-missing", host="app2", argument="FRONTEND_SIGNAL_HEALTH_ENABLED"),
        "platform.healthz": Breakage(name, fault="unit-stopped", host="app1", argument="lunia_api"),
        "security.vault_kms": Breakage(name, service="vault-sealed"),
        "security.zap": Breakage(name, service="xss-form"),
        "infra.images": Breakage(name, service="image-unsigned"),
    }
    for kpi in ("kpi.sharpe", "kpi.hit_rate", "kpi.explainability", "kpi.drawdowns"):
        by_item[kpi] = Breakage(name, kpi=kpi)
    if name not in by_item:
        choices = ", ".join([*units, *sorted(by_item)])
        raise DemoError(f"--break {name}: the demo can break one of {choices}")
    return by_item[name]


# `--break security.zap`: the release adds a feedback page, linked from every page's
# navigation, whose form echoes the comment unescaped (a reflected XSS). The scan is
# never told about the page: its crawl has to find it.
XSS_FEEDBACK_PAGE = """

def feedback(query: dict[str, list[str]], book: Any) -> bytes:
    form = '  <form method="get" action="/feedback"><input name="comment"><button>Send</button></form>'
    comment = first(query, "comment")
    return layout("Feedback", form + (f"\\n  <p>You wrote: {comment}</p>" if comment else ""))

"""
XSS_BREAK = (
    ('("/help", "Help"))', '("/help", "Help"), ("/feedback", "Feedback"))'),
    ("\n\nPage = Callable", XSS_FEEDBACK_PAGE + "\nPage = Callable"),
    ('GET_PAGES: dict[str, Page] = {"/markets"', 'GET_PAGES: dict[str, Page] = {"/feedback": feedback, "/markets"'),
)
