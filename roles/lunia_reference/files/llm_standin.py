#!/usr/bin/python3
"""Stand-in for the LLM endpoint the app hosts call: HTTPS, JSON, and a 500 while its
model file is missing (as a model server answers when its weights failed to load)."""

import argparse
import http.server
import json
import os
import ssl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if os.path.exists(args.model):
                status, body = 200, {"status": "ok", "models": [{"id": "lunia-sandbox"}]}
            else:
                status, body = 500, {"error": "model not loaded"}
            if self.path.split("?")[0] not in ("/health", "/v1/models"):
                status, body = 404, {"error": "not found"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
