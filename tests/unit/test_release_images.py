"""release.version_tag's consistency rule and the deployed image: with release.image_file,
each version host must have deployed an image of the release manifest, by digest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from golive.checks import JudgeContext
from golive.collectors import Evidence, settings_keys
from golive.config import load_config
from golive.judging import judge
from golive.model import Status
from tests.conftest import write

AS_OF = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
SIGNED = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64
GIT = {
    "repo": "/r",
    "commit": "c" * 40,
    "branch": "main",
    "commit_date": "2026-11-20T10:00:00+00:00",
    "tags": [{"name": "v1.4.0", "annotated": True, "date": "2026-11-20T10:00:00+00:00"}],
    "dirty": [],
    "excluded": [],
}


def outcome(tmp_path: Path, images: dict[str, Any] | None, manifest: list[dict[str, str]] | None, image_file: bool = True) -> Any:
    write(tmp_path / "inventory.yml", "all:\n  children:\n    lunia_app:\n      hosts: {app1: {}, app2: {}}\n")
    release = "release: {repo: ., image_file: /etc/lunia/IMAGE}\n" if image_file else "release: {repo: .}\n"
    config = load_config(write(tmp_path / "golive.yml", release + "inventory: inventory.yml\n"), None, settings_keys())
    hosts: dict[str, Any] = {"inventory": "i", "patterns": {}, "hosts": {}, "versions": {"app1": "1.4.0", "app2": "1.4.0"}}
    if images is not None:
        hosts["images"] = images
    evidence = {"git": Evidence("git", data=dict(GIT)), "hosts": Evidence("hosts", data=hosts)}
    evidence["supply_chain"] = (
        Evidence("supply_chain", data={"images": manifest})
        if manifest is not None
        else Evidence.unavailable("supply_chain", "sources.supply_chain not configured")
    )
    item = config.checklist.get("release.version_tag")
    assert item is not None
    return judge(item, config, JudgeContext(config, AS_OF, evidence))


def test_hosts_that_deployed_the_manifests_image_pass(tmp_path: Path) -> None:
    result = outcome(
        tmp_path,
        {"app1": f"lunia/api:1.4.0@{SIGNED}", "app2": f"lunia/api:1.4.0@{SIGNED}"},
        [{"name": "lunia/api:1.4.0", "digest": SIGNED}],
    )
    assert result.status is Status.PASS, result.summary
    assert "2 host(s) deployed the manifest's image" in result.summary


def test_a_host_running_another_digest_fails_naming_it(tmp_path: Path) -> None:
    result = outcome(
        tmp_path, {"app1": f"lunia/api:1.4.0@{SIGNED}", "app2": f"lunia/api:1.4.0@{OTHER}"}, [{"name": "lunia/api:1.4.0", "digest": SIGNED}]
    )
    assert result.status is Status.FAIL
    assert [finding.key for finding in result.findings] == ["image:app2"]
    assert f"app2 deployed lunia/api:1.4.0@{OTHER}, not an image of the release manifest" in result.summary


def test_no_record_or_no_manifest_is_insufficient(tmp_path: Path) -> None:
    missing = outcome(tmp_path, {"app1": f"x@{SIGNED}", "app2": None}, [{"name": "x", "digest": SIGNED}])
    assert missing.status is Status.INSUFFICIENT and "app2: no deployed image recorded" in missing.summary
    no_manifest = outcome(tmp_path, {"app1": f"x@{SIGNED}", "app2": f"x@{SIGNED}"}, None)
    assert no_manifest.status is Status.INSUFFICIENT and "no release manifest to compare with" in no_manifest.summary


def test_without_image_file_the_rule_is_not_asked(tmp_path: Path) -> None:
    assert outcome(tmp_path, None, None, image_file=False).status is Status.PASS


def test_the_host_module_reads_the_deployed_image_beside_the_version(module: Any, tmp_path: Path) -> None:
    write(tmp_path / "VERSION", "1.4.0\n")
    write(tmp_path / "IMAGE", f"lunia/api:1.4.0@{SIGNED}\n")
    facts = module.version_facts({"file": str(tmp_path / "VERSION"), "image_file": str(tmp_path / "IMAGE")})
    assert facts["version"] == "1.4.0" and facts["image"] == f"lunia/api:1.4.0@{SIGNED}"
    missing = module.version_facts({"file": str(tmp_path / "VERSION"), "image_file": str(tmp_path / "NONE")})
    assert missing["version"] == "1.4.0" and "image" not in missing and missing["image_error"]
    assert "image_file" not in module.version_facts({"file": str(tmp_path / "VERSION")})
