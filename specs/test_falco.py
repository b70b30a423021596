"""Example spec: Falco's config names rules files that exist and its health endpoint answers."""

import json

import pytest

testinfra_hosts = ["ansible://all"]


def test_falco_rules_files_exist(host):
    """Falco rules files exist"""
    config = host.file("/etc/falco/falco.yaml")
    assert config.exists, "/etc/falco/falco.yaml is missing"
    for line in config.content_string.splitlines():
        if line.strip().startswith("- /etc/falco/"):
            path = line.strip()[2:]
            assert host.file(path).exists, f"{path} is missing"


@pytest.mark.advisory
def test_falco_healthz_answers(host):
    """Falco healthz answers (advisory example)"""
    probe = host.run(
        "python3 -c 'import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:8765/healthz\", timeout=2).read().decode())'"
    )
    assert probe.rc == 0, probe.stderr.strip()[-200:]
    assert json.loads(probe.stdout) == {"status": "ok"}
