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


def permitted_hosts(hosts: list) -> list[str]:
    """Host names as a permission holds them (lower case, `[::1]` as `::1`); ValueError
    naming the first that is empty, a URL or has a port, which would never match a host."""
    out = []
    for given in hosts:
        host = given.strip().lower()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        elif host.count(":") == 1:  # two or more: an IPv6 address
            raise ValueError(f"host names, not URLs or ports: {given}")
        if not host or "/" in host:
            raise ValueError(f"host names, not URLs or ports: {given}" if host else "no empty host name")
        out.append(host)
    return out


class ReadCache:
    """Results of `read` effects by key (world.md: method, URL, headers, body, credential
    name; or file name and content hash), shared by every node that makes the same read,
    bounded (least recently used out). Each key remembers the nodes that read it, so one
    node's reads can be dropped (`refresh`)."""

    def __init__(self, limit: int = MAX_CACHED):
        self.limit = limit
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._readers: dict[str, set[str]] = {}

    def get(self, node_id: str, key: str) -> Any:
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            self._readers[key].add(node_id)
        return hit

    def put(self, node_id: str, key: str, value: Any) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        self._readers.setdefault(key, set()).add(node_id)
        while len(self._entries) > self.limit:
            old, _ = self._entries.popitem(last=False)
            del self._readers[old]

    def drop(self, node_id: str | None = None) -> set[str]:
        """Forget one node's reads, or all; the nodes that had read what was forgotten."""
        if node_id is None:
            readers = set().union(*self._readers.values())
            self._entries.clear()
            self._readers.clear()
            return readers
        readers: set[str] = set()
        for key in [k for k, nodes in self._readers.items() if node_id in nodes]:
            readers |= self._readers.pop(key)
            del self._entries[key]
        return readers

    def forget(self, node_id: str) -> None:
        """A node that is gone reads nothing; what it read stays for the others (and for an
        undo that brings it back)."""
        for nodes in self._readers.values():
            nodes.discard(node_id)

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
            flag = f"[{host}]" if ":" in host else host  # an IPv6 address, as the flag takes it
            raise NodeError(
                f"this workflow is not allowed to contact {host}: pass --allow-net={flag} "
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
