"""The demo's phases: set up (fleet or localhost), judge staging then prod, sign, tear down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from golive.demo.plan import DemoPlan, environment_out
from golive.demo.release import build_release, release_commit
from golive.demo.service import break_service, record_deployed_image, service_image, stage_api_app, start_vault
from golive.demo.signing import attest_demo, keys_and_signers, sign_and_verify
from golive.demo.team import (
    API_PORT,
    ATTESTATIONS,
    DEMO_HOSTS,
    DEMO_LABEL,
    DEPLOYED_IMAGE_FILE,
    RUNNER,
    TRIVY_ABSENT,
    VAULT_PORT,
    VERSION,
    DemoError,
)
from golive.sandbox import oci


def run_demo(plan: DemoPlan, say: Callable[[str], None]) -> int:
    """Set up, judge, (sign,) tear down; returns golive's exit code for the demo's release."""
    from golive.sandbox.preflight import sandbox_unavailable

    plan.out.mkdir(parents=True, exist_ok=True)
    reason = sandbox_unavailable() if plan.with_fleet else "asked for localhost only"
    from golive.sandbox import ConvergeError, FaultError, FleetError
    from golive.sandbox.openbao import OpenBaoError

    with interrupts_as_exceptions():
        if reason and plan.host_faults:
            raise DemoError(f"--break {plan.host_faults[0].name} needs the sandbox fleet, which cannot run here: {reason}")
        try:
            if reason:
                say(f"no sandbox fleet: {reason}; the demo runs against localhost only (host items stay insufficient)")
                return _on_localhost(plan, say)
            return _on_fleet(plan, say)
        except (ConvergeError, FleetError, FaultError, OpenBaoError, oci.ImageError) as exc:
            log = plan.out / "demo-failure.log"
            log.write_text(str(exc), encoding="utf-8")
            raise DemoError(f"{type(exc).__name__}: {str(exc).splitlines()[0]} (full output: {log})") from None


@contextmanager
def interrupts_as_exceptions() -> Iterator[None]:
    """SIGTERM ends the demo like Ctrl-C does, so the fleet is torn down either way."""

    def raise_interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def phase(name: str, say: Callable[[str], None]) -> Iterator[None]:
    """Says how long a phase of the demo took (also when it failed)."""
    started = time.monotonic()
    try:
        yield
    finally:
        say(f"[{time.monotonic() - started:6.1f} s] {name}")


def _on_fleet(plan: DemoPlan, say: Callable[[str], None]) -> int:
    from golive.sandbox import FAULTS, Fleet, HostSpec, converge, ensure_image

    with phase("sandbox image (built or reused from the cache)", say):
        rootfs = ensure_image()
    fleet = Fleet(
        [HostSpec(name, groups) for name, groups in DEMO_HOSTS],
        name_prefix="glvdemo",
        subnet="10.78.0.0/24",
        state_dir=plan.out / "fleet",
        image=rootfs,
    )
    stack = ExitStack()
    try:

        def teardown() -> None:
            with phase("fleet torn down", say):
                fleet.down()

        stack.callback(teardown)
        with phase("fleet booted", say):
            fleet.up()
        say(f"booted {', '.join(f'{host.name} ({host.ip})' for host in fleet.hosts.values())}")
        with phase("OpenBao started, initialised and unsealed", say):
            bao = start_vault(plan, stack, fleet.gateway, VAULT_PORT, say)
        inventory = fleet.write_inventory(plan.out / "inventory.yml")
        api = f"http://{fleet.hosts['app1'].ip}:{API_PORT}"
        with phase("service image built (podman), described (syft) and signed", say):
            image, publish_image = service_image(plan, say)
        with phase("release built", say):
            keys, signers = keys_and_signers(plan)
            build_release(plan, api, inventory, signers, bao.address, publish_image)
            app = oci.unpack(image, plan.out / "deployed-image")
        with phase("hosts converged", say):
            converged = converge(
                fleet,
                extra_vars={
                    "lunia_api_app_dir": str(app),
                    "lunia_version": VERSION,
                    "lunia_commit": release_commit(plan.release),
                    "lunia_api_port": API_PORT,
                },
            )
        say(f"converged {len(converged.recap)} hosts with roles/lunia_reference; the demo API is {api}")
        record_deployed_image(fleet, image)
        say(f"app hosts deployed {image.name}@{image.digest} (recorded in {DEPLOYED_IMAGE_FILE})")
        for broken in plan.host_faults:
            assert broken.fault is not None and broken.host is not None
            fault = FAULTS[broken.fault](fleet, broken.host, broken.argument).apply()
            say(f"broke {broken.name}: {fault.description} on {broken.host}")
        break_service(plan, bao, say)
        return _judge(plan, keys, say)
    finally:
        stack.close()


def _on_localhost(plan: DemoPlan, say: Callable[[str], None]) -> int:
    port = free_port()
    keys, signers = keys_and_signers(plan)
    stack = ExitStack()
    try:
        bao = start_vault(plan, stack, "127.0.0.1", free_port(), say)
        build_release(plan, f"http://127.0.0.1:{port}", None, signers, bao.address)
        break_service(plan, bao, say)
        return _serve_on_localhost(plan, port, keys, say)
    finally:
        stack.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_on_localhost(plan: DemoPlan, port: int, keys: dict[str, Path], say: Callable[[str], None]) -> int:
    import urllib.request

    app = stage_api_app(plan.out / "api-app", plan.service_break("xss-form"))
    env = {**os.environ, "PYTHONPATH": str(app), "LUNIA_VERSION": VERSION, "LUNIA_COMMIT": release_commit(plan.release)}
    server = subprocess.Popen(
        [sys.executable, "-m", "lunia_demo", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise DemoError("the demo service did not start on localhost") from None
                time.sleep(0.2)
        say(f"the demo API runs on http://127.0.0.1:{port}")
        return _judge(plan, keys, say)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _judge(plan: DemoPlan, keys: dict[str, Path], say: Callable[[str], None]) -> int:
    """staging, then prod on the same fleet, each under its own policy; prod promotes from staging."""
    say(f"security.scanners judged with Bandit only (items.security.scanners.require: [bandit]): {TRIVY_ABSENT}")
    if plan.sign:
        attest_demo(plan, keys)
        say(f"attested {', '.join(item for item, _, _ in ATTESTATIONS)} with {DEMO_LABEL}s")
    staging = judge_environment(plan, keys, say, "staging", quiet=True)
    if plan.sign and staging == "GO pending sign-off":
        if sign_and_verify(plan, keys, say, "staging") != 0:
            raise DemoError("the staging GO did not verify: prod would have nothing to promote")
    elif plan.sign:
        say("staging not signed: its verdict is not GO pending sign-off")
    else:
        say("staging not signed (no --sign-demo): prod's promotion.staging_go will say what is missing")
    verdict = judge_environment(plan, keys, say, "prod", quiet=False)
    if plan.sign and verdict == "GO pending sign-off":
        return sign_and_verify(plan, keys, say, "prod")
    if plan.sign:
        say("prod not signed: its verdict is not GO pending sign-off")
    return EXIT_CODES.get(verdict, 1)


# golive check's exit code for each verdict of a full run.
EXIT_CODES = {"GO": 0, "NO-GO": 1, "GO pending sign-off": 3}


def judge_environment(plan: DemoPlan, keys: dict[str, Path], say: Callable[[str], None], environment: str, quiet: bool) -> str:
    import json

    out = environment_out(plan, environment)
    # Judged as of now: the attestations just made must not lie after --as-of.
    args = ["check", "--config", str(plan.release / "golive.yml"), "--env", environment, "--out", str(out)]
    if plan.sign:
        args += ["--sign-key", str(keys[RUNNER])]
    with phase(f"golive check --env {environment}", say):
        done = subprocess.run(
            [sys.executable, "-m", "golive", *args],
            cwd=plan.release,
            env={**os.environ, **plan.environ},
            timeout=3600,
            stdout=subprocess.PIPE if quiet else None,
            text=True,
        )
    # 0 GO, 1 NO-GO, 3 GO pending sign-off: each a judged release.
    if done.returncode not in (0, 1, 3):
        raise DemoError(f"golive check --env {environment} exited {done.returncode}")
    document = json.loads((out / "result.json").read_text(encoding="utf-8"))
    verdict = str(document["decision"]["verdict"])
    say(f"{environment} decision: {verdict} (reports in {out})")
    for section, counts in section_counts(document).items():
        say(f"  {section:<24} " + ", ".join(f"{count} {status}" for status, count in counts.items()))
    promotion = next((item for item in document["items"] if item["id"] == "promotion.staging_go"), None)
    if promotion is not None and promotion["status"] != "skip":
        say(f"  promotion.staging_go: {promotion['status']}: {promotion['summary']}")
    return verdict


def section_counts(document: dict[str, Any]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for item in document["items"]:
        if item.get("kind") == "decision":
            continue
        section = counts.setdefault(item["section"], {})
        section[item["status"]] = section.get(item["status"], 0) + 1
    return counts
