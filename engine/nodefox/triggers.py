"""Running a workspace's triggers natively (`nodefox serve DIR --triggers`, `nodefox up DIR`).

- `Config`: what `DIR/nodefox.toml` grants the workflows (network, writing) and how many
  executions are kept. Nothing else is granted: a workflow file cannot ask for more.
- `Index`: the webhook paths and schedules found in the workspace's files, re-read when a
  file changes.
- `Scheduler`: when each schedule fires next; driven by a clock it is given, so tests move
  time themselves.
- `Runner`: queues an execution in the store, runs it in a pool of worker processes (one
  slow workflow does not hold up the rest) and records its end.
- `execute`: what a worker does with one execution; the webhook's answer is made there too,
  from the run result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import multiprocessing
import os
import sys
import threading
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _json
from . import limits as run_limits
from .executions import Limits, Store
from .nodes.triggers import RESPOND_MODES, schedule_problem, webhook_path
from .workspace import Workspace, WorkspaceError
from .world import permitted_hosts

CONFIG = "nodefox.toml"
MAX_BODY = 10 * 1024 * 1024  # bytes: a webhook body larger than this gets 413
PRUNE_EVERY = 10  # executions between two prunings: the limits hold within 10 executions
# headers the server sets itself from the answer: a respond node's would break the framing
FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer"})


class ConfigError(Exception):
    """nodefox.toml cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Config:
    allow_net: Any = None  # None, True or a list of host names
    allow_write: bool = False
    limits: Limits = field(default_factory=Limits)
    max_body: int = MAX_BODY
    # each run's budgets (nodefox run's --timeout, --max-items, --max-memory); None: no limit
    timeout: float | None = run_limits.DEFAULT_TIMEOUT
    max_items: int | None = run_limits.DEFAULT_MAX_ITEMS
    max_memory: float | None = run_limits.DEFAULT_MAX_MEMORY


