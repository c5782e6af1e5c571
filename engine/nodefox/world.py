"""What a run may do outside itself: permissions, credentials, the files folder,
the network transport and the live session's cache of reads (`world.md`).

A `World` is given to a run (natively by `nodefox run` flags, in the browser by
the session's `set_permissions` / `set_credentials` ops). Node types with an
effect reach the outside only through it, so a permission is checked in one
place and nothing is sent without it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import NodeError

EFFECTS = ("none", "read", "write")
MAX_CACHED = 256  # reads remembered per session (least recently used out first)
SECRET = "***"


def host_allowed(host: str, allowed: Any) -> bool:
    """Whether `host` is in `allowed`: None (nothing), True (any) or a list of names,
    where `*.example.com` matches example.com's subdomains."""
    if allowed is True:
        return True
    if not allowed:
        return False
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = str(pattern).lower().rstrip(".")
        if pattern == host or pattern == "*":
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


class ReadCache:
    """Results of `read` effects by key, per node, bounded (least recently used out)."""

    def __init__(self, limit: int = MAX_CACHED):
        self.limit = limit
        self._entries: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def get(self, node_id: str, key: str) -> Any:
        hit = self._entries.get((node_id, key))
        if hit is not None:
            self._entries.move_to_end((node_id, key))
        return hit

    def put(self, node_id: str, key: str, value: Any) -> None:
        self._entries[(node_id, key)] = value
        self._entries.move_to_end((node_id, key))
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def drop(self, node_id: str | None = None) -> None:
        """Forget one node's reads, or all."""
        if node_id is None:
            self._entries.clear()
        else:
            for key in [k for k in self._entries if k[0] == node_id]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class World:
    """The outside a run may reach. The default reaches nothing."""

    allow_net: Any = None  # None: no network; True: any host; [hosts]
    allow_write: bool = False
    files: str | None = None  # the files folder (natively: --files, default the workflow's folder)
    credentials: dict[str, dict] = field(default_factory=dict)
    # how requests are sent: None means the default (urllib3) transport; tests may give a fake
    transport: Callable[..., Any] | None = None
    cache: ReadCache | None = None  # live session only: reads by key
    # in the editor served by `nodefox serve`: {"url", "token"} of its /relay, which requests go
    # through (an API without CORS headers then answers the page too); None sends them directly
    relay: dict | None = None
    preview: bool = False  # a preview: unpinned `write` nodes wait instead of running
    code_seconds: float | None = None  # a preview's time limit for each code node (limits.time_limit)

    def check_net(self, host: str) -> None:
        if not host_allowed(host, self.allow_net):
            raise NodeError(
                f"this workflow is not allowed to contact {host}: pass --allow-net={host} "
                f"to `nodefox run` (allow_net=[{host!r}] in nodefox.run; allow_net in the folder's "
                "nodefox.toml for the server's triggers), or allow it in the editor"
            )

    def check_write(self, what: str) -> None:
        if not self.allow_write:
            raise NodeError(
                f"this workflow is not allowed to write {what}: pass --allow-write to "
                "`nodefox run` (allow_write=True in nodefox.run; allow_write = true in the "
                "folder's nodefox.toml for the server's triggers)"
            )

    def secrets(self) -> list[str]:
        """Every secret value among the credentials, to hide wherever they could show."""
        found = []
        for cred in self.credentials.values():
            if isinstance(cred, dict):
                for key in ("token", "password", "value"):
                    value = cred.get(key)
                    if isinstance(value, str) and value:
                        found.append(value)
        return found

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, SECRET)
        return text
