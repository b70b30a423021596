"""The API over HTTP: the health endpoint and the reported version.

One GET per "healthz" request (its path, timeout and redirect policy are the request's
args, its key names the probe) and one GET of `sources.http.version_path` for the version
the API reports (`release.version_tag` compares it with the tag). TLS is always
verified, against the system trust store or `sources.http.ca_bundle` for a private CA.

Evidence data:
    api:      the environment's `api` base URL
    probes:   {request key: probe}   probe = {url, status, seconds, error, error_kind,
                                          location, redirects, body}
    version:  the /version probe
    versions: {"api": "<version>"}   only when the API reported one
    version_error: why no version was read (absent when one was)
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Browsers and requests give up after 20-30 hops; a health endpoint needs far fewer.
MAX_REDIRECTS = 10
# Enough for any health or version document; a larger body is cut, not read.
SMALL_BODY = 64 * 1024
BODY_EXCERPT = 300
DEFAULT_VERSION_PATH = "/version"
DEFAULT_VERSION_FIELD = "version"
READ_CHUNK = 64 * 1024


# The request a health probe answers: Request(SOURCE, HEALTHZ, {path, timeout_seconds, follow_redirects}, key=...).
SOURCE = "http"
HEALTHZ = "healthz"


class Probe(TypedDict):
    """One GET as the evidence records it (`Fetched.to_json`)."""

    url: str
    status: int | None
    seconds: float
    error: str | None
    error_kind: str | None
    location: str | None
    redirects: list[str]
    oversized: bool
    body: str


class _HttpDataAlways(TypedDict):
    api: str
    probes: dict[str, Probe]
    version: Probe


class HttpData(_HttpDataAlways, total=False):
    """The http source's evidence data (optional keys by `total=False`, as in HostsData)."""

    # Exactly one of the two: the version the API reported, or why none was read.
    versions: dict[str, str]
    version_error: str | None


class SettingsError(Exception):
    pass


@dataclass
class Fetched:
    """One GET, as it went: the final status or the reason there is none."""

    url: str
    status: int | None = None
    seconds: float = 0.0
    body: bytes = b""
    oversized: bool = False
    content_type: str = ""
    location: str | None = None
    redirects: list[str] = field(default_factory=list)
    error: str | None = None
    # timeout | refused | tls | dns | connection | protocol | url
    error_kind: str | None = None

    def to_json(self) -> Probe:
        return {
            "url": self.url,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "error_kind": self.error_kind,
            "location": self.location,
            "redirects": self.redirects,
            "oversized": self.oversized,
            "body": self.body[:BODY_EXCERPT].decode("utf-8", errors="replace"),
        }


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification always on; a CA bundle replaces the system store (a private CA)."""
    if ca_bundle is None:
        return ssl.create_default_context()
    if not ca_bundle.is_file():
        raise SettingsError(f"CA bundle {ca_bundle} not found")
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (ssl.SSLError, OSError) as exc:
        raise SettingsError(f"CA bundle {ca_bundle} unreadable: {exc}") from exc


def settings_tls(ctx: CollectContext) -> ssl.SSLContext:
    bundle = ctx.settings.get("ca_bundle")
    return tls_context(ctx.config.resolve(str(bundle)) if bundle else None)


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def fetch(
    url: str,
    *,
    timeout: float,
    context: ssl.SSLContext,
    max_bytes: int = SMALL_BODY,
    follow_redirects: bool = False,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET `url` within `timeout` seconds overall, reading at most `max_bytes` of body.

    Redirects are reported (status and Location), followed only when asked. No proxy is
    used: the probe measures the API itself.
    """
    result = Fetched(url)
    started = time.monotonic()
    deadline = started + timeout
    current = url
    try:
        while True:
            status, location, content_type, body, oversized = _get_once(current, deadline, context, max_bytes, headers or {})
            result.status, result.location, result.content_type = status, location, content_type
            result.body, result.oversized = body, oversized
            if not (follow_redirects and status in REDIRECT_CODES and location):
                break
            if len(result.redirects) >= MAX_REDIRECTS:
                result.error, result.error_kind = f"more than {MAX_REDIRECTS} redirects", "protocol"
                break
            current = urllib.parse.urljoin(current, location)
            result.redirects.append(current)
    except _UrlError as exc:
        result.error, result.error_kind = str(exc), "url"
    except TimeoutError:
        result.error, result.error_kind = f"no answer within {timeout:g} s", "timeout"
    except ssl.SSLCertVerificationError as exc:
        result.error, result.error_kind = f"TLS verification failed: {exc.verify_message or exc}", "tls"
    except ssl.SSLError as exc:
        result.error, result.error_kind = f"TLS error: {exc}", "tls"
    except ConnectionRefusedError:
        result.error, result.error_kind = "connection refused", "refused"
    except socket.gaierror as exc:
        result.error, result.error_kind = f"name resolution failed: {exc.strerror or exc}", "dns"
    except (http.client.HTTPException, ValueError) as exc:
        result.error, result.error_kind = f"malformed HTTP answer: {type(exc).__name__}: {exc}", "protocol"
    except OSError as exc:
        result.error, result.error_kind = f"connection failed: {exc.strerror or exc}", "connection"
    result.seconds = time.monotonic() - started
    if result.error is None and result.seconds > timeout:
        result.error, result.error_kind = f"answered after {result.seconds:.2f} s, limit {timeout:g} s", "timeout"
    return result


