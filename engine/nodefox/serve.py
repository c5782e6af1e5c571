"""`nodefox serve`: the built site over HTTP, cross-origin isolated, with .wasm typed right."""

from __future__ import annotations

import functools
import http.server
import sys
import urllib.parse
from pathlib import Path

HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


# /assets/ is the web app's build output, every file named by its content hash (Vite): it
# can be kept for good. Everything else (index.html, the runtime, the wheels, the lockfile,
# the snapshot, the examples) keeps its name when it changes, so the browser keeps a copy but
# asks every time (a 304 by Last-Modified when unchanged): a changed wheel is never served
# stale (its lockfile sha256 would fail), and a kept pyodide.asm.wasm lets the browser reuse
# the wasm code it compiled last time.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(path: str, status: int = 200) -> str:
    """The Cache-Control header for a request path (query ignored) answered with `status`."""
    path = urllib.parse.urlsplit(path).path
    hashed = path.startswith("/assets/") and not path.endswith("/") and status in (200, 304)
    return IMMUTABLE if hashed else REVALIDATE


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".whl": "application/zip",
        ".zip": "application/zip",
    }

    def end_headers(self) -> None:
        for key, value in HEADERS.items():
            self.send_header(key, value)
        self.send_header("Cache-Control", cache_control(self.path, getattr(self, "_status", 200)))
        super().end_headers()

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code  # for end_headers: only a file found may be kept for good
        super().send_response(code, message)

    def log_message(self, format: str, *args: object) -> None:  # quiet by default
        pass


def site_candidates(explicit: str | None = None) -> list[Path]:
    """Where the built site is looked for: --site, else ./build/site, the checkout's, the package's."""
    if explicit:
        return [Path(explicit)]
    return [
        Path.cwd() / "build" / "site",
        Path(__file__).resolve().parents[2] / "build" / "site",
        Path(__file__).resolve().parent / "site",
    ]


def find_site(explicit: str | None = None) -> Path | None:
    for c in site_candidates(explicit):
        if (c / "index.html").is_file():
            return c
    return None


def serve(host: str = "127.0.0.1", port: int = 8000, site: str | None = None) -> int:
    root = find_site(site)
    if root is None:
        looked = "\n".join(f"  {c / 'index.html'}" for c in site_candidates(site))
        print(
            f"nodefox: the editor site has not been built; no index.html in:\n{looked}\n"
            "Build it with scripts/build-site (the README's serve command does this first).",
            file=sys.stderr,
        )
        return 2
    handler = functools.partial(SiteHandler, directory=str(root))
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        print(f"nodefox: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    port = server.server_address[1]  # the one the system chose for --port 0
    print(f"NodeFox editor on http://{host}:{port}/ (serving {root}); Ctrl+C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
