"""Example spec: the running lunia_bot carries the production flags."""

import pytest

testinfra_hosts = ["ansible://lunia_app"]

FLAGS = {
    "BINANCE_LIVE_TRADING": "true",
    "BINANCE_FORCE_MOCK": "false",
    "INFRA_PROD_ENABLED": "true",
    "FRONTEND_SIGNAL_HEALTH_ENABLED": "true",
}


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_running_bot_has_production_flag(host, flag):
    """Running lunia_bot has the production flags"""
    pid = host.check_output("systemctl show -p MainPID --value lunia_bot")
    assert pid != "0", "lunia_bot is not running"
    # Only the one variable is printed: the environment also holds secrets.
    value = host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ | sed -n 's/^{flag}=//p'")
    assert value == FLAGS[flag], f"{flag}={value or '<unset>'} in the running lunia_bot, expected {FLAGS[flag]}"
