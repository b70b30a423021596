"""Fixtures for tests on a real sandbox fleet (systemd-nspawn hosts converged with
roles/lunia_reference).

Without root, systemd-nspawn or debootstrap the fleet tests skip with the reason;
under CI=true that same reason fails them, so CI can never go green by skipping.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.sandbox import DEFAULT_CACHE_DIR, ConvergeResult, Fleet, HostSpec, converge, ensure_image
from golive.sandbox.preflight import sandbox_unavailable

FLEET_HOSTS = (
    HostSpec("app1", ("lunia_app", "lunia_web", "lunia_data")),
    HostSpec("app2", ("lunia_app", "lunia_backup")),
)
_TIMINGS = pytest.StashKey[dict[str, float]]()


def require_sandbox() -> None:
    reason = sandbox_unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the sandbox cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def unique_prefix(letter: str) -> str:
    """A fleet prefix no other test session uses: a letter plus the pid in base 36."""
    pid, digits = os.getpid(), ""
    while pid:
        pid, rest = divmod(pid, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return f"{letter}{digits}"[:8]


def free_subnet(offset: int = 0) -> str:
    """A /24 under 10.231.0.0/16 that no interface on this machine uses yet."""
    listing = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout
    used = [ipaddress.ip_interface(line.split()[3]).network for line in listing.splitlines()]
    start = (os.getpid() * 7 + offset) % 256
    for step in range(256):
        candidate = ipaddress.ip_network(f"10.231.{(start + step) % 256}.0/24")
        if not any(candidate.overlaps(network) for network in used):
            return str(candidate)
    raise RuntimeError("no free /24 under 10.231.0.0/16")


def record_timing(config: pytest.Config, name: str, seconds: float) -> None:
    config.stash.setdefault(_TIMINGS, {})[name] = seconds


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    timings = config.stash.get(_TIMINGS, {})
    if timings:
        terminalreporter.section("sandbox timings")
        for name, seconds in timings.items():
            terminalreporter.write_line(f"{name:<32} {seconds:6.1f} s")


@pytest.fixture(scope="session")
def sandbox_image(pytestconfig: pytest.Config) -> Path:
    require_sandbox()
    reclaim_dead_fleets("tu")
    started = time.monotonic()
    rootfs = ensure_image(Path(os.environ.get("GOLIVE_SANDBOX_CACHE", str(DEFAULT_CACHE_DIR))))
    record_timing(pytestconfig, "image (build or cache hit)", time.monotonic() - started)
    return rootfs


@pytest.fixture(scope="session")
def fleet(sandbox_image: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[Fleet]:
    """Two hosts booted for the whole session; always torn down, and proven gone."""
    sandbox = Fleet(
        FLEET_HOSTS,
        name_prefix=unique_prefix("t"),
        subnet=free_subnet(),
        state_dir=tmp_path_factory.mktemp("fleet"),
        image=sandbox_image,
    )
    try:
        started = time.monotonic()
        sandbox.up()
        record_timing(pytestconfig, "boot 2 hosts", time.monotonic() - started)
        yield sandbox
    finally:
        started = time.monotonic()
        sandbox.down()
        record_timing(pytestconfig, "teardown 2 hosts", time.monotonic() - started)
    leftovers = sandbox.leftovers()
    assert not leftovers, f"fleet {sandbox.prefix} left objects behind: {leftovers}"


@pytest.fixture(scope="session")
def converged(fleet: Fleet, pytestconfig: pytest.Config) -> ConvergeResult:
    """The fleet after one run of roles/lunia_reference."""
    result = converge(fleet)
    record_timing(pytestconfig, "converge 2 hosts (first run)", result.seconds)
    return result


def reclaim_dead_fleets(letters: str) -> None:
    """Tear down fleets whose prefix starts with one of `letters` and names a test session
    that died (unique_prefix puts the session's pid there in base 36)."""
    for path in Path("/sys/fs/cgroup/systemd").glob("golive-*"):
        prefix = path.name.removeprefix("golive-")
        if prefix[:1] in letters and prefix[1:].isalnum() and not Path(f"/proc/{int(prefix[1:], 36)}").exists():
            Fleet([], name_prefix=prefix).down()
