"""The demo's release repository: service, suites, docs, KPI data, audit exports, golive.yml, a tag."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from golive.demo.plan import DemoPlan, run_command
from golive.demo.team import (
    DEMO_SOURCE,
    DEPLOYED_IMAGE_FILE,
    DOCS,
    NOT_DEMONSTRABLE,
    RUNNER,
    SIGNOFF_ROLES,
    TRANSIT_KEY,
    VAULT_TOKEN_ENV,
    VERSION,
    WAPITI_MIN_PARAMETERS,
    WAPITI_MIN_URLS,
    WAPITI_MODULES,
    DemoError,
)


def build_release(
    plan: DemoPlan,
    api: str | None,
    inventory: Path | None,
    signers: str,
    vault: str | None = None,
    publish_image: Callable[[Path], dict[str, str]] | None = None,
) -> None:
    """The demo's release repository: service, suites, docs, KPI data, golive.yml, a tag.

    `publish_image` writes the image's manifest, signature and SBOMs into the release
    (before its commit) and returns the sources.supply_chain settings that read them.
    """
    if not DEMO_SOURCE.is_dir():
        raise DemoError(f"{DEMO_SOURCE} not found: golive demo runs from a golive source checkout")
    release = plan.release
    if release.exists():
        shutil.rmtree(release)
    ignore = shutil.ignore_patterns("node_modules", "reports", "test-results", "__pycache__", ".benchmarks", "kpi")
    shutil.copytree(DEMO_SOURCE, release, ignore=ignore)
    node_modules = DEMO_SOURCE / "e2e" / "node_modules"
    if node_modules.is_dir():
        # The Playwright runner is installed once in the source tree (npm ci); link, never download.
        (release / "e2e" / "node_modules").symlink_to(node_modules)
    _write_docs(release)
    kpi_sources = _kpi_generator().generate(
        release / "kpi", plan.as_of, broken={broken.kpi for broken in plan.breaks if broken.kpi}, config_dir=release
    )
    _write_audit_exports(release, plan.as_of)
    (release / "demo-checklist.yml").write_text(_team_checklist(), encoding="utf-8")
    (release / "allowed_signers").write_text(signers, encoding="utf-8")
    supply_chain = publish_image(release) if publish_image else None
    fleet_settings = {**({"inventory": str(inventory)} if inventory else {}), **({"api": api} if api else {})}
    config: dict[str, Any] = {
        "checklist": "demo-checklist.yml",
        "release": {"repo": ".", "version_file": "/etc/lunia/VERSION", "image_file": DEPLOYED_IMAGE_FILE},
        # One fleet, two environments with their own policy: prod promotes only a verified staging GO.
        "environments": {
            "staging": {**fleet_settings},
            "prod": {**fleet_settings, "promote_from": "staging"},
        },
        "sources": {
            **_test_sources(release, api),
            "kpi": kpi_sources,
            "docs": {"root": "."},
            "audit": {"folder": "audit"},
            **({"vault": {"address": vault, "token_env": VAULT_TOKEN_ENV}} if vault else {}),
            **({"supply_chain": supply_chain} if supply_chain else {}),
            "scanners": {
                "bandit_source": "lunia_demo",
                **({"wapiti": {"run": True, "url": f"{api}/", "modules": WAPITI_MODULES, "timeout": 120}} if api else {}),
            },
        },
        "items": {
            "security.pentest": {"report": "docs/PENTEST_REPORT.md"},
            # INFRA_PROD_ENABLED is read from the lunia_app hosts in staging (the seed's rule).
            "security.vault_kms": {"transit_key": TRANSIT_KEY},
            "security.zap": {"min_urls": WAPITI_MIN_URLS, "min_parameters": WAPITI_MIN_PARAMETERS},
            # Bandit only: see TRIVY_ABSENT.
            "security.scanners": {"require": ["bandit"], "attestation": "Bandit results reviewed"},
        },
        "attestations": "attestations.yml",
        "signers": "allowed_signers",
        "signoff": {"roles": list(SIGNOFF_ROLES), "runner": RUNNER, "max_age_hours": 24},
        "history": ".golive/history",
    }
    (release / "golive.yml").write_text(
        "# Written by `golive demo`: the demo release's own configuration.\n" + yaml.safe_dump(config, sort_keys=False), encoding="utf-8"
    )
    (release / ".gitignore").write_text(
        "reports/\ntest-results/\n.golive/\nattestations.yml\ne2e/node_modules\n__pycache__/\n.benchmarks/\n"
    )
    date = (plan.as_of - dt.timedelta(hours=1)).isoformat()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "golive demo",
        "GIT_AUTHOR_EMAIL": "demo@golive.invalid",
        "GIT_COMMITTER_NAME": "golive demo",
        "GIT_COMMITTER_EMAIL": "demo@golive.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", f"Lunia {VERSION}"]):
        run_command(argv, release, env)
    run_command(["git", "tag", "-a", f"v{VERSION}", "-m", f"Lunia {VERSION}"], release, env)


def _kpi_generator() -> Any:
    """The demo's KPI data generator, loaded from the source tree (examples/ is no package of golive)."""
    import importlib.util

    path = DEMO_SOURCE / "kpi" / "generator.py"
    spec = importlib.util.spec_from_file_location("lunia_demo_kpi_generator", path)
    if spec is None or spec.loader is None:
        raise DemoError(f"{path}: cannot load the KPI data generator")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def release_commit(release: Path) -> str:
    return run_command(["git", "rev-parse", "HEAD"], release).strip()


