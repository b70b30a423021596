"""Vault (or OpenBao, same HTTP API): health, seal status and the transit keys the items name.

`GET /v1/sys/health` answers with its status code what state the node is in (200 active,
429 standby, 472 DR secondary, 473 performance standby, 501 not initialised, 503
sealed); `GET /v1/sys/seal-status` names the storage backend (`inmem` is what a dev
server runs on); `GET /v1/<mount>/keys/<name>` proves a transit key exists, for each
"transit_key" request (security.vault_kms declares one per key its items name). The token
for the transit read comes from the environment variable `sources.vault.token_env`
(default VAULT_TOKEN); it is sent to Vault only, never stored, printed or logged.

Evidence data:
    address:        sources.vault.address
    login_variable: the name (not the value) of the token's environment variable
    health:         {url, status, error, error_kind, body}   body = Vault's JSON fields
    seal_status:    the same for /v1/sys/seal-status
    transit:        {request key "<mount>/<key>": {url, status, error, error_kind, checked, reason,
                                       key: {name, type, latest_version}, errors}}
"""

from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any, ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.collectors.http import Fetched, SettingsError, fetch, join_url, settings_tls

SOURCE = "vault"
# Request(SOURCE, TRANSIT_KEY, {mount, key}, key="<mount>/<key>"): look the key up.
TRANSIT_KEY = "transit_key"
DEFAULT_TOKEN_ENV = "VAULT_TOKEN"
HEALTH_FIELDS = (
    "initialized",
    "sealed",
    "standby",
    "performance_standby",
    "replication_dr_mode",
    "replication_performance_mode",
    "version",
    "cluster_name",
)
SEAL_FIELDS = ("type", "initialized", "sealed", "storage_type", "version", "t", "n", "progress")
KEY_FIELDS = ("name", "type", "latest_version", "deletion_allowed", "exportable")


class VaultProbe(TypedDict):
    url: str
    status: int | None
    error: str | None
    error_kind: str | None
    # The fields of Vault's JSON answer golive keeps; None when the answer was not JSON.
    body: dict[str, Any] | None


class TransitEntry(TypedDict, total=False):
    """One transit key's lookup: `url` and `checked` always; `reason` when not checked
    (no token), the answer's fields when checked."""

    url: str
    checked: bool
    reason: str
    status: int | None
    error: str | None
    error_kind: str | None
    key: dict[str, Any] | None
    errors: list[str]


class VaultData(TypedDict):
    """The vault source's evidence data."""

    address: str
    login_variable: str
    health: VaultProbe
    seal_status: VaultProbe
    transit: dict[str, TransitEntry]


def vault_json(fetched: Fetched) -> dict[str, Any] | None:
    try:
        document = json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def probe(fetched: Fetched, fields: tuple[str, ...]) -> VaultProbe:
    document = vault_json(fetched) if fetched.error is None else None
    return {
        "url": fetched.url,
        "status": fetched.status,
        "error": fetched.error,
        "error_kind": fetched.error_kind,
        "body": {name: document[name] for name in fields if name in document} if document is not None else None,
    }


@register
class VaultCollector(Collector):
    source = SOURCE
    settings_keys: ClassVar[set[str]] = {"address", "ca_bundle", "token_env"}
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        address = ctx.settings.get("address")
        if not address:
            return Evidence.unavailable(self.source, "sources.vault.address not configured")
        try:
            context = settings_tls(ctx)
        except SettingsError as exc:
            return Evidence(self.source, error=f"sources.vault.ca_bundle: {exc}")
        token_env = str(ctx.settings.get("token_env", DEFAULT_TOKEN_ENV))
        # Three kinds of request share the collector's time.
        timeout = float(ctx.settings.get("timeout", self.default_timeout)) / 4
        base = str(address)
        health = probe(fetch(join_url(base, "/v1/sys/health"), timeout=timeout, context=context), HEALTH_FIELDS)
        seal_status = probe(fetch(join_url(base, "/v1/sys/seal-status"), timeout=timeout, context=context), SEAL_FIELDS)
        data: VaultData = {"address": base, "login_variable": token_env, "transit": {}, "health": health, "seal_status": seal_status}
        token = os.environ.get(token_env, "")
        for request in ctx.requests:
            if request.what != TRANSIT_KEY:
                continue
            mount, key, name = str(request.args["mount"]), str(request.args["key"]), request.key
            if name in data["transit"]:
                continue
            path = f"/v1/{urllib.parse.quote(mount)}/keys/{urllib.parse.quote(key, safe='')}"
            if not token:
                data["transit"][name] = {
                    "url": join_url(base, path),
                    "checked": False,
                    "reason": f"environment variable {token_env} is not set",
                }
                continue
            fetched = fetch(join_url(base, path), timeout=timeout, context=context, headers={"X-Vault-Token": token})
            document = vault_json(fetched) if fetched.error is None else None
            described = document.get("data") if document else None
            errors = document.get("errors") if document else None
            data["transit"][name] = {
                "url": fetched.url,
                "checked": True,
                "status": fetched.status,
                "error": fetched.error,
                "error_kind": fetched.error_kind,
                "key": {field: described[field] for field in KEY_FIELDS if field in described} if isinstance(described, dict) else None,
                "errors": [str(message) for message in errors] if isinstance(errors, list) else [],
            }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("vault", data)])
