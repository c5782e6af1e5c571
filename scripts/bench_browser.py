"""The page's figures in headless Chromium: load to first preview (cold, warm) and edit → counts drawn.

Drives the built editor as a person would, through web.md's automation hooks:
`window.nodefox` and the DOM markers (`.react-flow__node[data-id]`,
`[data-testid="port-count"][data-port]`, `[data-testid="inspector"]`,
`[data-param="<pointer>"]`). Skips with a note when the site has no editor.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
TIMEOUT_MS = 60_000

SAVE_KEY = "nodefox.workflow"  # where the editor autosaves the workflow it restores on load

# resolves with the time the page's first preview is drawn (a number in a port count on the canvas),
# or the time the engine is ready if the canvas shows no node; times are from navigation start
_FIRST_PREVIEW = """async () => {
  const deadline = performance.now() + 60000;
  while (!window.nodefox) await new Promise(r => setTimeout(r, 5));
  const counted = () => [...document.querySelectorAll('[data-testid="port-count"]')]
    .some(el => /^[0-9]/.test(el.textContent.trim()));
  let ready = null;
  window.nodefox.ready.then(() => { ready = performance.now(); });
  while (performance.now() < deadline) {
    if (counted()) return {ms: performance.now(), drawn: true};
    if (ready !== null && !document.querySelector('.react-flow__node') && performance.now() - ready > 2000) break;
    await new Promise(r => requestAnimationFrame(r));
  }
  return {ms: ready, drawn: false};
}"""

# notes when the page posts to the engine's worker and when an answer comes back, so an edit's
# latency splits into page → worker, worker (engine and messaging), and answer → DOM
_WORKER_TIMES = r"""(() => {
  const Base = window.Worker;
  const times = window.__nodefoxBench = {posted: [], answered: [], engine: [], steps: {}};
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        times.answered.push(performance.now());
        const data = event.data || {};
        if (data.kind === "progress" && data.state === "done") times.steps[data.step] = data.ms;  // loading steps
        const text = event.data && typeof event.data.text === "string" ? event.data.text : "";
        const found = /"stats": ?\{"ms": ?([0-9.]+)/.exec(text.slice(text.lastIndexOf('"stats"')));
        times.engine.push(found ? Number(found[1]) : null);  // the session's own time for this answer
      });
    }
    postMessage(...args) { times.posted.push(performance.now()); return super.postMessage(...args); }
  };
})();"""

# one edit typed into the inspector's field; resolves when the node's port count shows the expected text
_EDIT = """async ([node, port, pointer, value, expected]) => {
  const sel = `.react-flow__node[data-id="${node}"] [data-testid="port-count"][data-port="${port}"]`;
  const input = document.querySelector(`[data-testid="inspector"] [data-param="${pointer}"]`);
  if (!input) throw new Error(`no inspector field [data-param="${pointer}"]`);
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value").set;
  return await new Promise((resolve, reject) => {
    let t0 = 0;
    const seen = () => {
      const el = document.querySelector(sel);
      return el && el.textContent.trim() === String(expected);
    };
    const times = window.__nodefoxBench || {posted: [], answered: [], engine: []};
    const observer = new MutationObserver(() => {
      if (!seen()) return;
      const t1 = performance.now();
      observer.disconnect();
      const posted = times.posted.find(t => t >= t0);
      const last = times.answered.filter(t => t <= t1).length - 1;
      const answered = times.answered[last];
      const split = posted !== undefined && answered !== undefined && answered >= posted;
      resolve({ms: t1 - t0, toWorker: split ? posted - t0 : null, worker: split ? answered - posted : null,
               toDom: split ? t1 - answered : null, engine: split ? times.engine[last] : null});
    });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { observer.disconnect(); reject(new Error(`${sel} never showed ${expected}`)); }, 10000);
    input.focus();
    t0 = performance.now();
    setter.call(input, String(value));
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
  });
}"""


def run(site: Path, report: dict, edit: tuple, quick: bool, small: tuple[dict, tuple] | None = None) -> dict:
    """Page load, edit → DOM on `report`, and (when given) the same on a small workflow."""
    if not (site / "index.html").is_file():
        return {"skipped": "skipped: no editor built (build/site/index.html is missing)"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "skipped: Python playwright is not installed"}
    if not Path(CHROMIUM).exists():
        return {"skipped": f"skipped: {CHROMIUM} is missing (scripts/setup --browser installs it)"}
    server, url = _serve(site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                out, page = _loads(browser, url, report, 1 if quick else 5)
                try:
                    out.update(_edits(page, report, edit, 10 if quick else 100))
                    if small is not None:
                        got = _edits(page, small[0], small[1], 10 if quick else 100)
                        out.update({f"small_{k}": v for k, v in got.items()})
                except Exception as exc:  # report, do not hide, what went wrong
                    out["skipped"] = f"edit → DOM not measured: {type(exc).__name__}: {str(exc)[:300]}"
                return out
            finally:
                browser.close()
    except Exception as exc:
        return {"skipped": f"not measured: {type(exc).__name__}: {str(exc)[:300]}"}
    finally:
        server.shutdown()
        server.server_close()


def _serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    from nodefox.serve import SiteHandler

    handler = functools.partial(SiteHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _loads(browser, url: str, report: dict, repeat: int) -> tuple[dict, object]:
    """Cold: a new context (empty HTTP cache) per load; warm: reloads of the last one.

    Each context starts with `report` saved, as a person reopening their workflow, so the
    first preview is `report`'s counts. Returns the figures and the last page, still open.
    """
    cold, warm, drawn, steps = [], [], [], []
    seed = f"if (!localStorage.getItem({json.dumps(SAVE_KEY)})) localStorage.setItem({json.dumps(SAVE_KEY)}, " \
           f"{json.dumps(json.dumps(report))});"  # fmt: skip
    page = None
    for i in range(repeat):
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.add_init_script(seed)
        context.add_init_script(_WORKER_TIMES)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        first = page.evaluate(_FIRST_PREVIEW)
        cold.append(first["ms"])
        drawn.append(first["drawn"])
        steps.append(page.evaluate("() => (window.__nodefoxBench || {}).steps || {}"))
        if i < repeat - 1:
            context.close()
    for _ in range(repeat):
        page.reload()
        first = page.evaluate(_FIRST_PREVIEW)
        warm.append(first["ms"])
        drawn.append(first["drawn"])
    out: dict = {"load_cold_ms": [x for x in cold if x is not None], "load_warm_ms": [x for x in warm if x is not None]}
    for name in ("runtime", "packages", "engine"):  # the worker's own loading steps, cold
        out[f"load_{name}_ms"] = [st[name] for st in steps if name in st]
    failed = sum(x is None for x in cold + warm)
    if failed:
        out["load_failed"] = f"{failed} load(s) never got the engine ready within 60 s"
    if not all(drawn):
        out["load_note"] = "the page showed no node: load measured to `nodefox.ready`"
    return out, page


def _edits(page, report: dict, edit: tuple, repeat: int) -> dict:
    """Type the edit into the inspector `repeat` times, alternating values; time input → count in the DOM."""
    import nodefox

    node, pointer, values = edit
    expected = []
    for value in values:  # what the canvas must show after each value: the engine's own count
        doc = json.loads(json.dumps(report))
        target = next(n for n in doc["nodes"] if n["id"] == node)
        target["params"]["conditions"][0]["right"] = value
        expected.append(len(nodefox.run(doc, allow_code=True)["nodes"][node]["outputs"]["true"]))
    if expected[0] == expected[1]:
        raise RuntimeError("the two edit values give the same count; pick others")
    page.evaluate("async () => { await window.nodefox.ready; }")
    box = page.locator(f'.react-flow__node[data-id="{node}"]')
    if not box.count():  # the saved workflow is not `report`: open it
        page.evaluate("doc => window.nodefox.editor.load(doc)", report)
    box.locator('[data-testid="port-count"][data-port="true"]').wait_for()
    box.dispatch_event("click")  # off-screen nodes of a 65-node graph cannot take a real click
    page.locator(f'[data-testid="inspector"] [data-param="{pointer}"]').wait_for()
    out: dict[str, list] = {"edit_to_dom_ms": [], "edit_to_worker_ms": [], "edit_worker_ms": [],
                            "edit_engine_ms": [], "edit_answer_to_dom_ms": []}  # fmt: skip
    for i in range(repeat + 2):
        k = i % len(values)  # the document holds values[-1], so every edit changes the count
        got = page.evaluate(_EDIT, [node, "true", pointer, values[k], expected[k]])
        if i >= 2:
            out["edit_to_dom_ms"].append(got["ms"])
            if got["worker"] is not None:
                out["edit_to_worker_ms"].append(got["toWorker"])
                out["edit_worker_ms"].append(got["worker"])
                out["edit_answer_to_dom_ms"].append(got["toDom"])
                if got["engine"] is not None:
                    out["edit_engine_ms"].append(got["engine"])
        # a person's next keystroke comes later; by then the page's follow-up requests for this
        # answer (the data panel's page, the expression preview) are done and do not queue ahead
        time.sleep(0.15)
    return out