def _test_sources(release: Path, api: str | None) -> dict[str, Any]:
    """The demo's own suites, coverage, load test and Playwright test, run by golive itself."""
    python = sys.executable
    playwright = release / "e2e" / "node_modules" / ".bin" / "playwright"
    junit: dict[str, Any] = {
        "unit": "reports/unit.xml",
        "integration": "reports/integration.xml",
        "performance": "reports/perf.xml",
        "latency": "reports/perf-latency.json",
        "e2e": "reports/e2e.xml",
        "command_timeout": 300,
        "run": {
            "unit": [python, "-m", "pytest", "-q", "tests/unit", "--junitxml=reports/unit.xml"],
            "integration": [python, "-m", "pytest", "-q", "tests/integration", "--junitxml=reports/integration.xml"],
            "performance": [
                python,
                "-m",
                "pytest",
                "-q",
                "tests/perf",
                "--junitxml=reports/perf.xml",
                "--latency-out=reports/perf-latency.json",
            ],
        },
    }
    if not (playwright.exists() and Path("/usr/bin/chromium").exists()):
        # Leaves tests.e2e insufficient: a missing runner is no documented skip.
        print(
            "demo: the Playwright e2e test cannot run: needs apt chromium and "
            "`PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix examples/lunia_demo/e2e`",
            file=sys.stderr,
        )
    else:
        junit["run"]["e2e"] = [
            "env",
            f"LUNIA_PYTHON={python}",
            "CHROMIUM_PATH=/usr/bin/chromium",
            f"PLAYWRIGHT_JUNIT_OUTPUT_FILE={release / 'reports' / 'e2e.xml'}",
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1",
            str(playwright),
            "test",
            "-c",
            "e2e/playwright.config.js",
        ]
    coverage = f"{python} -m coverage run -m pytest -q tests/unit tests/integration && {python} -m coverage json -o reports/coverage.json"
    return {
        "junit": junit,
        "load": {
            "report": "reports/load.json",
            "run": {
                "report": [
                    python,
                    "tools/load_test.py",
                    "--users",
                    "100",
                    "--orders",
                    "500",
                    "--out",
                    "reports/load.json",
                    *(["--url", api] if api else []),
                ]
            },
        },
        "coverage": {"report": "reports/coverage.json", "run": {"report": ["sh", "-c", coverage]}},
    }


def _team_checklist() -> str:
    disable = [{"id": item, "reason": reason, "approver": "golive demo"} for item, reason in NOT_DEMONSTRABLE.items()]
    header = "# Written by `golive demo`: what the demo cannot evidence here, and why.\n"
    return header + yaml.safe_dump({"extends": "default", "disable": disable}, sort_keys=False, width=200)


def _write_docs(release: Path) -> None:
    (release / "docs").mkdir(exist_ok=True)
    for name, text in DOCS.items():
        (release / "docs" / name).write_text(text, encoding="utf-8")


def _write_audit_exports(release: Path, as_of: dt.datetime) -> None:
    """The demo's audit export job: this week's and this quarter's exports."""
    folder = release / "audit"
    folder.mkdir(exist_ok=True)
    day = (as_of - dt.timedelta(days=1)).date()
    quarter = f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"
    entry = '{"event": "order.accepted", "source": "lunia_api"}\n'
    (folder / f"lunia-audit-weekly-{day.isoformat()}.jsonl").write_text(entry, encoding="utf-8")
    (folder / f"lunia-audit-quarterly-{quarter}.jsonl").write_text(entry, encoding="utf-8")
