"""Example spec: the Lunia units are enabled and running (testinfra's service module)."""

import pytest

testinfra_hosts = ["ansible://lunia_app"]


@pytest.mark.parametrize("unit", ["lunia_core", "lunia_api", "lunia_sched", "lunia_arb", "lunia_bot"])
def test_lunia_unit_enabled_and_running(host, unit):
    """Lunia units enabled and running"""
    service = host.service(unit)
    assert service.is_enabled, f"{unit} is not enabled"
    assert service.is_running, f"{unit} is not running"
