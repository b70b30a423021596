"""The host module's ModSecurity readers: effective Apache/nginx configuration, without a host."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from golive.checklist import load_default
from golive.checks.waf import waf_ids_requests
from golive.collectors.hosts import MATCH_ONLY


def test_secruleengine_inside_a_location_is_scoped_and_ifmodule_is_not(module: ModuleType) -> None:
    facts: dict[str, Any] = {"engine": []}
    text = "<IfModule security2_module>\nSecRuleEngine On\n</IfModule>\n<VirtualHost *:80>\n  <Location /api/>\n    SecRuleEngine Off\n  </Location>\n</VirtualHost>\n"
    module.sec_rule_file_facts(text, "/etc/apache2/sites-enabled/x.conf", [], facts)
    assert facts["engine"] == [
        {"value": "On", "file": "/etc/apache2/sites-enabled/x.conf", "line": 2, "scope": ""},
        {"value": "Off", "file": "/etc/apache2/sites-enabled/x.conf", "line": 6, "scope": "VirtualHost *:80 > Location /api/"},
    ]


def test_crs_counts_rule_files_but_not_the_exclusion_templates(module: ModuleType) -> None:
    facts: dict[str, Any] = {}
    module.crs_file_facts(
        [
            "/etc/modsecurity/crs/crs-setup.conf",
            "/etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf",
            "/usr/share/modsecurity-crs/rules/REQUEST-941-APPLICATION-ATTACK-XSS.conf",
            "/usr/share/modsecurity-crs/rules/RESPONSE-980-CORRELATION.conf",
        ],
        facts,
    )
    assert facts == {"crs_rule_files": 2, "crs_setup": "/etc/modsecurity/crs/crs-setup.conf"}


def test_nginx_dump_gives_switches_rules_files_and_returns(module: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "modsecurity.conf"
    crs = tmp_path / "rules"
    crs.mkdir()
    (crs / "REQUEST-942-APPLICATION-ATTACK-SQLI.conf").write_text("SecRule ARGS foo id:1\n")
    rules.write_text(f"SecRuleEngine On\nInclude {crs}/*.conf\n")
    dump = (
        "# configuration file /etc/nginx/nginx.conf:\n"
        "load_module modules/ngx_http_modsecurity_module.so;\n"
        "http {\n    include /etc/nginx/sites-enabled/*;\n}\n\n"
        "# configuration file /etc/nginx/sites-enabled/lunia:\n"
        "server {\n"
        "    modsecurity on;\n"
        f"    modsecurity_rules_file {rules};\n"
        "    location /ping { return 200 'ok'; }\n"
        "    location /raw {\n        modsecurity off;\n    }\n"
        "}\n"
    )
    monkeypatch.setattr(module, "run", lambda argv, timeout=10.0: subprocess.CompletedProcess(argv, 0, dump, ""))
    facts = module.nginx_facts()
    assert facts["module_loaded"] is True
    assert [(s["value"], s["scope"], s["line"]) for s in facts["switches"]] == [("on", "server", 2), ("off", "server > location /raw", 6)]
    assert facts["returns"] == [
        {"value": "200 'ok'", "file": "/etc/nginx/sites-enabled/lunia", "line": 4, "scope": "server > location /ping"}
    ]
    assert facts["engine"][0]["value"] == "On" and facts["crs_rule_files"] == 1


def test_missing_include_of_a_rules_file_is_reported(module: ModuleType, tmp_path: Path) -> None:
    rules = tmp_path / "main.conf"
    rules.write_text("Include /nonexistent/crs-setup.conf\n")
    facts: dict[str, Any] = {"engine": []}
    assert module.modsec_rules_includes(str(rules), facts, set()) == [str(rules)]
    assert "missing" in facts["unreadable"][0]


def test_waf_item_asks_modsecurity_on_web_hosts_and_crowdsec_everywhere() -> None:
    item = load_default().get("security.waf_ids")
    assert item is not None
    requests = waf_ids_requests(item)
    assert [(request.source, request.hosts, request.what) for request in requests] == [
        ("hosts", "lunia_web:all", MATCH_ONLY),
        ("hosts", "lunia_web", "modsecurity"),
        ("hosts", "all", "crowdsec"),
    ]
    assert requests[1].args["probe_url"] == "http://127.0.0.1/"
