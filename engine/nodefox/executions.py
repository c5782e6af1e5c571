"""Recorded executions: every trigger run (and `nodefox run --record DIR`), in SQLite at
`DIR/.nodefox/executions.db`.

An execution is written down *before* it runs (`queued`), marked `running` when a worker
takes it and finished with the run's status (`ok`, `error`) and canonical result. So a
crash or restart forgets none: on start, the runner runs the `queued` ones again (their
input is stored with them) and marks the `running` ones `failed`, since a half-done run
may have had effects that must not happen twice.

WAL mode lets the server write while `nodefox executions` (another process) reads. With
`NODEFOX_DATABASE_URL` set to a PostgreSQL URL the same table lives on that server instead
(through psycopg 3); one database holds one workspace's executions.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _json

STATUSES = ("queued", "running", "ok", "error", "failed")
FINISHED = ("ok", "error", "failed")
BUSY_MS = 10_000  # how long a write waits for another process's write to end
DB_NAME = "executions.db"

DATABASE_URL = "NODEFOX_DATABASE_URL"

SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id {id},
    workflow TEXT NOT NULL,
    hash TEXT NOT NULL,
    trigger TEXT NOT NULL,
    input TEXT,
    queued TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    status TEXT NOT NULL,
    error TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS executions_status ON executions (status);
CREATE INDEX IF NOT EXISTS executions_workflow ON executions (workflow, id)
"""
ID_COLUMN = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY"}
COLUMNS = ("id", "workflow", "hash", "trigger", "queued", "started", "finished", "status", "error")


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def db_path(workspace: str | os.PathLike) -> Path:
    return Path(workspace) / ".nodefox" / DB_NAME


@dataclass(frozen=True)
class Limits:
    """How many executions are kept (nodefox.toml `[executions]`): None keeps all."""

    max_age_days: float | None = None
    max_count: int | None = None


class Store:
    """The executions table of one workspace (one connection; used by one thread at a time).

    SQL is written once with `?` placeholders; PostgreSQL gets `%s`.
    """

    def __init__(self, path: str | os.PathLike | None = None, url: str | None = None):
        if url is not None:
            self.dialect = "postgresql"
            self.path = None
            self.db = _postgres(url)
        else:
            assert path is not None
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.dialect = "sqlite"
            self.path = path
            self.db = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None,
                                      check_same_thread=False)  # fmt: skip
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL under WAL: a commit survives the process dying (what a crash here means);
            # only a power cut may lose the last commits
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        for statement in SCHEMA.format(id=ID_COLUMN[self.dialect]).split(";"):
            if statement.strip():
                self.db.execute(statement)

    @classmethod
    def of(cls, workspace: str | os.PathLike) -> Store:
        """The workspace's store: NODEFOX_DATABASE_URL when set, else DIR/.nodefox/executions.db."""
        url = os.environ.get(DATABASE_URL)
        if url:
            return cls(url=url)
        return cls(db_path(workspace))

    @staticmethod
    def exists(workspace: str | os.PathLike) -> bool:
        return bool(os.environ.get(DATABASE_URL)) or db_path(workspace).is_file()

    def execute(self, sql: str, args: tuple = ()) -> Any:
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        return self.db.execute(sql, args)

    def close(self) -> None:
        self.db.close()

    # -- the life of one execution ---------------------------------------------------------

    def queue(self, workflow: str, hash: str, trigger: str, input_items: list | None,
              started: bool = False) -> int:  # fmt: skip
        """A new execution, `queued` (or `running` at once when `started`); its id."""
        now = now_text()
        cur = self.execute(
            "INSERT INTO executions (workflow, hash, trigger, input, queued, started, status) "
            "VALUES (?,?,?,?,?,?,?) RETURNING id",
            (workflow, hash, trigger, None if input_items is None else _json.dumps(input_items),
             now, now if started else None, "running" if started else "queued"),
        )  # fmt: skip
        return int(cur.fetchone()[0])

    def start(self, execution: int) -> None:
        self.execute("UPDATE executions SET status='running', started=? WHERE id=?",
                        (now_text(), execution))  # fmt: skip

    def finish(self, execution: int, status: str, result: str | None, error: str | None = None) -> None:
        assert status in FINISHED, status
        self.execute(
            "UPDATE executions SET status=?, finished=?, result=?, error=? WHERE id=?",
            (status, now_text(), result, error, execution),
        )

    def recover(self) -> list[dict]:
        """After a crash: `running` ones become `failed`; the `queued` ones, to run again."""
        self.execute(
            "UPDATE executions SET status='failed', finished=?, "
            "error='interrupted: the server stopped while this execution ran' WHERE status='running'",
            (now_text(),),
        )
        rows = self.execute(
            "SELECT id, workflow, hash, trigger, input FROM executions WHERE status='queued' ORDER BY id"
        ).fetchall()
        return [{"id": r[0], "workflow": r[1], "hash": r[2], "trigger": r[3],
                 "input": None if r[4] is None else _json.loads(r[4])} for r in rows]  # fmt: skip

    # -- reading ---------------------------------------------------------------------------

    def list(self, workflow: str | None = None, status: str | None = None, limit: int = 100,
             before: int | None = None) -> list[dict]:  # fmt: skip
        where, args = [], []
        for column, value in (("workflow", workflow), ("status", status)):
            if value is not None:
                where.append(f"{column}=?")
                args.append(value)
        if before is not None:
            where.append("id<?")
            args.append(before)
        sql = f"SELECT {', '.join(COLUMNS)} FROM executions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        rows = self.execute(sql, (*args, limit)).fetchall()
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    def get(self, execution: int) -> dict | None:
        row = self.execute(
            f"SELECT {', '.join(COLUMNS)}, input, result FROM executions WHERE id=?", (execution,)
        ).fetchone()
        if row is None:
            return None
        out = dict(zip(COLUMNS, row[: len(COLUMNS)], strict=True))
        out["input"] = None if row[-2] is None else _json.loads(row[-2])
        out["result"] = None if row[-1] is None else _json.loads(row[-1])
        return out

    def counts(self) -> dict[str, int]:
        return dict(self.execute("SELECT status, count(*) FROM executions GROUP BY status").fetchall())

    # -- pruning ---------------------------------------------------------------------------

    def prune(self, limits: Limits, now: float | None = None) -> int:
        """Delete finished executions older than the age limit or beyond the count; how many."""
        removed = 0
        finished = "status IN ('ok','error','failed')"
        if limits.max_age_days is not None:
            cutoff = dt.datetime.fromtimestamp((now or time.time()) - limits.max_age_days * 86400, dt.UTC)
            cutoff_text = cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            removed += self.execute(f"DELETE FROM executions WHERE {finished} AND queued<?",
                                       (cutoff_text,)).rowcount  # fmt: skip
        if limits.max_count is not None:
            removed += self.execute(
                f"DELETE FROM executions WHERE {finished} AND id NOT IN "
                "(SELECT id FROM executions ORDER BY id DESC LIMIT ?)", (limits.max_count,),
            ).rowcount
        return removed


def _postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise RuntimeError(f"{DATABASE_URL} is set but psycopg is not installed "
                           "(pip install 'psycopg[binary]')") from None  # fmt: skip
    return psycopg.connect(url, autocommit=True)


def table(rows: Iterable[dict[str, Any]]) -> str:
    """Executions as aligned text columns, for `nodefox executions`."""
    heads = ("id", "workflow", "trigger", "status", "queued", "finished", "error")
    lines = [heads] + [tuple("" if r.get(h) is None else str(r[h]) for h in heads) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(heads))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines) + "\n"  # fmt: skip
