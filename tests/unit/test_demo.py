"""golive demo's plan: what each --break does, and the XSS break applied to the staged service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive.demo.breaks import XSS_BREAK, Breakage, breakage
from golive.demo.service import stage_api_app
from golive.demo.team import NOT_DEMONSTRABLE, DemoError


@pytest.mark.parametrize(
    ("name", "service"),
    [("security.vault_kms", "vault-sealed"), ("security.zap", "xss-form"), ("infra.images", "image-unsigned")],
)
def test_new_breaks_break_a_demo_service(name: str, service: str) -> None:
    broken = breakage(name)
    assert broken.service == service
    assert broken.fault is None


def test_unknown_break_names_the_choices() -> None:
    with pytest.raises(DemoError, match=r"the demo can break one of .*security\.zap"):
        breakage("security.zapp")


def test_nothing_is_disabled_any_more() -> None:
    assert NOT_DEMONSTRABLE == {}


def render(app: Path, path: str) -> str:
    code = (
        "import sys, urllib.parse\nfrom lunia_demo.orders import OrderBook\nfrom lunia_demo.pages import GET_PAGES\n"
        "path, _, query = sys.argv[1].partition('?')\n"
        "sys.stdout.write(GET_PAGES[path](urllib.parse.parse_qs(query), OrderBook()).decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, path], env={**os.environ, "PYTHONPATH": str(app)}, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_xss_break_adds_a_linked_page_that_echoes_unescaped(tmp_path: Path) -> None:
    clean = stage_api_app(tmp_path / "clean")
    assert "/feedback" not in render(clean, "/help")
    broken = stage_api_app(tmp_path / "broken", Breakage("security.zap", service="xss-form"))
    assert 'href="/feedback"' in render(broken, "/help")  # the crawl finds it from any page
    assert "You wrote: <b>x</b>" in render(broken, "/feedback?comment=<b>x</b>")
    assert all(old in (clean / "lunia_demo" / "pages.py").read_text() for old, _ in XSS_BREAK)
