"""Trigger nodes: a webhook call or a schedule starts the workflow; `respond` answers the call.

Nothing listens inside a run. `nodefox serve DIR --triggers` (triggers.py at the package's
top) calls the workflow with the trigger's item as the run's input items, as `trigger` gets
them; in the editor the item comes from `set_input` (or a recorded call), and without one a
sample of the item's shape stands in, so the nodes downstream have fields to preview with.
"""

from __future__ import annotations

from ..errors import NodeError
from .base import NodeCall, NodeType, Outputs, obj_schema
from .http import check_headers

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
RESPOND_MODES = ("onFinish", "immediately", "respondNode")
MIN_EVERY_SECONDS = 1


def webhook_path(path: str) -> str:
    """A webhook's path as `/hook/<path>` matches it: no leading or trailing slash."""
    return path.strip().strip("/")


def run_webhook(call: NodeCall) -> Outputs:
    if call.input_items:
        return {"out": list(call.input_items)}
    params = call.params()
    sample = {"method": params.get("method", "POST"), "path": webhook_path(params.get("path", "")),
              "query": {}, "headers": {}, "body": {}}  # fmt: skip
    return {"out": [sample]}


def run_schedule(call: NodeCall) -> Outputs:
    problem = schedule_problem(call.params())
    if problem is not None:
        raise NodeError(problem[1], path=problem[0])
    if call.input_items:
        return {"out": list(call.input_items)}
    return {"out": [{"firedAt": call.context.now}]}


def run_respond(call: NodeCall) -> Outputs:
    """One item: the answer `{"status", "headers", "body"}` the webhook call gets."""
    params = call.params()
    items = call.first
    if "body" in params:
        body = params["body"]
    elif params.get("items", "all") == "first":
        body = items[0] if items else {}
    else:
        body = list(items)
    headers = params.get("headers") or {}
    bad = [k for k, v in headers.items() if not isinstance(v, str)]
    if bad:
        raise NodeError(f"headers.{bad[0]} must be text", path=f"/headers/{bad[0]}")
    check_headers(headers)  # as a request's headers must
    return {"out": [{"status": params.get("status", 200), "headers": dict(headers), "body": body}]}


# 5-field cron: the fields' names, ranges and the names a field may use instead of numbers
CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def check_cron(cron: str) -> str | None:
    """Why a 5-field cron expression is wrong, or None.

    Checked here, not by the cron library the server fires schedules with, so the editor in
    the browser (which has no such library) and a native run agree on every expression.
    """
    fields = cron.split()
    if len(fields) != 5:
        return f"cron {cron!r} must have 5 fields (minute hour day-of-month month day-of-week)"
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        for part in text.split(","):
            problem = _cron_part(part.lower(), low, high, names)
            if problem is not None:
                return f"cron {cron!r}: {name} {text!r}: {problem}"
    return None


def _cron_part(part: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    span, _, step = part.partition("/")
    if step and not (step.isdigit() and int(step) >= 1):
        return f"the step {step!r} must be a whole number of at least 1"
    if span == "*":
        return None
    bounds = span.split("-")
    if len(bounds) > 2 or not all(bounds):
        return f"{span!r} is not a value or a range"
    values = []
    for bound in bounds:
        if bound in names:
            values.append(names.index(bound) + low)
        elif bound.isdigit() and bound.isascii():
            values.append(int(bound))
        else:
            return f"{bound!r} is not a number" + (f" or a name ({', '.join(names)})" if names else "")
        if not low <= values[-1] <= high:
            return f"{bound} is outside {low}-{high}"
    if len(values) == 2 and values[0] > values[1]:
        return f"the range {span!r} runs backwards"
    return None


def schedule_problem(params: dict) -> tuple[str, str] | None:
    """(param pointer, message) when a schedule's params do not say when to fire."""
    has_cron, has_every = "cron" in params, "everySeconds" in params
    if has_cron == has_every:
        return "", "give either cron (5 fields) or everySeconds, not both or neither"
    if has_cron:
        problem = check_cron(params["cron"])
        if problem is not None:
            return "/cron", problem
    every = params.get("everySeconds")
    if has_every and (type(every) is not int or every < MIN_EVERY_SECONDS):
        return "/everySeconds", f"everySeconds must be a whole number of seconds, at least {MIN_EVERY_SECONDS}"
    return None


SCHEDULE_SCHEMA = obj_schema(
    {
        "cron": {"type": "string", "description": "5 fields: minute hour day month weekday, "
                 "in the workflow's settings.timezone (e.g. '*/5 * * * *')"},
        "everySeconds": {"type": "integer", "minimum": MIN_EVERY_SECONDS,
                         "description": "fire every so many seconds instead of a cron"},
    },
)  # fmt: skip

NODES = [
    NodeType(
        "webhook", "Webhook", "Sources",
        "Starts the workflow when /hook/<path> is called (nodefox serve DIR --triggers). Its item: "
        "{method, path, query, headers, body}; in the editor, the input items or a sample.",
        (), ("out",),
        obj_schema(
            {"path": {"type": "string", "minLength": 1, "pattern": "^/?[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?$",
                      "description": "the URL path after /hook/, e.g. orders/new"},
             "method": {"enum": list(METHODS), "default": "POST", "description": "the HTTP method the hook answers"},
             "respond": {"enum": list(RESPOND_MODES), "default": "onFinish",
                         "description": "onFinish: the respond node's answer, else the last node's items; "
                                        "immediately: 202 at once; respondNode: a respond node's answer"}},
            ["path"],
        ),
        run_webhook, reads=frozenset({"input_items"}),
    ),
    NodeType(
        "schedule", "Schedule", "Sources",
        "Starts the workflow on a 5-field cron (in settings.timezone) or every N seconds "
        "(nodefox serve DIR --triggers). Its item: {firedAt}; in the editor, the input items or $now.",
        (), ("out",), SCHEDULE_SCHEMA,
        run_schedule, reads=frozenset({"input_items", "now"}),
    ),
    NodeType(
        "respond", "Respond to Webhook", "Flow",
        "Sets the webhook call's answer and outputs it as one item {status, headers, body}: body "
        "given, else the input items (items: all) or the first one (items: first).",
        ("in",), ("out",),
        obj_schema(
            {"status": {"type": "integer", "minimum": 100, "maximum": 599, "default": 200,
                        "description": "the answer's HTTP status"},
             "headers": {"type": "object", "default": {}, "additionalProperties": {"type": "string"},
                         "description": "the answer's headers (text values)"},
             "body": {"description": "the answer's body, any JSON value (an expression, often)"},
             "items": {"enum": ["all", "first"], "default": "all",
                       "description": "without body: answer with all input items, or the first"}},
        ),
        run_respond,
    ),
]  # fmt: skip
