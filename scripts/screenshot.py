"""Make docs/editor.png from the real page: the built site served by `nodefox serve`,
the `tour` example opened from the Examples menu, one node selected.

    .venv/bin/python scripts/screenshot.py      (after scripts/build-site)
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "nodefox", "serve", "--port", str(port)], cwd=ROOT)
    try:
        time.sleep(1.0)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1600, "height": 950}, device_scale_factor=1)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
            page.get_by_test_id("examples-menu").click()
            page.locator('[data-example="orders"]').click()
            page.wait_for_selector('.react-flow__node[data-id="tax"] [data-status="ok"]')
            page.locator('.react-flow__node[data-id="tax"] .fx-node-head').click()
            page.wait_for_selector('[data-testid="data-items"] table')
            page.wait_for_timeout(300)
            out = ROOT / "docs" / "editor.png"
            page.screenshot(path=str(out))
            browser.close()
            print(f"wrote {out.relative_to(ROOT)}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
