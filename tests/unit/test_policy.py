"""The trust policy in golive.yml: signoff and waivers blocks, validated with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.collectors import settings_keys
from golive.config import load_config
from golive.judging import effective_for
from golive.policy import checklist_digest
from golive.yamlfile import ConfigError
from tests.conftest import write


def config(tmp_path: Path, text: str, env: str | None = None) -> object:
    write(tmp_path / "waivers.yml", "[]\n")
    return load_config(write(tmp_path / "golive.yml", "release: {repo: .}\n" + text), env, settings_keys())


def test_default_policy_requires_the_checklists_three_roles_and_refuses_unsigned_waivers(tmp_path: Path) -> None:
    policy = config(tmp_path, "").policy  # type: ignore[attr-defined]
    assert policy.signoff.roles == ["release-manager", "security-lead", "product-owner"]
    assert policy.signoff.distinct_signers and policy.signoff.runner is None and policy.signoff.max_age_hours == 24
    assert policy.waivers.unsigned == "refuse" and policy.waivers.max_days == 30


def test_environment_overrides_the_policy_key_by_key(tmp_path: Path) -> None:
    text = "signoff: {runner: r, max_age_hours: 12}\nwaivers: {file: waivers.yml, max_days: 10}\nenvironments:\n  dev: {signoff: {roles: []}, waivers: {unsigned: allow}}\n  prod: {}\n"
    dev = config(tmp_path, text, "dev").policy  # type: ignore[attr-defined]
    prod = config(tmp_path, text, "prod").policy  # type: ignore[attr-defined]
    assert dev.signoff.roles == [] and dev.signoff.runner == "r" and dev.signoff.max_age_hours == 12
    assert dev.waivers.unsigned == "allow" and dev.waivers.max_days == 10
    assert prod.signoff.roles == ["release-manager", "security-lead", "product-owner"] and prod.waivers.unsigned == "refuse"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("signoff: {roles: [cto]}\n", "golive.yml:2: signoff.roles: role 'cto' has no sign-off item"),
        ("signoff: {roles: ['*']}\n", "a role is a plain principal name"),
        ("signoff: {roles: [release-manager, release-manager]}\n", "names a role twice"),
        ("signoff: {max_age_hours: .nan}\n", "signoff.max_age_hours must be a finite number in (0, 8784]"),
        ("signoff: {max_age_hours: .inf}\n", "must be a finite number"),
        ("signoff: {max_age_hours: 0}\n", "must be a finite number"),
        ("signoff: {max_age_hours: true}\n", "must be a number"),
        ("signoff: {runner: release-manager}\n", "signoff.runner 'release-manager' is also a sign-off role"),
        ("signoff: {distinct_signer: true}\n", "unknown key 'distinct_signer' in signoff (did you mean 'distinct_signers'?)"),
        ("waivers: {max_days: 0}\n", "waivers.max_days must be a finite number between 1 and 366"),
        ("waivers: {max_days: 99999999999999999999999}\n", "waivers.max_days must be a finite number between 1 and 366"),
        ("waivers: {unsigned: yes}\n", "waivers.unsigned must be one of refuse, allow"),
        ("waivers: {file: missing.yml}\n", "waivers: file not found"),
    ],
)
def test_bad_policy_is_a_configuration_error_naming_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as error:
        config(tmp_path, text)
    assert message in str(error.value)


def test_effective_checklist_digest_changes_with_anything_that_decides_a_verdict(tmp_path: Path) -> None:
    base = checklist_digest(effective_for(config(tmp_path, "")))  # type: ignore[arg-type]
    assert base == checklist_digest(effective_for(config(tmp_path, "")))  # type: ignore[arg-type]
    for text in (
        "items: {tests.coverage: {min_percent: 71}}\n",
        "signoff: {roles: [release-manager]}\n",
        "signoff: {runner: someone}\n",
        "waivers: {file: waivers.yml, unsigned: allow}\n",
        "items: {infra.falco: {hosts: lunia_app}}\n",
    ):
        assert checklist_digest(effective_for(config(tmp_path, text))) != base, text  # type: ignore[arg-type]
