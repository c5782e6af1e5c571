"""The table of n8n node types NodeFox translates (`n8n-nodes-base.<key>`)."""

from __future__ import annotations

from typing import Any

from . import _flow, _io, _set, _triggers
from .nodes import (
    aggregate,
    code,
    dedupe,
    item_lists,
    limit,
    noop,
    rename,
    sort,
    split_out,
    summarize,
    trigger,
)  # fmt: skip

MAPPERS: dict[str, Any] = {
    "manualTrigger": trigger, "start": trigger, "executeWorkflowTrigger": trigger,
    "noOp": noop, "code": code, "function": code, "functionItem": code,
    "sort": sort, "limit": limit, "removeDuplicates": dedupe, "splitOut": split_out,
    "aggregate": aggregate, "summarize": summarize, "renameKeys": rename, "itemLists": item_lists,
    "set": _set.set_, "if": _flow.if_, "filter": _flow.filter_, "switch": _flow.switch,
    "merge": _flow.merge, "httpRequest": _io.http, "readWriteFile": _io.read_write_file,
    "extractFromFile": _io.extract_from_file, "convertToFile": _io.convert_to_file,
    "spreadsheetFile": _io.spreadsheet_file, "readBinaryFile": _io.read_write_file, "writeBinaryFile": _io.read_write_file,
    "webhook": _triggers.webhook, "respondToWebhook": _triggers.respond, "scheduleTrigger": _triggers.schedule,
    "interval": _triggers.interval,
}  # fmt: skip
