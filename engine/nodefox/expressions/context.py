"""The context an expression reads besides `$json` and `$index`: `$input`, `$("Name")`, `$vars`, ..."""

from __future__ import annotations

from typing import Any

from .. import _guards as g
from .. import _json
from ..errors import ExpressionError
from ..functions import date_format_in


class _Ports(g.Exposed):
    """Items by port: `.all(port=None)`, and its `.first()` and `.last()`."""

    __slots__ = ()

    def all(self, port: Any = None) -> list:
        raise NotImplementedError

    def first(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[0] if items else None

    def last(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[-1] if items else None


class NodeRef(_Ports):
    """`$("Name")`: the outputs of another node."""

    __slots__ = ("_name", "_outputs", "_first", "_index")
    _exposed = frozenset({"all", "first", "last", "item", "json"})

    def __init__(self, name: str, outputs: dict[str, list], first: str | None, index: int):
        self._name, self._outputs, self._first, self._index = name, outputs, first, index

    def all(self, port: Any = None) -> list:
        if port is None:
            port = self._first
        port = str(port)
        if port not in self._outputs and self._first is not None and port != self._first:
            raise ExpressionError(f'$("{self._name}") has no output port {port!r}')
        return self._outputs.get(port, [])

    @property
    def item(self) -> Any:
        items = self.all()
        return items[self._index] if 0 <= self._index < len(items) else None

    @property
    def json(self) -> Any:
        return self.first()


class InputRef(_Ports):
    """`$input`: the node's own input items."""

    __slots__ = ("_inputs", "_first")
    _exposed = frozenset({"all", "first", "last"})

    def __init__(self, inputs: dict[str, list], first: str | None):
        self._inputs, self._first = inputs, first

    def all(self, port: Any = None) -> list:
        if port is None and self._first is None:
            return []  # a node without input ports: a source
        port = self._first if port is None else str(port)
        if port not in self._inputs:
            raise ExpressionError(f"this node has no input port {port!r}")
        return self._inputs[port]


def _no_nodes(name: str) -> None:
    return None


class Context:
    """Everything an expression can read besides `$json` and `$index`.

    `lookup(name)` gives the outputs and first output port of an ancestor of
    this node, or None when the named node is not an ancestor; `names` holds
    every node name so a non-ancestor is told apart from a missing node.
    One is made per node run, so the rarely used parts are made on first use.
    """

    __slots__ = ("vars", "now", "timezone", "workflow", "inputs", "first_input", "lookup", "names")

    def __init__(
        self,
        vars: dict | None = None,
        now: str = "1970-01-01T00:00:00Z",
        timezone: str = "UTC",
        workflow: dict | None = None,
        inputs: dict[str, list] | None = None,
        first_input: str | None = None,
        lookup: Any = _no_nodes,
        names: Any = frozenset(),
    ):
        self.vars = {} if vars is None else vars
        self.now = now
        self.timezone = timezone
        self.workflow = {} if workflow is None else workflow
        self.inputs = {} if inputs is None else inputs
        self.first_input = first_input
        self.lookup = lookup
        self.names = names

    @property
    def today(self) -> str:
        return self.now[:10]

    @property
    def input(self) -> InputRef:
        return InputRef(self.inputs, self.first_input)

    @property
    def date_format(self) -> Any:
        return date_format_in(self.timezone)

    def ref(self, name: Any, index: int) -> NodeRef:
        found = self.lookup(name) if type(name) is str else None
        if found is None:
            if name in self.names:
                raise ExpressionError(
                    f'$("{name}") is not an ancestor of this node; connect it upstream first'
                )
            raise ExpressionError(f"there is no node named {_json.dumps(name)}")
        outputs, first = found
        return NodeRef(name, outputs, first, index)

