"""Example spec: the deployed version file exists and names a semantic version."""

import re

testinfra_hosts = ["ansible://lunia_app"]


def test_deployed_version_is_semver(host):
    """Deployed version recorded"""
    version = host.file("/etc/lunia/VERSION")
    assert version.exists, "/etc/lunia/VERSION is missing"
    assert re.fullmatch(r"\d+\.\d+\.\d+", version.content_string.strip()), f"unexpected version {version.content_string.strip()!r}"
