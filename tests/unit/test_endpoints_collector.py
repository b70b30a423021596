"""The host module's endpoint and backup helpers: RESP over a socket, URLs without credentials."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def resp_server() -> Iterator[tuple[int, list[bytes]]]:
    """Answers AUTH with WRONGPASS unless the password is 'right', and PING with NOAUTH before AUTH (as Redis 7 does)."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            authed = False
            reader = conn.makefile("rb")
            while line := reader.readline():
                count = int(line[1:])
                words = []
                for _ in range(count):
                    size = int(reader.readline()[1:])
                    words.append(reader.read(size + 2)[:-2])
                seen.append(b" ".join(words))
                if words[0] == b"AUTH":
                    authed = words[-1] == b"right"
                    conn.sendall(b"+OK\r\n" if authed else b"-WRONGPASS invalid username-password pair\r\n")
                elif words[0] == b"PING":
                    conn.sendall(b"+PONG\r\n" if authed else b"-NOAUTH Authentication required.\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], seen
    listener.close()


def test_redis_auth_then_ping_answers_pong(module: ModuleType, resp_server: tuple[int, list[bytes]]) -> None:
    port, seen = resp_server
    result = module.redis_ping(f"redis://default:right@127.0.0.1:{port}/0", 2.0)
    assert result["reply"] == "+PONG" and result["login_sent"] is True
    assert seen == [b"AUTH default right", b"PING"]


def test_redis_wrong_password_stops_before_ping(module: ModuleType, resp_server: tuple[int, list[bytes]]) -> None:
    port, seen = resp_server
    result = module.redis_ping(f"redis://:wrong@127.0.0.1:{port}", 2.0)
    assert result["login_reply"].startswith("-WRONGPASS") and seen == [b"AUTH wrong"]


def test_redis_without_password_reports_noauth(module: ModuleType, resp_server: tuple[int, list[bytes]]) -> None:
    port, _ = resp_server
    result = module.redis_ping(f"redis://127.0.0.1:{port}", 2.0)
    assert result["reply"].startswith("-NOAUTH") and result["login_sent"] is False


def test_redis_refused_connection_is_reported(module: ModuleType) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert "error" in module.redis_ping(f"redis://127.0.0.1:{port}", 1.0)


def test_endpoint_facts_never_carry_the_password(module: ModuleType, resp_server: tuple[int, list[bytes]], tmp_path: Path) -> None:
    port, _ = resp_server
    env = tmp_path / "endpoints.env"
    env.write_text(f"REDIS_URL=redis://default:right@127.0.0.1:{port}/0\nLLM_BASE_URL=https://user:llm-secret@127.0.0.1:9/\n")
    args = {
        "env_file": str(env),
        "redis_var": "REDIS_URL",
        "postgres_var": "DATABASE_URL",
        "llm_var": "LLM_BASE_URL",
        "llm_path": "/health",
        "timeout": 1,
    }
    facts = module.gather({"endpoints": args})
    text = repr(facts)
    assert "right" not in text and "llm-secret" not in text
    assert facts["endpoints"]["endpoints"]["postgres"] == {"variable": "DATABASE_URL", "unset": True}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-29T07:55:01.123456789Z", "2026-11-29T07:55:01+00:00"),
        ("2026-11-29T09:55:01.5+02:00", "2026-11-29T07:55:01+00:00"),
        ("garbage", None),
    ],
)
def test_snapshot_times_become_utc(module: ModuleType, value: str, expected: str | None) -> None:
    assert module.utc_text(value) == expected


def test_repository_locations_lose_their_credentials(module: ModuleType) -> None:
    assert module.repository_name("rest:https://user:pw@backup.example/lunia") == "rest:https://backup.example/lunia"
    assert module.repository_name("/var/backups/lunia-restic") == "/var/backups/lunia-restic"
