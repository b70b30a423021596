#!/usr/bin/python3
"""Sandbox stand-in for one Lunia component (named by LUNIA_COMPONENT).

It idles until SIGTERM, so systemd and /proc/<pid>/environ show a real running
process with the unit's environment.  With LUNIA_HTTP_PORT set it also answers
GET /healthz with the deployed version from /etc/lunia/VERSION.
"""

import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION_FILE = "/etc/lunia/VERSION"


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/healthz":
            self.send_error(404)
            return
        with open(VERSION_FILE) as handle:
            version = handle.read().strip()
        body = json.dumps({"status": "ok", "component": os.environ["LUNIA_COMPONENT"], "version": version})
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    component = os.environ["LUNIA_COMPONENT"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    port = os.environ.get("LUNIA_HTTP_PORT")
    if port:
        server = ThreadingHTTPServer(("0.0.0.0", int(port)), Health)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"lunia {component} started", flush=True)
    stop.wait()
    print(f"lunia {component} stopping", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
