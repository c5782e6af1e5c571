"""The page's figures in headless Chromium: load to first preview (cold, warm) and edit → counts drawn.

Also the edit mix of issue 16 (`mixed`): 200 edits on a small workflow as a person makes
them (select-all-then-type, direct typing, switching nodes between edits, list adds and
removes), plain and under 4x CPU throttling, with the Long Tasks API's long tasks and the
worker's own timing of each answer (queued, handle(), messaging), so a slow edit says
where its time went. Three figures (FIGURES): `three`, issue 16's acceptance check as it
reads (data → two limits, 40 edits), `small` (the mix above) and `report` (the same mix on
the ~60-node `report` workload). Run alone, 5 runs of each, plain and 4x throttled:
`python scripts/bench_browser.py --runs 5 [--figures three,small,report] [--json out.json]`;
each figure ends with the median of the runs' p95 and the largest edit of all runs.

Drives the built editor as a person would, through web.md's automation hooks:
`window.nodefox` and the DOM markers (`.react-flow__node[data-id]`,
`[data-testid="port-count"][data-port]`, `[data-testid="inspector"]`,
`[data-param="<pointer>"]`). Skips with a note when the site has no editor.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
# the acceptance check of issue 16 launches Chromium with these only (`three` does too)
CHECK_ARGS = ["--no-sandbox", "--disable-background-networking"]
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

# The edit mix's probe: the last input event (or click) starts an edit, the port count showing
# the expected text ends it; long tasks (Long Tasks API) and the worker's timing of every answer
# (`received`/`sent` are epoch ms, comparable with the page's clock) are kept for the report.
# Each edit is split on the page's clock: input → first message posted to the worker
# (`toPost`), posted → the last answer's message event (`round`), that event → the count
# drawn (`toDom`; JSON.parse, the store, React's render and commit).
_MIX_PROBE = r"""(() => {
  const w = window.__nodefoxMix = {want: null, t: 0, got: [], long: [], answers: [], posts: {}, el: null, starts: [],
                                   split: [], posted: [], arrived: []};
  // `expect` sets what ends the edit; `done` resolves then (no polling: it would load the page)
  w.expect = (want) => { w.want = want; w.el = null; w.done = new Promise(r => { w.settle = r; }); };
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) w.long.push([e.startTime, e.duration]); })
      .observe({type: 'longtask', buffered: true});
  } catch (e) { /* no Long Tasks API: no long tasks reported */ }
  const start = () => { w.t = performance.now(); };
  document.addEventListener('input', start, true);
  document.addEventListener('click', start, true);
  new MutationObserver(() => {
    if (!w.want) return;
    const [node, port, text] = w.want;
    if (!w.el || !w.el.isConnected) {
      w.el = document.querySelector(`.react-flow__node[data-id="${node}"] [data-testid="port-count"][data-port="${port}"]`);
    }
    if (w.el && w.el.textContent.trim() === text) {
      const now = performance.now();
      w.got.push(now - w.t); w.starts.push(w.t); w.want = null;
      const post = w.posted.find(p => p >= w.t);
      const last = w.arrived.filter(a => a >= w.t && a <= now).at(-1);
      w.split.push(post === undefined || last === undefined ? null : {toPost: post - w.t, round: last - post, toDom: now - last});
      w.settle();
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const d = event.data || {};
        if (d.kind !== 'result' || d.received === undefined) return;
        w.arrived.push(performance.now());
        const now = performance.timeOrigin + performance.now();
        const posted = w.posts[d.id];
        w.answers.push({toWorker: posted === undefined ? null : d.received - posted, queued: d.waited,
                        handle: d.ms, back: now - d.sent});
      });
    }
    postMessage(m, ...rest) {
      if (m && m.id !== undefined) { w.posts[m.id] = performance.timeOrigin + performance.now(); w.posted.push(performance.now()); }
      return super.postMessage(m, ...rest);
    }
  };
})();"""

_MIX_ITEMS = [{"i": i} for i in range(20)]
# data → two limits (the edits of issue 16) and a filter whose conditions list grows and shrinks
MIX_DOC = {
    "nodefox": 1, "name": "Edit mix", "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [
        {"id": "d", "type": "data", "name": "Data", "position": [0, 0], "params": {"items": _MIX_ITEMS}},
        {"id": "a", "type": "limit", "name": "A", "position": [300, -160], "params": {"max": 10}},
        {"id": "b", "type": "limit", "name": "B", "position": [300, 0], "params": {"max": 10}},
        {"id": "f", "type": "filter", "name": "F", "position": [300, 160],
         "params": {"combinator": "or", "conditions": [{"left": "={{ $json.i }}", "op": "lt", "right": 10}]}},
    ],
    "edges": [{"id": "e1", "source": "d", "target": "a"}, {"id": "e2", "source": "d", "target": "b"},
              {"id": "e3", "source": "d", "target": "f"}],
}  # fmt: skip
# one round of the mix: (what, node); "type" is select-all-then-type, "set" sets the field's
# value as a paste or autofill does, "add"/"remove" change the filter's conditions list
_MIX_ROUND = [("type", "a"), ("set", "a"), ("type", "a"), ("set", "b"), ("type", "b"), ("set", "b"),
              ("add", "f"), ("remove", "f"), ("type", "a"), ("set", "b")]  # fmt: skip


# issue 16's acceptance check as written: data → two limits, 40 edits 60 ms apart, half
# select-all-then-type and half set as a paste does, the node switched every 5 edits (so the
# first edit after selecting a node is among them); edit → the limit's count drawn
THREE_DOC = {
    "nodefox": 1, "name": "Three nodes", "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [n for n in MIX_DOC["nodes"] if n["id"] != "f"],
    "edges": [e for e in MIX_DOC["edges"] if e["target"] != "f"],
}  # fmt: skip
_THREE_ROUND = [("type", "a"), ("set", "a"), ("type", "a"), ("set", "a"), ("type", "a"),
                ("set", "b"), ("type", "b"), ("set", "b"), ("type", "b"), ("set", "b")]  # fmt: skip


def _report_mix_doc() -> dict:
    """`report` (scripts/workloads.py, ~60 nodes on 1,000 orders) with a filter on its
    customers whose conditions list grows and shrinks, as MIX_DOC's does."""
    import workloads

    doc = workloads.report(1000)
    doc["nodes"].append({"id": "f", "type": "filter", "name": "f", "params": {
        "combinator": "or", "conditions": [{"left": "={{ $json.credit }}", "op": "lt", "right": 100}]}})
    doc["edges"].append({"id": "ef", "source": "customers", "target": "f"})
    return doc  # fmt: skip


