"""The services the demo stands up: the API application, its signed OCI image and OpenBao."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from golive.demo.breaks import XSS_BREAK, Breakage
from golive.demo.plan import DemoPlan
from golive.demo.team import (
    DEMO_LABEL,
    DEMO_SOURCE,
    DEPLOYED_IMAGE_FILE,
    IMAGE_CACHE,
    IMAGE_NAME,
    TRANSIT_KEY,
    VAULT_TOKEN_ENV,
    VERSION,
    DemoError,
)
from golive.sandbox import Fleet, oci
from golive.sandbox.openbao import OpenBao


def stage_api_app(folder: Path, broken: Breakage | None = None) -> Path:
    """The API application as the hosts run it: lunia_demo plus its pure-Python dependency."""
    import prometheus_client

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(DEMO_SOURCE / "lunia_demo", folder / "lunia_demo", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(prometheus_client.__file__).parent, folder / "prometheus_client", ignore=shutil.ignore_patterns("__pycache__"))
    if broken is not None and broken.service == "xss-form":
        pages = folder / "lunia_demo" / "pages.py"
        text = pages.read_text(encoding="utf-8")
        for old, new in XSS_BREAK:
            if text.count(old) != 1:
                raise DemoError(f"--break {broken.name}: {pages} no longer has {old.strip()!r} once; update golive.demo.breaks.XSS_BREAK")
            text = text.replace(old, new)
        pages.write_text(text, encoding="utf-8")
    return folder


def start_vault(plan: DemoPlan, stack: ExitStack, host: str, port: int, say: Callable[[str], None]) -> OpenBao:
    """A real OpenBao on `host` (the fleet's bridge address), stopped when `stack` closes."""
    bao = OpenBao(plan.out / "openbao", host, port)
    stack.callback(bao.stop)
    bao.start()
    bao.initialise(transit_key=TRANSIT_KEY)
    plan.environ[VAULT_TOKEN_ENV] = bao.root_token
    say(f"OpenBao at {bao.address}: raft storage, initialised, unsealed, transit key {TRANSIT_KEY} (keys in {bao.secrets_path})")
    return bao


def service_image(plan: DemoPlan, say: Callable[[str], None]) -> tuple[oci.ServiceImage, Callable[[Path], dict[str, str]]]:
    """The service as a signed OCI image (or, for --break infra.images, an unsigned rebuild)."""
    source = stage_api_app(plan.out / "api-app", plan.service_break("xss-form"))
    unsigned = plan.service_break("image-unsigned") is not None
    image = oci.build_image(source, IMAGE_NAME, VERSION, plan.out / "image", cache=None if unsigned else IMAGE_CACHE)
    key = oci.make_signing_key(plan.out / "image-key", f"{DEMO_LABEL}: signs the demo image only")
    say(f"image {image.name}@{image.digest}: {'an unsigned rebuild' if unsigned else f'signed with a {DEMO_LABEL}'}")

    def publish(release: Path) -> dict[str, str]:
        (release / "keys").mkdir(exist_ok=True)
        shutil.copy(plan.out / "image-key" / "cosign.pub", release / "keys" / "cosign.pub")
        return oci.publish(image, release, None if unsigned else key)

    return image, publish


def record_deployed_image(fleet: Fleet, image: oci.ServiceImage) -> None:
    """Each app host records the image reference it deployed from, as image-based deploy tools do."""
    from golive.sandbox import FleetError

    for name, host in fleet.hosts.items():
        if "lunia_app" not in host.spec.groups:
            continue
        done = fleet.ssh(name, f"printf '%s\\n' '{image.name}@{image.digest}' > {DEPLOYED_IMAGE_FILE}", timeout=30)
        if done.returncode != 0:
            raise FleetError(f"{name}: cannot record the deployed image: {done.stderr.strip()}")


def break_service(plan: DemoPlan, bao: OpenBao, say: Callable[[str], None]) -> None:
    """Breaks a demo service (not a host) just before judging."""
    sealed = plan.service_break("vault-sealed")
    if sealed is not None:
        bao.seal()
        say(f"broke {sealed.name}: OpenBao at {bao.address} sealed")
