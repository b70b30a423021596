"""Secrets masked in every form (golive.secrets), and in every byte `golive check` writes or prints."""

from __future__ import annotations

import copy
import gzip
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.secrets import MASK, is_secret_name, is_secret_parameter, mask_argv, mask_text, mask_value
from tests.conftest import write
from tests.unit.test_cli import AS_OF


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("redis://:pw1@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
        ("postgresql+psycopg://kpi:pw2@db:5432/kpi", f"postgresql+psycopg://kpi:{MASK}@db:5432/kpi"),
        ("amqp://guest:pw3@mq:5672//", f"amqp://guest:{MASK}@mq:5672//"),
        ("ftp://anon:pw4@ftp.example/pub", f"ftp://anon:{MASK}@ftp.example/pub"),
        ("https://user:pw5@api.example/v1", f"https://user:{MASK}@api.example/v1"),
        ("mongodb+srv://app:pw6@cluster0.example/db", f"mongodb+srv://app:{MASK}@cluster0.example/db"),
        # percent-encoded, and raw '@' and ':' inside the password: masked up to the host's '@'
        ("postgresql://kpi:p%40ss%3Aw7@db/kpi", f"postgresql://kpi:{MASK}@db/kpi"),
        ("redis://app:p@ss:w8@cache:6379", f"redis://app:{MASK}@cache:6379"),
        ("redis://app:p?s#s@cache:6379", f"redis://app:{MASK}@cache:6379"),
        # IPv6 hosts, with and without userinfo
        ("http://u:pw9@[::1]:8080/x", f"http://u:{MASK}@[::1]:8080/x"),
        ("http://[fe80::1]:8080/x@y", "http://[fe80::1]:8080/x@y"),
        # inside longer text and command lines
        ("could not connect to redis://app:pw10@cache:6379/0: refused", f"could not connect to redis://app:{MASK}@cache:6379/0: refused"),
        ("psql 'postgresql://kpi:pw11@db/kpi' -c 'select 1'", f"psql 'postgresql://kpi:{MASK}@db/kpi' -c 'select 1'"),
        ('{"url": "amqp://u:pw12@mq//"}', f'{{"url": "amqp://u:{MASK}@mq//"}}'),
    ],
)
def test_url_passwords_of_every_scheme_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_a_user_without_password_stays_except_where_it_is_a_token() -> None:
    assert mask_text("postgresql://kpi@db/kpi") == "postgresql://kpi@db/kpi"
    assert mask_text("ssh://git@github.example/o/r.git") == "ssh://git@github.example/o/r.git"
    assert mask_text("clone https://ghtok1234@github.example/o/r") == f"clone https://{MASK}@github.example/o/r"
    assert mask_text("git+https://tok5678@git.example/r") == f"git+https://{MASK}@git.example/r"
    assert mask_text("https://host.example:8443/path@x") == "https://host.example:8443/path@x"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("https://api.example/v1?access_token=t1&page=2", f"https://api.example/v1?access_token={MASK}&page=2"),
        ("/x?token=t2", f"/x?token={MASK}"),
        ("?api_key=t3&apikey=t4&key=t5", f"?api_key={MASK}&apikey={MASK}&key={MASK}"),
        ("?password=t6&secret=t7&auth=t8&credential=t9", f"?password={MASK}&secret={MASK}&auth={MASK}&credential={MASK}"),
        (
            "s3.example/o?X-Amz-Credential=c1&X-Amz-Signature=s1&X-Amz-Security-Token=s2",
            f"s3.example/o?X-Amz-Credential={MASK}&X-Amz-Signature={MASK}&X-Amz-Security-Token={MASK}",
        ),
        ("blob.example/c?sv=2020&sig=s3&se=2026", f"blob.example/c?sv=2020&sig={MASK}&se=2026"),
        ("/x?page=2&sort=name&tokenizer=fast", "/x?page=2&sort=name&tokenizer=fast"),
    ],
)
def test_query_parameters_with_secret_names_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("./deploy --password=p1 --verbose", f"./deploy --password={MASK} --verbose"),
        ("./deploy --token p2 --verbose", f"./deploy --token {MASK} --verbose"),
        ('tool --api-key "p3 p4" x', f'tool --api-key "{MASK}" x'),
        ("curl -u bob:p5 https://h", f"curl -u bob:{MASK} https://h"),
        ("curl --user=bob:p6 https://h", f"curl --user=bob:{MASK} https://h"),
        ("java -Dpassword=p7 -jar app.jar", f"java -Dpassword={MASK} -jar app.jar"),
        ("API_TOKEN=p8 DB_PASSWORD='p9' ./run", f"API_TOKEN={MASK} DB_PASSWORD='{MASK}' ./run"),
        ('curl -H "Authorization: Bearer p10" https://h', f'curl -H "Authorization: Bearer {MASK}" https://h'),
        ('curl -H "X-Api-Key: p11" https://h', f'curl -H "X-Api-Key: {MASK}" https://h'),
        # what names or points at a secret is no secret: kept
        ("cosign verify --key cosign.pub --password-file /run/pw --token-env VAULT_TOKEN", None),
        ("tool --no-auth input.txt", None),
        ("psql -p 5432 -U kpi", None),
    ],
)
def test_secret_options_and_assignments_in_command_lines_are_masked(text: str, masked: str | None) -> None:
    assert mask_text(text) == (text if masked is None else masked)