# the edits of each figure: (document, one round, the limits' inputs' counts and their
# max now, the filter's kept count before and after its second condition, how to click)
FIGURES = {
    "three": lambda: (THREE_DOC, _THREE_ROUND, {"a": (20, 10), "b": (20, 10)}, None, "click"),
    "small": lambda: (MIX_DOC, _MIX_ROUND, {"a": (20, 10), "b": (20, 10)}, ("f", 10, 20), "click"),
    # top20 reads ~500 items, lastlim ~700 (the big branch and the lanes' merge): any max
    # below 20 is its count; 61 nodes are small at fit zoom, so a node is clicked by event
    "report": lambda: (_report_mix_doc(), [(w, {"a": "top20", "b": "lastlim"}.get(n, n)) for w, n in _MIX_ROUND],
                       {"top20": (1000, 20), "lastlim": (1000, 5)}, ("f", 10, 50), "dispatch"),
}  # fmt: skip


def mixed(browser, url: str, edits: int = 200, throttle: float = 1.0, figure: str = "small",
          profile: Path | None = None) -> dict:
    """One figure's edits in a fresh context; figures in ms (see the module's docstring).
    `profile`: write the page's CPU profile of the edits there (DevTools' .cpuprofile)."""
    doc, round_, limits, listed, how = FIGURES[figure]()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(_MIX_PROBE)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(url)
        page.evaluate("async () => { while (!window.nodefox) await new Promise(r => setTimeout(r, 5)); await window.nodefox.ready; }")
        cdp = context.new_cdp_session(page)
        if throttle > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.evaluate("d => window.nodefox.editor.load(d)", doc)
        counts = {node: now for node, (_, now) in limits.items()}
        ready = [(node, "out", str(now)) for node, now in counts.items()]
        if listed:
            ready.append((listed[0], "kept", str(listed[1])))
        for node, port, text in ready:
            page.locator(f'.react-flow__node[data-id="{node}"] [data-testid="port-count"][data-port="{port}"]').filter(
                has_text=text).wait_for()  # fmt: skip
        page.wait_for_timeout(300)
        if profile:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})  # µs
            cdp.send("Profiler.start")
        start = page.evaluate("() => performance.now()")
        firsts: list[float] = []
        selected = None
        i = 0
        while i < edits:
            what, node = round_[i % len(round_)]
            switched = node != selected
            if switched:
                head = page.locator(f'.react-flow__node[data-id="{node}"] .fx-node-head')
                if how == "click":
                    head.click()
                else:
                    head.dispatch_event("click")
                page.locator(f'[data-testid="inspector"][data-node="{node}"]').wait_for()
                selected = node
            if what in ("type", "set"):
                value = 3 + (i * 7) % 17
                if value == counts[node]:
                    value += 1
                counts[node] = value
                want = [node, "out", str(min(value, limits[node][0]))]
                page.evaluate("w => window.__nodefoxMix.expect(w)", want)
                field = page.locator('[data-testid="inspector"] [data-param="/max"]')
                if what == "type":
                    field.click()
                    page.keyboard.press("ControlOrMeta+a")
                    page.keyboard.type(str(value))
                else:
                    field.fill(str(value))
            else:
                want = [node, "kept", str(listed[2] if what == "add" else listed[1])]
                page.evaluate("w => window.__nodefoxMix.expect(w)", want)
                if what == "add":
                    page.locator('[data-testid="inspector"] [data-add="/conditions"]').click()
                else:
                    page.locator('[data-testid="inspector"] [aria-label="Remove /conditions/1"]').click()
            page.evaluate("() => Promise.race([window.__nodefoxMix.done, new Promise((_, no) => setTimeout(() => no(new Error('the count never showed ' + window.__nodefoxMix.want)), 20000))])")
            if switched:
                firsts.append(page.evaluate("() => window.__nodefoxMix.got.at(-1)"))
            page.wait_for_timeout(60)  # a person's next keystroke comes a little later
            i += 1
        if profile:
            profile.write_text(json.dumps(cdp.send("Profiler.stop")["profile"]))
        mix = page.evaluate("() => window.__nodefoxMix")
        long = [d for t, d in mix["long"] if t >= start]
        answers = mix["answers"][-len(mix["got"]):]
        return {"edit_ms": mix["got"], "edit_at_ms": [t - start for t in mix["starts"]],
                "long_tasks_at_ms": [[t - start, d] for t, d in mix["long"] if t >= start], "first_after_select_ms": firsts, "long_tasks_ms": long,
                "worker_handle_ms": [a["handle"] for a in answers], "worker_queued_ms": [a["queued"] for a in answers],
                "answer_back_ms": [a["back"] for a in answers],
                **{f"split_{k}_ms": [x[k] if x else None for x in mix["split"]] for k in ("toPost", "round", "toDom")}}  # fmt: skip
    finally:
        context.close()

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
      // the last answer the page took (by message or from shared memory) splits the edit
      const posted = times.posted.find(t => t >= t0);
      const taken = window.nodefox.timing();
      const split = posted !== undefined && taken.at >= posted && taken.at <= t1;
      resolve({ms: t1 - t0, toWorker: split ? posted - t0 : null, worker: split ? taken.at - posted : null,
               toDom: split ? t1 - taken.at : null, engine: split ? taken.handleMs : null});
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
    out: dict = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                for rate in (1, 4):  # the edit mix of issue 16, plain and under 4x CPU throttling
                    try:
                        got = mixed(browser, url, 40 if quick else 200, throttle=rate)
                        out.update({f"mix{'' if rate == 1 else f'_x{rate}'}_{k}": v for k, v in got.items()})
                    except Exception as exc:  # report, do not hide, what went wrong
                        out[f"mix_x{rate}_skipped"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                loads, page = _loads(browser, url, report, 1 if quick else 5)
                out.update(loads)
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


class _Server:
    """`nodefox serve` on a free port, as people (and the browser tests) run it."""

    def __init__(self, site: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nodefox", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--site", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nodefox serve exited: {self.process.stderr.read().decode()}") from None
                time.sleep(0.05)
        raise RuntimeError("nodefox serve did not start")

    def shutdown(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def server_close(self) -> None:
        pass


def _serve(site: Path) -> tuple[_Server, str]:
    server = _Server(site)
    return server, f"http://127.0.0.1:{server.port}/"


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


def _summary(xs: list[float]) -> str:
    if not xs:
        return "none"
    ys = sorted(xs)
    p95 = ys[min(len(ys) - 1, int(round(0.95 * (len(ys) - 1))))]
    return f"n={len(ys)} median {ys[len(ys) // 2]:.1f} p95 {p95:.1f} max {ys[-1]:.1f}"


def _p95(xs: list[float]) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(round(0.95 * (len(ys) - 1))))]


def main() -> None:
    """The edit figures alone, plain and throttled:
    `python scripts/bench_browser.py [--figures three,small,report] [--edits N] [--runs R]`."""
    import argparse

    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(prog="bench_browser.py")
    ap.add_argument("--figures", default="three,small,report", help=f"which of {','.join(FIGURES)}")
    ap.add_argument("--edits", type=int, default=None, help="edits per run (default: 40 for three, else 200)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--throttle", default="1,4", help="CPU throttling rates, comma-separated")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--profile", type=Path, help="write the page's CPU profile of each run here (NAME-FIGURE-xRATE-RUN.cpuprofile)")
    ap.add_argument("--site", type=Path, default=Path(__file__).resolve().parents[1] / "build" / "site")
    args = ap.parse_args()
    server, url = _serve(args.site)
    kept: dict = {}
    try:
        with sync_playwright() as pw:
            for figure in args.figures.split(","):
                flags = CHECK_ARGS if figure == "three" else ARGS
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags, headless=True)
                edits = args.edits or (40 if figure == "three" else 200)
                for rate in [float(r) for r in args.throttle.split(",")]:
                    runs = kept.setdefault(f"{figure} x{rate:g}", [])
                    for run_no in range(args.runs):
                        where = args.profile and Path(f"{args.profile}-{figure}-x{rate:g}-{run_no + 1}.cpuprofile")
                        got = mixed(browser, url, edits, throttle=rate, figure=figure, profile=where)
                        runs.append(got)
                        print(f"{figure} x{rate:g} run {run_no + 1}: edit → count drawn {_summary(got['edit_ms'])}; "
                              f"first after selecting: max {max(got['first_after_select_ms'], default=0):.1f}; "
                              f"long tasks {len(got['long_tasks_ms'])} (max {max(got['long_tasks_ms'], default=0):.0f}); "
                              f"handle() {_summary(got['worker_handle_ms'])}; answer → page {_summary(got['answer_back_ms'])}",
                              flush=True)  # fmt: skip
                        print("   split: " + "; ".join(f"{k} {_summary([x for x in got[f'split_{k}_ms'] if x is not None])}"
                                                    for k in ("toPost", "round", "toDom")), flush=True)  # fmt: skip
                    p95s = sorted(_p95(r["edit_ms"]) for r in runs)
                    print(f"== {figure} x{rate:g}: {len(runs)} runs of {edits} edits: p95 median {p95s[len(p95s) // 2]:.1f} "
                          f"(runs {', '.join(f'{x:.1f}' for x in p95s)}); max {max(max(r['edit_ms']) for r in runs):.1f}",
                          flush=True)  # fmt: skip
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        if args.json:
            args.json.write_text(json.dumps(kept))


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # workloads.py
    main()
