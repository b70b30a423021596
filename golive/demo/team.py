"""The demo team's data: its hosts, roles, version, documents and attestations, and what
this machine cannot evidence."""

from __future__ import annotations

from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]
DEMO_SOURCE = SOURCE_ROOT / "examples" / "lunia_demo"
API_PORT = 8000
VERSION = "1.4.0"
DEMO_HOSTS = (("app1", ("lunia_app", "lunia_web")), ("app2", ("lunia_app", "lunia_web")), ("data1", ("lunia_data", "lunia_backup")))
ROLES = ("release-manager", "security-lead", "product-owner", "on-call-sre")
SIGNOFF_ROLES = ROLES[:3]

# What the demo cannot evidence on this machine, and why: disabled with that reason. Nothing
# any more: the one thing missing, Trivy's database, is left out of security.scanners' require.
NOT_DEMONSTRABLE: dict[str, str] = {}
TRIVY_ABSENT = "Trivy's vulnerability database cannot exist on this machine (no registry it can be fetched from)"
# wapiti modules that talk to the target only (golive.scanners_wapiti refuses the others).
WAPITI_MODULES = ["xss", "permanentxss", "sql", "exec", "file", "redirect", "crlf", "http_headers", "csp", "cookieflags", "methods"]
# What a crawl of the demo service must reach at least (it finds 17 URLs and forms, 11 parameters).
WAPITI_MIN_URLS = 10
WAPITI_MIN_PARAMETERS = 8
IMAGE_NAME = f"localhost/lunia/api:{VERSION}"
# Built images by the hash of their filesystem: a rerun deploys the same digest.
IMAGE_CACHE = Path("/var/cache/golive-sandbox/demo-images")
# The principal whose key signs results (`golive check --sign-key`): never one of the roles.
RUNNER = "golive-runner"
# Attestations --sign-demo gives, as (item, role, evidence relative to the release).
ATTESTATIONS = (
    ("docs.install", "release-manager", "docs/INSTALL.md"),
    ("docs.deploy", "release-manager", "docs/DEPLOY.md"),
    ("docs.runbook", "on-call-sre", "docs/OPERATIONS_RUNBOOK.md"),
    ("docs.user_guide", "product-owner", "docs/USER_GUIDE.md"),
    ("docs.rollback", "release-manager", "docs/ROLLBACK.md"),
    ("security.pentest", "security-lead", "docs/PENTEST_REPORT.md"),
    ("security.scanners", "security-lead", "docs/SCANNER_REVIEW.md"),
)
DEMO_LABEL = "DEMO KEY, throwaway"
# The demo's OpenBao: the transit key security.vault_kms looks up, and the variable that
# carries the root token to golive check (set for that child process only).
VAULT_PORT = 8200
TRANSIT_KEY = "lunia"
VAULT_TOKEN_ENV = "GOLIVE_DEMO_VAULT_TOKEN"


class DemoError(Exception):
    """The demo could not be set up; the message says what to do."""


DOCS = {
    "INSTALL.md": "# Installing Lunia (demo)\n\n1. Provision a host with the lunia_reference role.\n2. `systemctl enable --now lunia_core lunia_api lunia_sched lunia_arb lunia_bot`.\n",
    "DEPLOY.md": "# Deploying Lunia (demo)\n\nStaging: `golive check --env staging`, sign, `golive verify`, deploy.\nProduction: the same with `--env prod`.\n",
    "OPERATIONS_RUNBOOK.md": "# Operations runbook (demo)\n\nlunia_api down: `journalctl -u lunia_api`, then `systemctl restart lunia_api`.\n",
    "USER_GUIDE.md": "# Lunia user guide (demo)\n\nPlace orders on the order page; /healthz shows the service state.\n",
    "ROLLBACK.md": "# Rollback (demo)\n\nSwitch BINANCE_LIVE_TRADING off (testnet), redeploy the previous tag, switch back.\n",
    "PENTEST_REPORT.md": "# Penetration test report (DEMO: not a real third-party report)\n\nScope: the demo API. Findings: none open.\n",
    "SCANNER_REVIEW.md": "# Scanner review (demo)\n\nBandit's LOW findings on lunia_demo/release.py (git run without a shell) reviewed: accepted.\n",
}

# Where each app host records the image reference it deployed from (release.image_file).
DEPLOYED_IMAGE_FILE = "/etc/lunia/IMAGE"