def test_argument_lists_mask_the_value_after_a_secret_option() -> None:
    argv = ["tool", "--token", "a1", "--password=a2", "-u", "bob:a3", "--key", "k.pub", "--api-key", "--next", "API_KEY=a4"]
    assert mask_argv(argv) == [
        "tool",
        "--token",
        MASK,
        f"--password={MASK}",
        "-u",
        f"bob:{MASK}",
        "--key",
        "k.pub",
        "--api-key",
        "--next",
        f"API_KEY={MASK}",
    ]


def test_json_reprs_yaml_lines_and_key_material_in_text_are_masked() -> None:
    assert mask_text('{"password": "j1", "user": "x"}') == f'{{"password": "{MASK}", "user": "x"}}'
    assert mask_text("{'token': 'j2', 'n': 1}") == f"{{'token': '{MASK}', 'n': 1}}"
    assert mask_text("password: j3\nuser: x") == f"password: {MASK}\nuser: x"
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----"
    assert "b3BlbnNzaC1rZXk" not in mask_text(f"read {key} done")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlMTIzNDU2"
    assert mask_text(f"header {jwt} end") == f"header {MASK} end"
    assert mask_text("ghp_" + "a" * 36) == MASK


@pytest.mark.parametrize(
    "text",
    [
        "/etc/golive/secrets.yml:12: unknown key 'tokens' in sources.vault",
        "sources.vault.token_env: VAULT_TOKEN is not set",
        "status: pass, verdict: NO-GO (2 blocking item(s))",
        "2026-11-29T12:00:00Z: 110 of 200 trades won",
        "the tokenizer=fast, max_tokens=5, key_file=/k, author=ann",
        "CVE-2024-1234@openssl and bandit:B602@lunia/bot.py",
        "http://127.0.0.1:8080/healthz answered HTTP 503",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_names_that_hold_secrets_and_names_that_only_point_at_them() -> None:
    for name in (
        "password",
        "DB_PASSWORD",
        "apiKey",
        "APIKey",
        "api-key",
        "accessToken",
        "LUNIA_API_SECRET",
        "credentials",
        "auth",
        "session_id",
    ):
        assert is_secret_name(name), name
    for name in (
        "key",
        "pass",
        "passed",
        "author",
        "token_env",
        "password_file",
        "KEY_FILE",
        "public_key",
        "max_tokens",
        "secret_name",
        "key_id",
        "auth_server",
    ):
        assert not is_secret_name(name), name
    assert is_secret_parameter("key") and is_secret_parameter("sig") and is_secret_parameter("X-Amz-Signature")
    assert not is_secret_name("X-Amz-Signature")


def test_values_under_secret_keys_and_every_string_are_masked_in_data() -> None:
    data = {
        "env": {"LUNIA_API_SECRET": "d1", "BINANCE_LIVE_TRADING": "true", "DB_PASS": 123456},
        "findings": [{"key": "CVE-2024-1234@openssl", "detail": "see redis://a:d2@h"}],
        "credentials": {"user": "u", "password": "d3", "set": True},
        "token": None,
        "api_key": "",
        "argv": ["tool", "--token", "d4"],
        ("not", "a str key"): "x",
    }
    original = copy.deepcopy(data)
    assert mask_value(data) == {
        "env": {"LUNIA_API_SECRET": MASK, "BINANCE_LIVE_TRADING": "true", "DB_PASS": MASK},
        "findings": [{"key": "CVE-2024-1234@openssl", "detail": f"see redis://a:{MASK}@h"}],
        "credentials": {"user": "u", "password": MASK, "set": True},
        "token": None,
        "api_key": "",
        "argv": ["tool", "--token", MASK],
        ("not", "a str key"): "x",
    }
    assert data == original


def test_data_keyed_by_names_that_look_secret_keeps_its_shape() -> None:
    # Hosts and items are keyed by their names; a host called token-1 is no secret's parts.
    hosts = {"hosts": {"token-1": {"status": "fail", "summary": "down"}, "auth1": {"status": "pass"}}}
    assert mask_value(hosts) == hosts
    assert mask_value({"tokens": ["t1", {"name": "x"}]}) == {"tokens": [MASK, {"name": "x"}]}


def test_masking_twice_changes_nothing_more() -> None:
    text = "redis://a:b@h ?token=t --password p API_KEY=k -u u:p"
    assert mask_text(mask_text(text)) == mask_text(text)


# --- every output of `golive check` -------------------------------------------------

# One distinct secret per place golive.yml (or the server it talks to) can put one.
SECRETS = {
    "api userinfo (percent-encoded)": "zqApi%40Pw26",
    "api query token": "zqApiTok27",
    "healthz path token": "zqHealthTok28",
    "vault address userinfo (raw @)": "zqVault@Pw29",
    "vault token in the environment": "zqVaultTok32",
    "prometheus userinfo (raw :)": "zqProm:Pw30",
    "prometheus query api_key": "zqPromKey31",
    "kpi returns postgresql (IPv6 host)": "zqPgPw22",
    "kpi trades redis": "zqRedisPw23",
    "kpi incidents amqp (percent-encoded /)": "zqAmqp%2FPw24",
    "kpi explainability query token": "zqExTok25",
    "junit run --password=": "zqJunitPw11",
    "junit run --token S": "zqJunitTok12",
    "junit run list --api-key S": "zqJunitKey13",
    "junit run -u user:S": "zqCurlPw14",
    "junit run --url with userinfo": "zqArgUrlPw15",
    "junit run NAME=S prefix": "zqEnvAssign16",
    "load run --password S": "zqLoadPw17",
    "coverage run --token=": "zqCovTok18",
    "coverage run redis URL argument": "zqRedisArg19",
    "redirect Location userinfo": "zqRedirPw20",
    "redirect Location sig": "zqRedirSig21",
    "scanners bandit_args": "zqBanditPw33",
}

TOOL = """\
import sys
kind, target, *rest = sys.argv[1:]
open(target, "w").write(
    '<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>' if kind == "junit" else "{}"
)
print("connecting with " + " ".join(rest))
print("tool: error: unrecognized arguments: " + " ".join(rest), file=sys.stderr)
sys.exit(2)
"""


class _Service(http.server.BaseHTTPRequestHandler):
    """The API, Vault and Prometheus at once; the health probe is redirected to a URL with credentials."""

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path.startswith("/base") and "healthz" in self.path:
            self.send_response(302)
            self.send_header("Location", f"http://redir:zqRedirPw20@127.0.0.1:{port}/ok?sig=zqRedirSig21")
            self.end_headers()
            return
        bodies = {
            "/v1/sys/health": {"initialized": True, "sealed": False, "standby": False, "version": "1.15.0"},
            "/v1/sys/seal-status": {"type": "shamir", "sealed": False, "storage_type": "raft", "version": "1.15.0"},
            "/v1/transit/keys/orders": {"data": {"name": "orders", "type": "aes256-gcm96", "latest_version": 1}},
        }
        path = urllib.parse.urlsplit(self.path).path
        if path in bodies:
            body = bodies[path]
        elif path.startswith("/base"):
            body = {"version": "1.4.0", "echo": self.path}  # a server that repeats the request line
        else:
            self.send_error(404)
            return
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _config(port: int) -> str:
    py = sys.executable
    base = f"http://127.0.0.1:{port}"
    settings = {
        "api": f"http://apiuser:zqApi%40Pw26@127.0.0.1:{port}/base?token=zqApiTok27",
        "history": "history",
        "items": {
            "platform.healthz": {"path": "/healthz?access_token=zqHealthTok28"},
            "security.vault_kms": {"transit_key": "orders"},
        },
        "sources": {
            "vault": {"address": f"http://vaultuser:zqVault@Pw29@127.0.0.1:{port}", "token_env": "ZQ_VAULT_TOKEN"},
            "prometheus": {"base_url": f"http://promuser:zqProm:Pw30@127.0.0.1:{port}/prom?api_key=zqPromKey31"},
            "kpi": {
                "returns": "postgresql+psycopg://kpi:zqPgPw22@[::1]:9/kpi",
                "trades": "redis://:zqRedisPw23@127.0.0.1:9/0",
                "incidents": "amqp://guest:zqAmqp%2FPw24@127.0.0.1:9//",
                "explainability": f"{base}/score?token=zqExTok25&x=1",
            },
            "junit": {
                "unit": "reports/unit.xml",
                "integration": "reports/integration.xml",
                "e2e": "reports/e2e.xml",
                "run": {
                    "unit": f"{py} tool.py junit reports/unit.xml --password=zqJunitPw11 --token zqJunitTok12",
                    "integration": [
                        py,
                        "tool.py",
                        "junit",
                        "reports/integration.xml",
                        "--api-key",
                        "zqJunitKey13",
                        "-u",
                        "bob:zqCurlPw14",
                        "--url=https://u:zqArgUrlPw15@example.invalid/x",
                    ],
                    "e2e": "DB_PASSWORD=zqEnvAssign16 ./no-such-tool",
                },
            },
            "scanners": {"bandit_source": "src", "bandit_args": ["--password", "zqBanditPw33"]},
            "load": {"report": "reports/load.json", "run": {"report": f"{py} tool.py load reports/load.json --password zqLoadPw17"}},
            "coverage": {
                "report": "reports/coverage.json",
                "run": {
                    "report": [
                        py,
                        "tool.py",
                        "coverage",
                        "reports/coverage.json",
                        "--token=zqCovTok18",
                        "--dsn",
                        "redis://:zqRedisArg19@cache/0",
                    ]
                },
            },
        },
    }
    return json.dumps(settings, indent=2)  # JSON is YAML


def _variants(secret: str) -> set[str]:
    """The secret as configured, decoded, and encoded: a leak in any spelling counts."""
    return {secret, urllib.parse.unquote(secret), urllib.parse.quote(secret, safe="")}


def _every_byte(out: Path) -> dict[str, bytes]:
    """Every file under `out`, and every member of every archive in it, decompressed."""
    contents = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        contents[str(path.relative_to(out))] = raw
        if path.name.endswith(".tar.gz"):
            contents[f"{path.name} (gunzipped)"] = gzip.decompress(raw)
            with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
                for member in tar.getmembers():
                    handle = tar.extractfile(member)
                    if handle is not None:
                        contents[f"{path.name}:{member.name}"] = handle.read()
    return contents


def test_no_configured_secret_reaches_any_output_of_check(release_repo: Path, service: int) -> None:
    write(release_repo / "golive.yml", _config(service))
    write(release_repo / "tool.py", TOOL)
    (release_repo / "reports").mkdir()
    write(release_repo / "src" / "app.py", "print('hello')\n")
    out = release_repo / "golive-out"
    env = {**os.environ, "COLUMNS": "4000", "NO_COLOR": "1", "ZQ_VAULT_TOKEN": "zqVaultTok32"}
    done = subprocess.run(
        [sys.executable, "-m", "golive", "check", "--as-of", AS_OF, "--out", str(out)],
        cwd=release_repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    outputs = _every_byte(out) | _every_byte(release_repo / "history")
    assert {"result.json", "RELEASE_REPORT.md", "report.html", "junit.xml"} <= set(outputs)
    assert any(name.endswith(".tar.gz") for name in outputs) and any(name.startswith("evidence/junit/") for name in outputs)
    outputs |= {"stdout": done.stdout.encode(), "stderr": done.stderr.encode()}
    leaks = [
        f"{where}: {secret!r} in {name}"
        for where, configured in SECRETS.items()
        for secret in _variants(configured)
        for name, content in outputs.items()
        if secret.encode() in content
    ]
    assert not leaks, "\n".join(leaks)
    # The run really went through the places that held the secrets, and says where it masked.
    result = json.loads(outputs["result.json"])
    evidence = b"".join(content for name, content in outputs.items() if name.startswith("evidence/"))
    assert f"apiuser:{MASK}@127.0.0.1".encode() in evidence and f"--password={MASK}".encode() in evidence
    assert f"--token {MASK}".encode() in evidence and f"bob:{MASK}".encode() in evidence
    assert result["decision"]["verdict"] == "NO-GO"


@pytest.mark.parametrize(
    ("setting", "secret"),
    [
        ('api: ["http://u:zqCfgPw40@api.example"]', "zqCfgPw40"),
        ('items: {platform.healthz: {path: ["/healthz?token=zqCfgTok41"]}}', "zqCfgTok41"),
        ('items: {security.vault_kms: {transit_key: ["zqCfgKey42"]}}', "zqCfgKey42"),
        ("release: {version: {password: zqCfgPw43}}", "zqCfgPw43"),
        ('sources: {http: {timeout: "https://u:zqCfgPw44@h"}}', "zqCfgPw44"),
    ],
)
def test_a_wrong_typed_value_is_not_echoed_with_its_secret(release_repo: Path, setting: str, secret: str) -> None:
    write(release_repo / "golive.yml", f"{setting}\n")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "golive", "check", "--as-of", AS_OF], cwd=release_repo, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "golive.yml:1" in line, line
    assert secret not in line and secret not in done.stdout, line