class _UrlError(Exception):
    pass


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _get_once(
    url: str, deadline: float, context: ssl.SSLContext, max_bytes: int, headers: dict[str, str]
) -> tuple[int, str | None, str, bytes, bool]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _UrlError(f"not an http(s) URL: {url}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=_remaining(deadline), context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=_remaining(deadline))
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        connection.request("GET", target, headers={"User-Agent": "golive", "Accept-Encoding": "identity", **headers})
        response = connection.getresponse()
        chunks: list[bytes] = []
        size = 0
        oversized = False
        while True:
            if connection.sock is not None:
                connection.sock.settimeout(_remaining(deadline))
            chunk = response.read(min(READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                oversized = True
                break
        body = b"".join(chunks)[:max_bytes]
        return response.status, response.getheader("Location"), response.getheader("Content-Type") or "", body, oversized
    finally:
        connection.close()


def reported_version(fetched: Fetched, field_name: str) -> tuple[str | None, str | None]:
    """(version, why none): a JSON object's `field_name`, or a one-line plain-text body."""
    if fetched.error:
        return None, f"{fetched.url}: {fetched.error}"
    if fetched.status != 200:
        return None, f"{fetched.url} answered HTTP {fetched.status}"
    if fetched.oversized:
        return None, f"{fetched.url}: body larger than {SMALL_BODY} bytes"
    text = fetched.body.decode("utf-8", errors="replace").strip()
    if "json" in fetched.content_type or text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            return None, f"{fetched.url}: not JSON ({exc})"
        value = document.get(field_name) if isinstance(document, dict) else None
        if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value).strip() == "":
            return None, f"{fetched.url}: no '{field_name}' string in the JSON answer"
        return str(value).strip(), None
    if text and len(text.split()) == 1:
        return text, None
    return None, f"{fetched.url}: neither JSON with '{field_name}' nor a bare version string"


@register
class HttpCollector(Collector):
    source = SOURCE
    settings_keys: ClassVar[set[str]] = {"ca_bundle", "version_path", "version_field"}
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        base = ctx.config.api
        if not base:
            return Evidence.unavailable(self.source, f"environment '{ctx.config.environment}' has no api URL")
        try:
            context = settings_tls(ctx)
        except SettingsError as exc:
            return Evidence(self.source, error=f"sources.http.ca_bundle: {exc}")
        probes: dict[str, Probe] = {}
        for request in ctx.requests:
            if request.what != HEALTHZ:
                continue
            args = request.args
            fetched = fetch(
                join_url(base, str(args["path"])),
                timeout=float(args["timeout_seconds"]),
                context=context,
                follow_redirects=bool(args["follow_redirects"]),
            )
            probes[request.key] = fetched.to_json()
        # Half the collector's time: the health probes had theirs, each within its item's timeout.
        limit = float(ctx.settings.get("timeout", self.default_timeout)) / 2
        version = fetch(join_url(base, str(ctx.settings.get("version_path", DEFAULT_VERSION_PATH))), timeout=limit, context=context)
        data: HttpData = {"api": base, "probes": probes, "version": version.to_json()}
        reported, problem = reported_version(version, str(ctx.settings.get("version_field", DEFAULT_VERSION_FIELD)))
        if reported is not None:
            data["versions"] = {"api": reported}
        else:
            data["version_error"] = problem
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("http", data)])
