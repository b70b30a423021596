"""Vault (or OpenBao, same HTTP API): health, seal status and the transit keys the items name.

`GET /v1/sys/health` answers with its status code what state the node is in (200 active,
429 standby, 472 DR secondary, 473 performance standby, 501 not initialised, 503
sealed); `GET /v1/sys/seal-status` names the storage backend (`inmem` is what a dev
server runs on); `GET /v1/<mount>/keys/<name>` proves a transit key exists. The token
for the transit read comes from the environment variable `sources.vault.token_env`
(default VAULT_TOKEN); it is sent to Vault only, never stored, printed or logged.

Evidence data:
    address:        sources.vault.address
    login_variable: the name (not the value) of the token's environment variable
    health:         {url, status, error, error_kind, body}   body = Vault's JSON fields
    seal_status:    the same for /v1/sys/seal-status
    transit:        {"<mount>/<key>": {url, status, error, error_kind, checked, reason,
                                       key: {name, type, latest_version}, errors}}
"""

from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any, ClassVar

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.collectors.http import Fetched, SettingsError, fetch, join_url, settings_tls

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


def vault_json(fetched: Fetched) -> dict[str, Any] | None:
    try:
        document = json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def probe(fetched: Fetched, fields: tuple[str, ...]) -> dict[str, Any]:
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
    source = "vault"
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
        data: dict[str, Any] = {"address": base, "login_variable": token_env, "transit": {}}
        data["health"] = probe(fetch(join_url(base, "/v1/sys/health"), timeout=timeout, context=context), HEALTH_FIELDS)
        data["seal_status"] = probe(fetch(join_url(base, "/v1/sys/seal-status"), timeout=timeout, context=context), SEAL_FIELDS)
        token = os.environ.get(token_env, "")
        for item in ctx.config.checklist.items:
            if item.kind != "check" or item.check_name != "security.vault_kms" or not item.params["transit_key"]:
                continue
            mount, key = str(item.params["transit_mount"]).strip("/"), str(item.params["transit_key"])
            name = f"{mount}/{key}"
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
        return Evidence(self.source, data=data, files=[ctx.write_evidence("vault", data)])