def load_config(root: Path) -> Config:
    """`DIR/nodefox.toml`; no file grants nothing. Unknown keys are refused (a typo would
    otherwise quietly grant less, or more, than meant)."""
    path = root / CONFIG
    if not path.is_file():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    known = {"allow_net", "allow_write", "max_body", "executions", "timeout", "max_items", "max_memory"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    net = raw.get("allow_net")
    if not (net is None or isinstance(net, bool) or (isinstance(net, list) and all(isinstance(h, str) for h in net))):
        raise ConfigError(f"{path}: allow_net must be true, false or a list of host names")
    if isinstance(net, list):
        try:
            net = permitted_hosts(net)
        except ValueError as exc:
            raise ConfigError(f"{path}: allow_net takes {exc}") from None
    write = raw.get("allow_write", False)
    if not isinstance(write, bool):
        raise ConfigError(f"{path}: allow_write must be true or false")
    body = raw.get("max_body", MAX_BODY)
    if not isinstance(body, int) or isinstance(body, bool) or body < 0:
        raise ConfigError(f"{path}: max_body must be a number of bytes")
    ex = raw.get("executions", {})
    if not isinstance(ex, dict) or set(ex) - {"max_age_days", "max_count"}:
        raise ConfigError(f"{path}: [executions] takes max_age_days and max_count")
    for key in ex:
        if not isinstance(ex[key], int | float) or isinstance(ex[key], bool) or ex[key] < 0:
            raise ConfigError(f"{path}: executions.{key} must be a positive number")
    limits = Limits(ex.get("max_age_days"), None if ex.get("max_count") is None else int(ex["max_count"]))
    budgets = {}
    for key in ("timeout", "max_items", "max_memory"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{path}: {key} must be a positive number (0: no limit)")
            budgets[key] = value or None
    return Config(allow_net=None if net is False else net, allow_write=write, limits=limits, max_body=body, **budgets)


# -- which workflow a trigger starts ---------------------------------------------------------


@dataclass(frozen=True)
class Hook:
    workflow: str
    node: str
    method: str
    respond: str


@dataclass(frozen=True)
class Schedule:
    workflow: str
    node: str
    cron: str | None
    every: int | None
    timezone: str


class Index:
    """The workspace's webhooks by path and its schedules, re-read when its files change."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self._signature: tuple = ()
        self.hooks: dict[str, Hook] = {}
        self.schedules: list[Schedule] = []
        self.problems: list[str] = []
        self.texts: dict[str, bytes] = {}  # each workflow file's bytes, as read at the last change
        self.changed = 0  # counts re-reads, for the scheduler

    def refresh(self) -> None:
        """Re-read the files if any was added, removed or changed (one directory read when
        none was, so it is done on every call)."""
        files = tuple((name, info.st_mtime_ns, info.st_size, info.st_ino) for name, info in self.workspace.scan())
        signature = (files, tuple(self.workspace.skipped))
        if signature == self._signature:
            return
        self._signature = signature
        hooks: dict[str, Hook] = {}
        schedules: list[Schedule] = []
        problems: list[str] = self.workspace.skipped_problems()
        texts: dict[str, bytes] = {}
        for name, *_ in files:
            try:
                text, _ = self.workspace.read_bytes(name)
                doc = _json.loads(text)
            except (WorkspaceError, OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
                problems.append(f"{name}: not a readable workflow ({type(exc).__name__}: {exc}); its triggers are off")
                continue
            texts[name] = text
            if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
                problems.append(f"{name}: not a workflow (no nodes list); its triggers are off")
                continue
            tz = ((doc.get("settings") or {}).get("timezone")) or "UTC"
            for node in doc["nodes"]:
                if not isinstance(node, dict) or node.get("disabled"):
                    continue
                params = node.get("params") if isinstance(node.get("params"), dict) else {}
                if node.get("type") == "webhook" and isinstance(params.get("path"), str):
                    path = webhook_path(params["path"])
                    mode = params.get("respond", "onFinish")
                    hook = Hook(name, str(node.get("id")), str(params.get("method", "POST")).upper(),
                                mode if mode in RESPOND_MODES else "onFinish")  # fmt: skip
                    if path in hooks:
                        problems.append(f"{name}: webhook path {path!r} is taken by {hooks[path].workflow}; ignored")
                    else:
                        hooks[path] = hook
                elif node.get("type") == "schedule":
                    problem = schedule_problem(params)
                    if problem is not None:
                        problems.append(f"{name}: schedule {node.get('id')}: {problem[1]}")
                        continue
                    schedules.append(Schedule(name, str(node.get("id")), params.get("cron"),
                                              params.get("everySeconds"), str(tz)))  # fmt: skip
        self.texts = texts
        self.hooks, self.schedules, self.problems = hooks, schedules, problems
        self.changed += 1
        for problem in problems:
            print(f"nodefox: {problem}", file=sys.stderr, flush=True)


def next_fire(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` (aware) that the schedule fires, in UTC."""
    if schedule.every is not None:
        # aligned to the epoch, so a restart keeps the same rhythm
        seconds = int(after.timestamp()) // schedule.every * schedule.every + schedule.every
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    from croniter import croniter

    try:
        zone = zoneinfo.ZoneInfo(schedule.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    found = croniter(schedule.cron, after.astimezone(zone)).get_next(dt.datetime)
    return found.astimezone(dt.UTC)


class Scheduler:
    """Next fire times of the index's schedules; `due(now)` says which fire now."""

    def __init__(self, index: Index, now: dt.datetime):
        self.index = index
        self._seen = -1
        self._next: dict[Schedule, dt.datetime] = {}
        self._sync(now)

    def _sync(self, now: dt.datetime) -> None:
        if self._seen == self.index.changed:
            return
        self._seen = self.index.changed
        kept = {s: t for s, t in self._next.items() if s in self.index.schedules}
        for schedule in self.index.schedules:
            if schedule not in kept:
                try:
                    kept[schedule] = next_fire(schedule, now)
                except Exception as exc:  # e.g. 31 February: a date that never comes
                    print(f"nodefox: {schedule.workflow}: schedule {schedule.node} never fires: {exc}",
                          file=sys.stderr, flush=True)  # fmt: skip
        self._next = kept

    def due(self, now: dt.datetime) -> list[tuple[Schedule, dt.datetime]]:
        """The schedules whose time has come, each with the time it was due (once each,
        however late: a missed tick is not repeated)."""
        self._sync(now)
        fired = []
        for schedule, at in list(self._next.items()):
            if at <= now:
                fired.append((schedule, at))
                try:
                    self._next[schedule] = next_fire(schedule, max(at, now))
                except Exception:  # no later date (a leap day long ahead is still found)
                    del self._next[schedule]
        return fired

    def wait(self, now: dt.datetime, most: float = 1.0) -> float:
        """Seconds to sleep before the next fire (at most `most`, so file changes are seen)."""
        self._sync(now)
        if not self._next:
            return most
        soonest = min(self._next.values())
        return max(0.0, min(most, (soonest - now).total_seconds()))


# -- running one execution (in a worker process) ---------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # ok, error, failed
    result: str | None  # canonical result
    error: str | None
    answer: tuple[int, dict, bytes]  # the webhook's answer: status, headers, body


def _json_answer(status: int, value: Any) -> tuple[int, dict, bytes]:
    return status, {"content-type": "application/json"}, _json.dumps(value).encode()


def answer_of(doc: Any, result: dict, mode: str) -> tuple[int, dict, bytes]:
    """What the webhook call gets: the first respond node that answered, else (onFinish) the
    last node's items; a run that failed first gets 500 naming the node."""
    types = {n.id: n.type for n in doc.nodes}
    nodes = result["nodes"]
    for node_id in result["order"]:
        entry = nodes[node_id]
        if types.get(node_id) == "respond" and entry.get("outputs", {}).get("out"):
            answer = entry["outputs"]["out"][0]
            headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()
                       if str(k).lower() not in FRAMING}  # fmt: skip
            body = answer.get("body")
            status = int(answer.get("status", 200))
            if status < 200 or status in (204, 304):  # answers that carry no body
                return status, headers, b""
            if isinstance(body, str):
                headers.setdefault("content-type", "text/plain; charset=utf-8")
                data = body.encode("utf-8", "replace")
            else:
                headers.setdefault("content-type", "application/json")
                data = _json.dumps(body).encode()
            return status, headers, data
    for node_id in result["order"]:
        error = nodes[node_id].get("error")
        if nodes[node_id]["status"] == "error" and error:
            return _json_answer(500, {"error": f"node {node_id}: {error.get('message')}"})
    if mode == "respondNode":
        return _json_answer(500, {"error": "the workflow ended without reaching a respond node"})
    for node_id in reversed(result["order"]):
        entry = nodes[node_id]
        outputs = entry.get("outputs")
        if outputs and entry["status"] in ("ok", "pinned", "disabled"):
            return _json_answer(200, next(iter(outputs.values()), []))
    return _json_answer(200, [])


def execute(text: bytes, input_items: list | None, grants: dict, mode: str) -> Outcome:
    """Run one workflow file's text with `grants` (run()'s permission and budget keywords);
    never raises (a failure is an Outcome)."""
    from .document import load_text
    from .errors import NodeFoxError
    from .execute import canonical, run

    try:
        doc = load_text(text.decode("utf-8"))
        credentials = {}
        if any("credential" in n.params for n in doc.nodes):
            from . import credentials as store  # the default file and NODEFOX_CREDENTIAL_<NAME>

            credentials = store.load()
        result = run(doc, input_items, credentials=credentials, **grants)
        return Outcome(result["status"], canonical(result), None, answer_of(doc, result, mode))
    except (NodeFoxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
        message = str(exc) if not isinstance(exc, RecursionError) else "the document nests too deeply"
        return Outcome("failed", None, message, _json_answer(500, {"error": message}))


def _watch_parent(parent: int) -> None:
    """In a worker: end when the server is gone (killed), instead of lingering."""
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    from . import execute as _  # noqa: F401  (imported once, before the first run)


def _noop() -> None:
    return None


# -- the runner: queue, pool, record ---------------------------------------------------------


@dataclass
class Job:
    execution: int
    workflow: str
    text: bytes
    input_items: list | None
    mode: str = "onFinish"
    started: bool = False  # queued straight as running (a worker slot was free)
    node: str | None = None  # the trigger node that fired: the workflow's others give nothing


class Runner:
    """Queues executions in the store and runs them in worker processes.

    Called from the server's event loop only (the store's connection is used there alone).
    At most `workers` executions are `running` at once; the rest wait as `queued`, so the
    `running` mark means a worker really has it.
    """

    def __init__(self, workspace: Workspace, store: Store, config: Config, workers: int | None = None):
        self.workspace, self.store, self._config = workspace, store, config
        self._config_seen = _stat_key(workspace.root / CONFIG)
        self.workers = max(1, workers or os.cpu_count() or 2)
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.slots = asyncio.Semaphore(self.workers)
        self.finished = 0
        self.tasks: set[asyncio.Task] = set()

    @property
    def config(self) -> Config:
        """nodefox.toml as it is now: re-read when the file changes, so a permission taken
        away applies to the next run. A file that no longer reads keeps the last good one
        and the server says why."""
        seen = _stat_key(self.workspace.root / CONFIG)
        if seen != self._config_seen:
            self._config_seen = seen
            try:
                self._config = load_config(self.workspace.root)
            except ConfigError as exc:
                print(f"nodefox: {exc}; keeping the settings read before", file=sys.stderr, flush=True)
        return self._config

    def _make_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_watch_parent, initargs=(os.getpid(),),
        )  # fmt: skip

    async def start(self) -> None:
        self.pool = self._make_pool()
        loop = asyncio.get_running_loop()
        # start every worker now, so the first calls do not wait for Python to start
        await asyncio.gather(*(loop.run_in_executor(self.pool, _noop) for _ in range(self.workers)))
        self.prune()
        for row in self.store.recover():
            self._rerun(row)

    async def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def _rerun(self, row: dict) -> None:
        """A queued execution from before a restart: run it if its workflow is unchanged."""
        try:
            text, _ = self.workspace.read_bytes(row["workflow"])
        except (WorkspaceError, OSError) as exc:
            self.store.finish(row["id"], "failed", None, f"not run after a restart: {exc}")
            return
        if _hash(text) != row["hash"]:
            self.store.finish(row["id"], "failed", None,
                              "not run after a restart: the workflow file changed since it was queued")  # fmt: skip
            return
        self.background(Job(row["id"], row["workflow"], text, row["input"],
                            node=firing_node(text, row["trigger"], row["input"])))  # fmt: skip

    def queue(self, workflow: str, text: bytes, trigger: str, input_items: list | None,
              mode: str = "onFinish", run_next: bool = False, node: str | None = None) -> Job:  # fmt: skip
        """Write the execution down. `run_next`: the caller awaits `run(job)` right away,
        so when a worker slot is free the row is written as `running` at once (one write
        less); nothing else can take the slot in between, as no await comes between."""
        started = run_next and not self.slots.locked()
        execution = self.store.queue(workflow, _hash(text), trigger, input_items, started)
        return Job(execution, workflow, text, input_items, mode, started, node)

    def background(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self.run(job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self, job: Job) -> Outcome:
        async with self.slots:
            if not job.started:
                self.store.start(job.execution)
            outcome = await self._in_worker(job)
        self.store.finish(job.execution, outcome.status, outcome.result, outcome.error)
        self.finished += 1
        if self.finished % PRUNE_EVERY == 0:
            self.prune()
        return outcome

    async def _in_worker(self, job: Job) -> Outcome:
        config = self.config
        grants = {"allow_net": config.allow_net, "allow_write": config.allow_write, "files": str(self.workspace.files),
                  "timeout": config.timeout, "max_items": config.max_items, "max_memory": config.max_memory}  # fmt: skip
        args = (job.text, job.input_items, {**grants, "trigger": job.node}, job.mode)
        loop = asyncio.get_running_loop()
        try:
            if self.pool is None:
                raise concurrent.futures.process.BrokenProcessPool("the server is stopping")
            return await loop.run_in_executor(self.pool, execute, *args)
        except concurrent.futures.process.BrokenProcessPool:
            # a worker died (killed, out of memory): this execution failed; later ones get a new pool
            if self.pool is not None and getattr(self.pool, "_broken", False):
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._make_pool()
            message = "the worker process running this execution died"
            return Outcome("failed", None, message, _json_answer(500, {"error": message}))

    def prune(self) -> None:
        limits = self.config.limits
        if limits.max_age_days is not None or limits.max_count is not None:
            self.store.prune(limits)


def firing_node(text: bytes, trigger: str, input_items: list | None) -> str | None:
    """The trigger node that started a recorded execution, found again from its item (a
    queued one run after a restart): the webhook with the called path, the workflow's only
    schedule; None when it cannot be told (every trigger node then gives the item)."""
    try:
        doc = _json.loads(text)
        nodes = [n for n in doc["nodes"] if isinstance(n, dict) and n.get("type") == trigger]
        if trigger == "webhook":
            path = webhook_path(str(input_items[0]["path"]))
            nodes = [n for n in nodes if webhook_path(str((n.get("params") or {}).get("path", ""))) == path]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return str(nodes[0].get("id")) if len(nodes) == 1 else None


def _stat_key(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _hash(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


# -- the schedule loop ------------------------------------------------------------------------


async def schedule_loop(index: Index, runner: Runner, clock: Callable[[], dt.datetime] | None = None) -> None:
    """Fire the workspace's schedules on time until cancelled."""
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    scheduler = Scheduler(index, clock())
    while True:
        try:
            index.refresh()
            now = clock()
            for schedule, at in scheduler.due(now):
                text = index.texts.get(schedule.workflow)
                if text is None:
                    continue
                item = {"firedAt": at.isoformat().replace("+00:00", "Z")}
                runner.background(runner.queue(schedule.workflow, text, "schedule", [item], node=schedule.node))
        except Exception as exc:  # the store busy or gone: say so, keep the clock going
            print(f"nodefox: a schedule could not fire: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        await asyncio.sleep(scheduler.wait(clock()))
