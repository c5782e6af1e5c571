"""Credentials: secrets a node names but a document never holds (`world.md`).

A credential is one of

    {"type": "bearer", "token"}            Authorization: Bearer <token>
    {"type": "basic", "user", "password"}  Authorization: Basic base64(user:password)
    {"type": "header", "name", "value"}    <name>: <value>
    {"type": "query", "name", "value"}     ?<name>=<value> added to the URL

each with `"hosts": ["api.github.com", "*.example.com"]`, and is attached only to a
request whose host is among its hosts. Messages here never quote a secret: they
name the credential and the field.

Natively `load()` reads them from a JSON file of credentials by name (refused when
group or others can read it) and from `NODEFOX_CREDENTIAL_<NAME>` variables; in the
browser the session receives them with `set_credentials`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from .errors import NodeFoxError
from .world import host_allowed

DEFAULT_FILE = "~/.config/nodefox/credentials.json"
ENV_PREFIX = "NODEFOX_CREDENTIAL_"
# the fields each type needs besides "type" and "hosts"; the secret ones are hidden
FIELDS = {
    "bearer": ("token",),
    "basic": ("user", "password"),
    "header": ("name", "value"),
    "query": ("name", "value"),
}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class CredentialError(NodeFoxError):
    """A credential that cannot be used, or a credentials source that cannot be read."""


def problem(cred: Any) -> str | None:
    """What is wrong with one credential's shape, in words that quote no secret; or None."""
    if type(cred) is not dict:
        return "must be an object with type and hosts"
    kind = cred.get("type")
    if kind not in FIELDS:
        return f"type must be one of {', '.join(FIELDS)}"
    for name in FIELDS[kind]:
        if type(cred.get(name)) is not str:
            return f"{name!r} must be text ({kind} credentials need {', '.join(FIELDS[kind])})"
    if kind == "header" and not _HEADER_NAME.match(cred["name"]):
        return "'name' must be an HTTP header name"
    if any(c in cred.get(n, "") for n in FIELDS[kind] for c in "\r\n"):
        return "a field holds a line break"
    hosts = cred.get("hosts")
    if type(hosts) is not list or not hosts or not all(type(h) is str and h for h in hosts):
        return "'hosts' must be a non-empty list of host names (the credential is sent only to them)"
    return None


def find(credentials: Mapping[str, Any], name: str) -> Any:
    """The credential called `name`: by exact name, else by the name as an environment
    variable spells it (`my-api` is `NODEFOX_CREDENTIAL_MY_API`, loaded as `my_api`)."""
    if name in credentials:
        return credentials[name]
    wanted = env_name(name)
    for key, cred in credentials.items():
        if env_name(key) == wanted:
            return cred
    return None


def env_name(name: str) -> str:
    """How an environment variable spells a credential's name (after the prefix)."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def applies(cred: dict, host: str) -> bool:
    """Whether this credential may be sent to `host`."""
    return host_allowed(host, cred.get("hosts") or None)


def attach(cred: dict, headers: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Headers with the credential's header set (replacing one of the same name, in any
    case), and the query pairs it adds to the URL."""
    kind = cred["type"]
    if kind == "query":
        return headers, [(cred["name"], cred["value"])]
    if kind == "bearer":
        name, value = "Authorization", f"Bearer {cred['token']}"
    elif kind == "basic":
        name, value = "Authorization", f"Basic {_basic(cred)}"
    else:
        name, value = cred["name"], cred["value"]
    out = {k: v for k, v in headers.items() if k.lower() != name.lower()}
    out[name] = value
    return out, []


def _basic(cred: dict) -> str:
    return base64.b64encode(f"{cred['user']}:{cred['password']}".encode()).decode("ascii")


def secret_forms(credentials: Mapping[str, Any]) -> list[str]:
    """Every text a secret can take on the wire besides itself: a basic credential's
    base64 token, a query credential's URL-encoded value. World.secrets() has the rest."""
    found = []
    for cred in credentials.values():
        if type(cred) is not dict or problem(cred) is not None:
            continue
        if cred["type"] == "basic":
            found.append(_basic(cred))
        elif cred["type"] == "query" and cred["value"]:
            found.append(quote_plus(cred["value"]))
    return [f for f in found if f]


# -- natively: a file and the environment --------------------------------------------


def load(path: str | None = None, environ: Mapping[str, str] | None = None) -> dict[str, dict]:
    """The credentials for a native run: the file's, then the environment's on top.

    `path` None means the default file, which may be missing; a file named on purpose
    must exist. Raises CredentialError with a message that quotes no secret.
    """
    environ = os.environ if environ is None else environ
    found: dict[str, dict] = {}
    file = Path(os.path.expanduser(path or DEFAULT_FILE))
    if path is not None or file.exists():
        found.update(_from_file(file))
    for var in sorted(environ):
        if var.startswith(ENV_PREFIX) and len(var) > len(ENV_PREFIX):
            name = var[len(ENV_PREFIX) :].lower()
            found[name] = _checked(_parse(environ[var], f"${var}"), f"${var}")
    return found


def _from_file(file: Path) -> dict[str, dict]:
    where = f"credentials file {file}"
    try:
        info = file.stat()
    except OSError as exc:
        raise CredentialError(f"cannot read {where}: {exc.strerror or exc}") from None
    if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        raise CredentialError(
            f"{where} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}): "
            f"run `chmod 600 {file}` so only you can read it"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(f"cannot read {where}: {getattr(exc, 'strerror', None) or exc}") from None
    data = _parse(text, where)
    if type(data) is not dict:
        raise CredentialError(f"{where} must hold a JSON object of credentials by name")
    return {name: _checked(cred, f"{where}: credential {name!r}") for name, cred in data.items()}


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        # the standard library's message gives the position only, never the text
        raise CredentialError(f"{where} is not valid JSON (line {getattr(exc, 'lineno', '?')}, "
                              f"column {getattr(exc, 'colno', '?')})") from None  # fmt: skip


def _checked(cred: Any, where: str) -> dict:
    trouble = problem(cred)
    if trouble is not None:
        raise CredentialError(f"{where}: {trouble}")
    return cred
