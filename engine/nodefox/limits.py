"""Run budgets: how long one run may take, how many items it may make, how much memory it may use.

A workflow file is untrusted. A regular expression that backtracks for ever, a
cross join of two long lists or a field path that pads a list to a billion
entries must end its node with an error that names the budget, not hang the
run or exhaust the machine. Expressions bound each evaluation (`_guards`); these
budgets bound the run as a whole.

- Time: natively, in the main thread, an interval timer (SIGALRM) ticks while
  the run lasts, and its handler raises `BudgetExceeded` inside the node that is
  running once the deadline has passed. CPython's regular-expression matcher
  checks for signals, so a backtracking pattern stops too. Elsewhere (another
  thread, Pyodide) the deadline is checked between nodes, and an interrupt
  (KeyboardInterrupt: Pyodide's interrupt buffer) that arrives after the
  deadline is reported as the budget's. In the browser the page also writes
  a tick signal (`TICK_SIGNAL`) into that buffer while the engine is busy
  (`page_ticks`): each runs the same check as the native timer's tick.
- Part of a node may have a tighter deadline (`time_limit`: a preview's code,
  the editor's setting): past it, that part fails with the node's own error.
- Memory: the same ticks read the process's resident memory (where the system
  tells it) and stop the run once it has grown by more than its budget.
- Items: every item a node produces is counted (`call`), and nodes that
  multiply items say how many they are about to make first (`reserve`), so a
  cross join fails before it is built. Unlike time and memory, this budget
  gives the same result on every machine.

A MemoryError inside a node becomes a node error too.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import ExpressionError, NodeError

DEFAULT_TIMEOUT = 10.0  # seconds a run may take (a stranger's file must end within seconds)
DEFAULT_MAX_ITEMS = 10_000_000  # items all the nodes of a run may produce, in all
DEFAULT_MAX_MEMORY = 400  # megabytes the process may grow by during a run
DEFAULT_CODE_SECONDS = 5.0  # seconds a code node may run in a preview (the editor's setting)
TICK = 0.02  # seconds between two checks of the timer
TICK_SIGNAL = signal.SIGUSR1 if hasattr(signal, "SIGUSR1") else 10  # the page's tick (page_ticks)


class BudgetExceeded(BaseException):
    """The run spent one of its budgets: the running node fails with this message.

    A BaseException, as KeyboardInterrupt is: the `except Exception` that turns an
    item's failure into a warning must not swallow it and carry on.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Budget:
    __slots__ = ("timeout", "deadline", "max_items", "items", "max_memory", "base_memory",
                 "spent", "inside", "outer", "message")  # fmt: skip

    def __init__(self, timeout: float | None, max_items: int | None, max_memory: float | None,
                 outer: _Budget | None):  # fmt: skip
        now = time.monotonic()
        self.timeout = timeout
        self.deadline = now + timeout if timeout is not None else None
        self.max_items = max_items
        self.items = 0
        self.max_memory = max_memory
        self.base_memory: int | None = None
        self.spent: str | None = None  # the message of the budget spent, once one is
        self.inside = False  # a node's function is running
        self.outer = outer
        self.message: str | None = None  # time_limit's: what its deadline says when passed
        if outer is not None:  # a run inside a run: the tighter of both
            if outer.deadline is not None and (self.deadline is None or outer.deadline < self.deadline):
                self.deadline, self.timeout = outer.deadline, outer.timeout
            if outer.max_items is not None:
                left = outer.max_items - outer.items
                if self.max_items is None or left < self.max_items:
                    self.max_items = left

    def time_message(self) -> str:
        if self.message is not None:
            return self.message
        return f"the run took longer than its {_seconds(self.timeout)} s time budget (--timeout)"

    def items_message(self) -> str:
        return f"the run would produce more than {self.max_items:,} items, its item budget (--max-items)"

    def memory_message(self) -> str:
        return f"the run's memory grew by more than {self.max_memory:,g} MB, its memory budget (--max-memory)"

    def overdue(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


# The budget of the run in this thread (the timer's handler runs in the main thread, so
# it sees the main thread's); runs in other threads have their own.
_LOCAL = threading.local()
_MB = 1 << 20


def _active() -> _Budget | None:
    return getattr(_LOCAL, "budget", None)


def _seconds(value: float | None) -> str:
    return f"{value:g}"


@contextmanager
def budget(
    timeout: float | None = DEFAULT_TIMEOUT,
    max_items: int | None = DEFAULT_MAX_ITEMS,
    max_memory: float | None = DEFAULT_MAX_MEMORY,
) -> Iterator[None]:
    """The budgets of one run, for the nodes that run inside this block; None: no limit."""
    for name, value in (("timeout", timeout), ("max_items", max_items), ("max_memory", max_memory)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be a positive number or None, not {value!r}")
    state = _Budget(timeout, max_items, max_memory, _active())
    _LOCAL.budget = state
    timer = _Timer.start(state)
    try:
        yield
    finally:
        if timer is not None:
            timer.stop()
        _LOCAL.budget = state.outer
        if state.outer is not None:
            state.outer.items += state.items


def call(fn: Callable[[Any], dict], node_call: Any) -> dict:
    """Run a node's function within the active budget and count the items it produced.

    Raises BudgetExceeded when a budget is spent (before, during or by this node)
    and NodeError when the machine runs out of memory.
    """
    state = getattr(_LOCAL, "budget", None)  # _active(), without a call per node
    if state is None:
        try:
            return fn(node_call)
        except MemoryError:
            raise NodeError(_OUT_OF_MEMORY) from None
    if state.spent is None and state.overdue():
        state.spent = state.time_message()
    if state.spent is not None:
        raise BudgetExceeded(state.spent)
    if _STOP[0]:  # the page's Stop came between nodes: this one stops before it starts
        _STOP[0] = False
        raise KeyboardInterrupt
    state.inside = True
    try:
        produced = fn(node_call)
    except KeyboardInterrupt:
        if state.overdue():  # the interrupt of whoever watches the clock (the browser's)
            state.spent = state.time_message()
            raise BudgetExceeded(state.spent) from None
        raise
    except MemoryError:
        raise NodeError(_OUT_OF_MEMORY) from None
    finally:
        state.inside = False
    if state.overdue():  # no timer here (another thread, Pyodide): it ran past the deadline
        state.spent = state.time_message()
        raise BudgetExceeded(state.spent)
    if state.max_items is not None:
        items = state.items + sum(map(len, produced.values()))
        if items > state.max_items:  # not counted: the node's items are dropped with it
            raise BudgetExceeded(state.items_message())
        state.items = items
    return produced


_OUT_OF_MEMORY = "the node ran out of memory"


# Told when a time-limited block starts (its seconds and note) and ends (0, None): the
# browser's worker without an interrupt buffer passes it on, so the page can restart it.
_WATCHER: list[Callable[[float, str | None], Any]] = []


def watch(callback: Callable[[float, str | None], Any] | None) -> None:
    """Call `callback(seconds, note)` as each time-limited block starts, `(0, None)` as it ends."""
    _WATCHER[:] = [callback] if callback is not None else []


@contextmanager
def time_limit(seconds: float, message: str, note: str | None = None) -> Iterator[None]:
    """A deadline `seconds` from now for the block (part of a node: a preview's code); past
    it the block stops with NodeError(message), the node's own error, and the run goes on.

    Inside a run's budget the tighter deadline wins: when the run's comes first, the
    run's BudgetExceeded is raised as usual. The block is stopped as a run is (the native
    timer, the page's ticks, an interrupt after the deadline) or, failing all of them,
    when it ends past its deadline.
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be a positive number, not {seconds!r}")
    outer = _active()
    state = _Budget(seconds, None, outer.max_memory if outer else None, outer)
    own = outer is None or outer.deadline is None or state.deadline != outer.deadline
    if own:
        state.message = message
    state.max_items = None  # items are counted by the node's `call`, not here
    state.inside = True
    _LOCAL.budget = state
    timer = _Timer.start(state)
    if outer is not None and outer.base_memory is not None:
        state.base_memory = outer.base_memory  # the run's memory budget holds in here too
    for told in _WATCHER:
        told(seconds, note)
    try:
        yield
    except BudgetExceeded as exc:
        if own and state.spent is not None and exc.message == message:
            raise NodeError(message) from None
        raise
    except KeyboardInterrupt:
        if not state.overdue():
            raise  # the user's Stop
        state.spent = state.time_message()
        if own:
            raise NodeError(message) from None
        raise BudgetExceeded(state.spent) from None
    finally:
        if timer is not None:
            timer.stop()
        _LOCAL.budget = outer
        for told in _WATCHER:
            told(0, None)
    if state.overdue():  # nothing stopped it (no timer, no ticks): it ends late, and fails
        if own:
            raise NodeError(message)
        raise BudgetExceeded(state.time_message())


def page_ticks(signum: int = TICK_SIGNAL) -> None:
    """Take `signum` as a tick of the budget timer (Pyodide: the page writes it into the
    interrupt buffer every so often while the engine is busy, since the wasm has no
    interval timer). Budgets and time limits then stop a node as the native timer does.

    The page's Stop (SIGINT through the same buffer) then stops only a node's run: one
    that comes while no node runs (the engine between nodes, applying ops, writing an
    answer) stops the next node to start within the same call (`drop_stop` ends it)
    instead of breaking whatever Python was doing there (a half-applied batch)."""
    signal.signal(signum, _tick)
    signal.signal(signal.SIGINT, _stop)


_STOP = [False]  # a Stop that came while no node ran, for the next node (page_ticks)


def _stop(signum: int, frame: Any) -> None:
    state = _active()
    if state is not None and state.inside:
        raise KeyboardInterrupt
    _STOP[0] = True


def drop_stop() -> None:
    """End of a call from the page: a Stop that no node took stops nothing later."""
    _STOP[0] = False


def reserve(count: int) -> None:
    """A node is about to produce `count` items (in all so far): fail now if they would not fit."""
    state = _active()
    if state is not None and state.max_items is not None and state.items + count > state.max_items:
        raise BudgetExceeded(state.items_message())


# -- the timer ----------------------------------------------------------------------------------


class _Timer:
    """SIGALRM every TICK seconds while a budget is active (native, main thread only)."""

    def __init__(self, state: _Budget, previous_handler: Any, previous_timer: tuple[float, float],
                 memory: _Memory | None):  # fmt: skip
        self.state = state
        self.previous_handler = previous_handler
        self.previous_timer = previous_timer
        self.memory = memory
        self.started = time.monotonic()

    @classmethod
    def start(cls, state: _Budget) -> _Timer | None:
        if state.deadline is None and state.max_memory is None:
            return None
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return None
        memory = _Memory.open() if state.max_memory is not None else None
        if memory is not None:
            state.base_memory = memory.read()
        elif state.deadline is None:
            return None
        try:
            previous = signal.signal(signal.SIGALRM, _tick)
        except (ValueError, OSError, AttributeError):  # not the main interpreter, or no signals here
            if memory is not None:
                memory.close()
            return None
        try:
            previous_timer = signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
        except (OSError, AttributeError):
            signal.signal(signal.SIGALRM, previous)
            if memory is not None:
                memory.close()
            return None
        timer = cls(state, previous, previous_timer, memory)
        _TIMERS.append(timer)
        return timer

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _TIMERS.remove(self)
        if self.memory is not None:
            self.memory.close()
        signal.signal(signal.SIGALRM, self.previous_handler)
        delay, interval = self.previous_timer
        if delay > 0:  # someone else's timer (an outer run's, a test runner's): as it was
            left = delay - (time.monotonic() - self.started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), interval)


_TIMERS: list[_Timer] = []


SEARCH_SECONDS = 1.0  # longest one regular expression search may take (timed by the ticks)
SEARCH_MESSAGE = (f"the regular expression took longer than {SEARCH_SECONDS:g} s on this text: a "
                  "pattern that nests repetition, such as (a+)+ or (a|aa)*, can take exponential time")  # fmt: skip
_SEARCH = [0.0]  # when the running search started (0: none runs)


def searching(fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)`, a regular expression search, stopped with an ExpressionError naming it
    after SEARCH_SECONDS (where a budget's timer ticks: natively, and in the browser on the
    page's ticks). Python's `re` backtracks without bound; the whole run's budget would
    stop it only at the end, with no word of which expression it was."""
    _SEARCH[0] = time.monotonic()
    try:
        return fn(*args)
    finally:
        _SEARCH[0] = 0.0


def _tick(signum: int, frame: Any) -> None:
    if _SEARCH[0] and time.monotonic() - _SEARCH[0] > SEARCH_SECONDS:
        _SEARCH[0] = 0.0
        raise ExpressionError(SEARCH_MESSAGE)
    state = _active()
    if state is None:
        return
    if state.spent is None:
        if state.overdue():
            state.spent = state.time_message()
        elif _TIMERS:
            timer = _TIMERS[-1]
            if timer.memory is not None and state.max_memory is not None and state.base_memory is not None:
                used = timer.memory.read()
                if used is not None and used - state.base_memory > state.max_memory * _MB:
                    state.spent = state.memory_message()
    if state.spent is not None and state.inside:
        raise BudgetExceeded(state.spent)


class _Memory:
    """The process's resident memory in bytes, read from /proc (Linux) or getrusage's peak."""

    def __init__(self, fd: int | None):
        self.fd = fd

    @classmethod
    def open(cls) -> _Memory | None:
        try:
            return cls(os.open("/proc/self/statm", os.O_RDONLY))
        except OSError:
            pass
        try:
            import resource  # noqa: F401  (Unix)
        except ImportError:
            return None
        return cls(None)

    def read(self) -> int | None:
        try:
            if self.fd is not None:
                return int(os.pread(self.fd, 64, 0).split()[1]) * _PAGE
            import resource

            # the peak, not the current size: it never shrinks, so the check errs lenient
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return peak if _PEAK_IN_BYTES else peak * 1024
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _system(ask: Callable[[], Any], otherwise: Any) -> Any:
    try:
        return ask()
    except (AttributeError, ValueError, OSError):  # a platform without it (Windows, Pyodide)
        return otherwise


_PAGE = _system(lambda: os.sysconf("SC_PAGE_SIZE"), 4096)
_PEAK_IN_BYTES = _system(lambda: os.uname().sysname == "Darwin", False)  # getrusage: bytes, not KiB
