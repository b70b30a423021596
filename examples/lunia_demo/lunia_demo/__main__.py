"""`python -m lunia_demo --host 127.0.0.1 --port 8080`: serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from lunia_demo.app import create_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lunia_demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (printed on start)")
    args = parser.parse_args(argv)
    server = create_server(args.host, args.port)
    # shutdown() blocks until serve_forever returns, so it must run outside the signal handler's thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"lunia_demo listening on http://{server.server_name}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
