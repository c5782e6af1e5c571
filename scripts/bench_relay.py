"""What a request costs through `nodefox serve`'s /relay, against a direct one, natively.

    PYTHONPATH=engine .venv/bin/python scripts/bench_relay.py [--requests 300]

The test API (tests/httpserver.py) runs in a thread of this process and `nodefox serve`
in a process of its own. Each figure is `net.fetch` of a small JSON GET (no cache), once
with a plain World (urllib3 straight to the API) and once with `World.relay` set (the
engine's relay transport: a POST to /relay, which sends the request on from a thread of
the server). Printed: the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "engine"), str(ROOT / "tests")]

from httpserver import serve  # noqa: E402
from nodefox import net  # noqa: E402
from nodefox.world import World  # noqa: E402
from server_helpers import Server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with serve() as api, tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder))
        try:
            relay = {"url": server.url + "/relay", "token": server.token}
            for name, world in (("direct", World(allow_net=True)), ("relay", World(allow_net=True, relay=relay))):
                request = net.Request("GET", api.url("/json"), {}, None, 10.0)
                for _ in range(20):  # warm: connections open, modules imported
                    net.fetch(world, "h", request)
                times = []
                for _ in range(n):
                    start = time.perf_counter()
                    net.fetch(world, "h", request)
                    times.append((time.perf_counter() - start) * 1000)
                times.sort()
                print(f"{name:6}: p50 {times[n // 2]:.2f} ms, p95 {times[n * 95 // 100]:.2f} ms ({n} requests)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
