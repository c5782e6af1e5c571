"""One root exception and the specific failures the engine reports."""

from __future__ import annotations

from dataclasses import dataclass


class NodeFoxError(Exception):
    """Root of every error the engine raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One reason a document is rejected, located by JSON pointer."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DocumentError(NodeFoxError):
    """A workflow document that cannot run; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"the workflow is not valid ({len(problems)} problem(s)):\n{lines}")


class ExpressionError(NodeFoxError):
    """An expression that cannot be parsed, is not allowed, or failed."""

    def __init__(self, message: str, expression: str | None = None):
        super().__init__(message)
        self.message = message
        self.expression = expression


class NodeError(NodeFoxError):
    """A node failed; the facts a message needs travel with it."""

    def __init__(
        self,
        message: str,
        *,
        item: int | None = None,
        path: str | None = None,
        expression: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.item = item
        self.path = path
        self.expression = expression

    def located(self, *, item: int | None = None, path: str | None = None) -> NodeError:
        """This error with an item index or parameter path filled in where missing."""
        return NodeError(
            self.message,
            item=self.item if self.item is not None else item,
            path=self.path if self.path is not None else path,
            expression=self.expression,
        )

    def as_dict(self) -> dict:
        out: dict = {"message": self.message}
        if self.item is not None:
            out["item"] = self.item
        if self.path is not None:
            out["path"] = self.path
        if self.expression is not None:
            out["expression"] = self.expression
        return out

    def describe(self) -> str:
        where = []
        if self.item is not None:
            where.append(f"item {self.item}")
        if self.path is not None and not self.message.startswith(f"{self.path}: "):  # a schema's says it
            where.append(self.path)
        return f"{', '.join(where)}: {self.message}" if where else self.message
