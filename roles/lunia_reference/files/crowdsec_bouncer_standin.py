#!/usr/bin/python3
"""Pull CrowdSec LAPI decisions the way crowdsec-firewall-bouncer does (GET
/v1/decisions/stream with its API key every 10 s), without touching the firewall."""

import sys
import time
import urllib.request


def main() -> None:
    settings = {}
    with open(sys.argv[1]) as handle:
        for line in handle:
            key, sep, value = line.partition(":")
            if sep:
                settings[key.strip()] = value.strip().strip("\"'")
    base = settings.get("api_url", "http://127.0.0.1:8080/").rstrip("/")
    startup = "true"
    while True:
        request = urllib.request.Request(
            f"{base}/v1/decisions/stream?startup={startup}",
            headers={"X-Api-Key": settings["api_key"], "User-Agent": "crowdsec-firewall-bouncer/v0.0.25-standin"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            startup = "false"
        except OSError as exc:
            print(f"pull failed: {exc}", flush=True)
        time.sleep(10)


if __name__ == "__main__":
    main()
