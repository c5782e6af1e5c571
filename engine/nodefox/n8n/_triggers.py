"""n8n's Webhook, Respond to Webhook, Schedule Trigger and Interval nodes as NodeFox's
`webhook`, `respond` and `schedule` (server.md): an imported workflow runs on its hook
and its schedule under `nodefox serve DIR --triggers`."""

from __future__ import annotations

import json
import re
from typing import Any

from .nodes import Context, Mapped, NotExpressible, Ports, fixed, literal

_PATH = re.compile(r"/?[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?")  # the webhook node's own pattern
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
_RESPOND = {"onReceived": "immediately", "lastNode": "onFinish", "responseNode": "respondNode"}
_SOURCE = Ports([["out"]], [])  # a trigger: no input


def webhook(ctx: Context) -> Mapped:
    path = fixed(ctx.get("path", ""))
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise NotExpressible(f"the path {path!r} has parameters or characters a NodeFox hook path has not")
    method = fixed(ctx.get("httpMethod", "GET"))
    if isinstance(method, list) and len(method) == 1:  # v2 with multipleMethods: one chosen
        method = method[0]
    if method not in _METHODS:
        raise NotExpressible(f"the method {method!r} (several methods, or one given by an expression)")
    if ctx.get("authentication", "none") != "none":
        raise NotExpressible("a webhook that checks who calls it; NodeFox hooks take any caller on the "
                             "server's address (put an authenticating proxy in front)")  # fmt: skip
    mode = ctx.get("responseMode", "onReceived")
    respond = _RESPOND.get(mode)
    if respond is None:
        raise NotExpressible(f"the response mode {mode!r}")
    ctx.differ("the item is {method, path, query, headers, body} (n8n's also has params, webhookUrl "
               "and executionMode)")  # fmt: skip
    if respond == "immediately":
        ctx.differ("answers 202 with the execution's id at once (n8n: 200 'Workflow was started')")
    if respond == "onFinish":
        data = ctx.get("responseData", "firstEntryJson")
        if data != "allEntries":
            ctx.differ("answers with all of the last node's items as a JSON array (n8n's responseData "
                       f"{data!r}: the first one); a Respond to Webhook node answers exactly")  # fmt: skip
    code = ctx.get("responseCode", ctx.get("options.responseCode", 200))
    if code != 200:
        ctx.drop("responseCode", "NodeFox answers a hook's last items with 200; a Respond to Webhook node sets a status")
    return Mapped("webhook", {"path": path, "method": method, "respond": respond}, _SOURCE)


def respond(ctx: Context) -> Mapped:
    params: dict[str, Any] = {}
    what = ctx.get("respondWith", "firstIncomingItem")
    if what == "firstIncomingItem":
        params["items"] = "first"
    elif what == "allIncomingItems":
        params["items"] = "all"
    elif what == "json":
        body = ctx.get("responseBody", "")
        if isinstance(body, str) and body.startswith("="):
            if not re.fullmatch(r"=\s*\{\{.*\}\}\s*", body, re.S):
                raise NotExpressible("JSON text with expressions inside (n8n renders it, then reads it as JSON)")
            params["body"] = body
        else:
            try:
                params["body"] = literal(json.loads(body) if isinstance(body, str) else body)
            except ValueError:
                raise NotExpressible("a response body that is not JSON (n8n fails on it)") from None
    elif what == "text":
        params["body"] = ctx.get("responseBody", "")
    elif what == "noData":
        params["body"] = ""
    else:
        raise NotExpressible(f"responding with {what!r}")
    code = ctx.get("options.responseCode", 200)
    if type(code) is not int or not 100 <= code <= 599:
        raise NotExpressible("a response code given by an expression")
    if code != 200:
        params["status"] = code
    headers = {}
    for entry in ctx.list("options.responseHeaders.entries"):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name.startswith("="):
            raise NotExpressible("a response header name given by an expression")
        headers[name] = entry.get("value", "")
    if headers:
        params["headers"] = headers
    return Mapped("respond", params)


# n8n's Schedule Trigger rule: each interval as a 5-field cron, as n8n builds it
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


def schedule(ctx: Context) -> Mapped:
    rules = ctx.list("rule.interval") or [{}]
    if len(rules) != 1 or not isinstance(rules[0], dict):
        raise NotExpressible("several schedule rules in one node (make one Schedule node each)")
    rule = rules[0]
    field = rule.get("field", "days")
    minute, hour = rule.get("triggerAtMinute", 0), rule.get("triggerAtHour", 0)
    every = {unit: rule.get(f"{unit}Interval", default) for unit, default in
             (("seconds", 30), ("minutes", 5), ("hours", 1), ("days", 1), ("weeks", 1), ("months", 1))}  # fmt: skip
    if not all(type(v) is int and v > 0 for v in every.values()) or type(minute) is not int or type(hour) is not int:
        raise NotExpressible("a schedule given by expressions")
    ctx.differ("the item is {firedAt} (n8n's: timestamp and its readable parts)")
    if field == "seconds":
        return Mapped("schedule", {"everySeconds": every["seconds"]}, _SOURCE)
    if field == "minutes":
        n = every["minutes"]
        return Mapped("schedule", {"cron": "* * * * *" if n == 1 else f"*/{n} * * * *"}, _SOURCE)
    if field == "hours":
        n = every["hours"]
        return Mapped("schedule", {"cron": f"{minute} {'*' if n == 1 else f'*/{n}'} * * *"}, _SOURCE)
    if field == "days":
        n = every["days"]
        return Mapped("schedule", {"cron": f"{minute} {hour} {'*' if n == 1 else f'*/{n}'} * *"}, _SOURCE)
    if field == "weeks":
        days = rule.get("triggerAtDay", [0])
        if every["weeks"] != 1 or not isinstance(days, list) or not days or not all(type(d) is int and 0 <= d <= 6 for d in days):
            raise NotExpressible("a weekly schedule other than every week on given days")
        return Mapped("schedule", {"cron": f"{minute} {hour} * * {','.join(map(str, sorted(days)))}"}, _SOURCE)
    if field == "months":
        day = rule.get("triggerAtDayOfMonth", 1)
        if type(day) is not int or not 1 <= day <= 31:
            raise NotExpressible("a monthly schedule on a day given by an expression")
        n = every["months"]
        return Mapped("schedule", {"cron": f"{minute} {hour} {day} {'*' if n == 1 else f'*/{n}'} *"}, _SOURCE)
    if field == "cronExpression":
        cron = fixed(rule.get("expression", ""))
        fields = cron.split() if isinstance(cron, str) else []
        if len(fields) == 6 and fields[0] == "0":  # n8n's seconds field, at the minute's start
            fields = fields[1:]
        if len(fields) != 5:
            raise NotExpressible(f"the cron expression {cron!r} (NodeFox takes 5 fields)")
        return Mapped("schedule", {"cron": " ".join(fields)}, _SOURCE)
    raise NotExpressible(f"a schedule by {field!r}")


def interval(ctx: Context) -> Mapped:
    n, unit = ctx.get("interval", 1), ctx.get("unit", "seconds")
    if type(n) is not int or n < 1 or unit not in _UNIT_SECONDS:
        raise NotExpressible("an interval that is not a whole number of seconds, minutes or hours")
    ctx.differ("fires on multiples of the interval since 1970 (n8n: since the workflow was activated); "
               "the item is {firedAt}")  # fmt: skip
    return Mapped("schedule", {"everySeconds": n * _UNIT_SECONDS[unit]}, _SOURCE)
