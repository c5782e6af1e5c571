"""A parser for JavaScript expressions, the language inside n8n's `{{ }}`.

It reads the expression grammar of ECMAScript 2022 (literals, template
literals, regular expression literals, member access and calls with optional
chaining, `new`, unary, binary, logical and conditional operators, arrow
functions, spread) into a small tree of dataclasses. Statements, assignments
and classes are not expressions n8n users write inside `{{ }}`; they raise
`JSSyntaxError`, which the translator reports.

Why our own: the pure-Python JavaScript parsers on PyPI (esprima-python,
pyjsparser, calmjs.parse) are unmaintained or stop at ES5/ES2017, so they
cannot read `?.` and `??`, which n8n expressions use often. An expression
grammar is small enough to write as a precedence-climbing parser, and it runs
unchanged in Pyodide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 100  # nesting of an expression; deeper is refused, not recursed into


class JSSyntaxError(ValueError):
    """The text is not a JavaScript expression this parser reads."""


# -- the tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: int | float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Lit:
    """`true`, `false`, `null`, `undefined`."""

    value: Any
    name: str


@dataclass(frozen=True)
class Template:
    quasis: tuple[str, ...]
    exprs: tuple[Any, ...]


@dataclass(frozen=True)
class Regex:
    pattern: str
    flags: str


@dataclass(frozen=True)
class Ident:
    name: str


@dataclass(frozen=True)
class Arr:
    elems: tuple[Any, ...]


@dataclass(frozen=True)
class Obj:
    """Properties as (key, value) pairs; a spread is (None, Spread)."""

    props: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True)
class Member:
    obj: Any
    prop: str
    optional: bool = False


@dataclass(frozen=True)
class Index:
    obj: Any
    key: Any
    optional: bool = False


@dataclass(frozen=True)
class Call:
    callee: Any
    args: tuple[Any, ...]
    optional: bool = False


@dataclass(frozen=True)
class New:
    callee: Any
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    arg: Any


@dataclass(frozen=True)
class Binary:
    """Also `&&`, `||` and `??`."""

    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Cond:
    test: Any
    then: Any
    other: Any


@dataclass(frozen=True)
class Arrow:
    params: tuple[str, ...]
    body: Any


@dataclass(frozen=True)
class Spread:
    arg: Any


# -- tokens --------------------------------------------------------------------

_PUNCTUATORS = sorted(
    [">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "**", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "?", ":", "=", ".", "@", "#"],
    key=len,
    reverse=True,
)
_KEYWORDS = frozenset(
    ["break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "export", "extends", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new", "return", "super", "switch", "this", "throw", "try", "typeof", "var", "void", "while", "with", "yield", "await"]
)
_BINARY = {
    "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "instanceof": 8, "in": 8,
    "<<": 9, ">>": 9, ">>>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
}  # fmt: skip
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LINE_ENDS = "\n\r\u2028\u2029"


@dataclass
class Token:
    kind: str  # "name", "num", "str", "punct", "template", "end"
    value: Any
    start: int
    end: int
    newline_before: bool = False


def _is_id_start(c: str) -> bool:
    return c.isalpha() or c in "$_"


def _is_id_part(c: str) -> bool:
    return c.isalnum() or c in "$_\u200c\u200d"


@dataclass
class _Parser:
    src: str
    pos: int = 0
    depth: int = 0
    tok: Token = field(init=False)

    def __post_init__(self) -> None:
        self.tok = self._scan()

    # -- scanning --

    def _fail(self, message: str, at: int | None = None) -> JSSyntaxError:
        where = self.tok.start if at is None else at
        return JSSyntaxError(f"{message} at character {where + 1}")

    def _skip_space(self) -> bool:
        newline = False
        s, n = self.src, len(self.src)
        while self.pos < n:
            c = s[self.pos]
            if c in _LINE_ENDS:
                newline = True
                self.pos += 1
            elif c.isspace() or c == "\ufeff":
                self.pos += 1
            elif s.startswith("//", self.pos):
                while self.pos < n and s[self.pos] not in _LINE_ENDS:
                    self.pos += 1
            elif s.startswith("/*", self.pos):
                end = s.find("*/", self.pos + 2)
                if end < 0:
                    raise self._fail("a comment is not closed", self.pos)
                newline = newline or any(c in s[self.pos : end] for c in _LINE_ENDS)
                self.pos = end + 2
            else:
                break
        return newline

    def _scan(self) -> Token:
        newline = self._skip_space()
        s, start = self.src, self.pos
        if start >= len(s):
            return Token("end", None, start, start, newline)
        c = s[start]
        if _is_id_start(c) or c == "\\":
            while self.pos < len(s) and _is_id_part(s[self.pos]):
                self.pos += 1
            if self.pos == start:
                raise self._fail("escapes in names are not supported", start)
            return Token("name", s[start : self.pos], start, self.pos, newline)
        if c.isdigit() or (c == "." and start + 1 < len(s) and s[start + 1].isdigit()):
            return Token("num", self._number(), start, self.pos, newline)
        if c in "'\"":
            return Token("str", self._string(c), start, self.pos, newline)
        if c == "`":
            self.pos += 1
            return Token("template", None, start, self.pos, newline)
        for p in _PUNCTUATORS:
            if s.startswith(p, start):
                if p == "?." and start + 2 < len(s) and s[start + 2].isdigit():
                    continue  # `a?.5:b` is a conditional
                self.pos += len(p)
                return Token("punct", p, start, self.pos, newline)
        raise self._fail(f"unexpected character {c!r}", start)

    def _number(self) -> int | float:
        s, start = self.src, self.pos
        if s[start] == "0" and start + 1 < len(s) and s[start + 1] in "xXoObB":
            base = {"x": 16, "o": 8, "b": 2}[s[start + 1].lower()]
            self.pos += 2
            while self.pos < len(s) and (s[self.pos].isalnum() or s[self.pos] == "_"):
                self.pos += 1
            digits = s[start + 2 : self.pos].replace("_", "")
            if digits.endswith("n"):
                raise self._fail("BigInt literals are not supported", start)
            try:
                return int(digits, base)
            except ValueError:
                raise self._fail("a malformed number", start) from None
        while self.pos < len(s) and (s[self.pos].isdigit() or s[self.pos] in "._"):
            self.pos += 1
        if self.pos < len(s) and s[self.pos] in "eE":
            self.pos += 1
            if self.pos < len(s) and s[self.pos] in "+-":
                self.pos += 1
            while self.pos < len(s) and s[self.pos].isdigit():
                self.pos += 1
        text = s[start : self.pos].replace("_", "")
        if self.pos < len(s) and (_is_id_start(s[self.pos]) or s[self.pos].isdigit()):
            raise self._fail("a malformed number", start)
        if len(text) > 1 and text[0] == "0" and text[1].isdigit():
            raise self._fail("legacy octal numbers are not supported", start)
        try:
            value = float(text)
        except ValueError:
            raise self._fail("a malformed number", start) from None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value

    def _escape(self) -> str:
        """The character after a backslash (self.pos is past the backslash)."""
        s = self.src
        if self.pos >= len(s):
            raise self._fail("a string is not closed", self.pos)
        c = s[self.pos]
        self.pos += 1
        if c in _ESCAPES and not (c == "0" and self.pos < len(s) and s[self.pos].isdigit()):
            return _ESCAPES[c]
        if c == "x":
            return self._hex(2)
        if c == "u":
            if s.startswith("{", self.pos):
                end = s.find("}", self.pos)
                if end < 0:
                    raise self._fail("a malformed \\u{...} escape", self.pos)
                digits, self.pos = s[self.pos + 1 : end], end + 1
                return self._code_point(digits)
            return self._surrogates(self._hex(4))
        if c in _LINE_ENDS:  # a line continuation
            if c == "\r" and s.startswith("\n", self.pos):
                self.pos += 1
            return ""
        if c.isdigit():
            raise self._fail("octal escapes are not supported", self.pos - 2)
        return c

    def _hex(self, n: int) -> str:
        digits = self.src[self.pos : self.pos + n]
        self.pos += n
        return self._code_point(digits) if len(digits) == n else self._code_point("")

    def _code_point(self, digits: str) -> str:
        try:
            return chr(int(digits, 16))
        except (ValueError, OverflowError):
            raise self._fail("a malformed escape", self.pos) from None

    def _surrogates(self, first: str) -> str:
        """A \\uD83D\\uDE00 pair is one character, as in JavaScript strings."""
        if "\ud800" <= first <= "\udbff" and self.src.startswith("\\u", self.pos):
            low = self.src[self.pos + 2 : self.pos + 6]
            try:
                second = chr(int(low, 16))
            except ValueError:
                return first
            if "\udc00" <= second <= "\udfff":
                self.pos += 6
                return chr(0x10000 + ((ord(first) - 0xD800) << 10) + (ord(second) - 0xDC00))
        return first

    def _string(self, quote: str) -> str:
        s, out = self.src, []
        self.pos += 1
        while True:
            if self.pos >= len(s):
                raise self._fail("a string is not closed", self.pos)
            c = s[self.pos]
            if c == quote:
                self.pos += 1
                return "".join(out)
            if c == "\\":
                self.pos += 1
                out.append(self._escape())
            elif c in "\n\r":
                raise self._fail("a string is not closed before the line ends", self.pos)
            else:
                out.append(c)
                self.pos += 1

    def _regex(self, start: int) -> Regex:
        s, i, in_class = self.src, start + 1, False
        while True:
            if i >= len(s) or s[i] in _LINE_ENDS:
                raise self._fail("a regular expression is not closed", start)
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                break
            i += 1
        pattern, i = s[start + 1 : i], i + 1
        flags_start = i
        while i < len(s) and _is_id_part(s[i]):
            i += 1
        self.pos = i
        return Regex(pattern, s[flags_start:i])

    # -- token helpers --

    def _next(self) -> Token:
        tok, self.tok = self.tok, self._scan()
        return tok

    def _is(self, value: str) -> bool:
        return self.tok.kind == "punct" and self.tok.value == value

    def _is_name(self, name: str) -> bool:
        return self.tok.kind == "name" and self.tok.value == name

    def _expect(self, value: str) -> None:
        if not self._is(value):
            got = "the end" if self.tok.kind == "end" else repr(self.src[self.tok.start : self.tok.end])
            raise self._fail(f"expected {value!r}, found {got}")
        self._next()

    def _reset(self, pos: int) -> None:
        self.pos = pos
        self.tok = self._scan()

    # -- grammar --

    def expression(self) -> Any:
        """AssignmentExpression (the comma operator is not read)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._fail("the expression nests too deeply")
        try:
            arrow = self._arrow()
            if arrow is not None:
                return arrow
            node = self._binary(0)
            if self._is("?"):
                self._next()
                then = self.expression()
                self._expect(":")
                node = Cond(node, then, self.expression())
            if self.tok.kind == "punct" and self.tok.value.endswith("=") and self.tok.value not in _BINARY:
                raise self._fail(f"assignment ({self.tok.value}) is not an expression n8n can evaluate here")
            return node
        finally:
            self.depth -= 1

    def _arrow(self) -> Arrow | None:
        start = self.tok.start
        if self.tok.kind == "name" and self.tok.value not in _KEYWORDS:
            saved = self.pos
            name = self._next().value
            if self._is("=>") and not self.tok.newline_before:
                self._next()
                return Arrow((name,), self._arrow_body())
            self._reset(start)
            del saved
            return None
        if not self._is("("):
            return None
        self._next()
        params: list[str] = []
        ok = True
        while not self._is(")"):
            if self.tok.kind != "name" or self.tok.value in _KEYWORDS:
                ok = False
                break
            params.append(self._next().value)
            if self._is(","):
                self._next()
            elif not self._is(")"):
                ok = False
                break
        if ok:
            self._next()
            if self._is("=>"):
                self._next()
                return Arrow(tuple(params), self._arrow_body())
        self._reset(start)
        return None

    def _arrow_body(self) -> Any:
        if not self._is("{"):
            return self.expression()
        # `{ return expr; }` is the only block we read: anything else is a program
        self._next()
        if not self._is_name("return"):
            raise self._fail("an arrow function with statements is not an expression")
        self._next()
        body = self.expression()
        if self._is(";"):
            self._next()
        self._expect("}")
        return body

    def _binary(self, min_prec: int) -> Any:
        left = self._unary()
        while True:
            op = self.tok.value if self.tok.kind in ("punct", "name") else None
            prec = _BINARY.get(op) if op is not None else None
            if prec is None or prec < min_prec or (self.tok.kind == "name" and op not in ("in", "instanceof")):
                return left
            self._next()
            # ** is right-associative; the others bind left
            right = self._binary(prec if op == "**" else prec + 1)
            left = Binary(op, left, right)

    def _unary(self) -> Any:
        tok = self.tok
        if tok.kind == "punct" and tok.value in ("!", "-", "+", "~"):
            self._next()
            arg = self._unary()
            if self._is("**"):
                raise self._fail("a unary operator before ** needs parentheses")
            return Unary(tok.value, arg)
        if tok.kind == "name" and tok.value in ("typeof", "void", "delete", "await"):
            self._next()
            return Unary(tok.value, self._unary())
        if tok.kind == "punct" and tok.value in ("++", "--"):
            raise self._fail(f"{tok.value} changes a variable; it is not an expression n8n can evaluate here")
        node = self._postfix(self._primary())
        if self.tok.kind == "punct" and self.tok.value in ("++", "--") and not self.tok.newline_before:
            raise self._fail(f"{self.tok.value} changes a variable; it is not an expression n8n can evaluate here")
        return node

    def _arguments(self) -> tuple[Any, ...]:
        self._expect("(")
        args = []
        while not self._is(")"):
            if self._is("..."):
                self._next()
                args.append(Spread(self.expression()))
            else:
                args.append(self.expression())
            if not self._is(")"):
                self._expect(",")
        self._next()
        return tuple(args)

    def _postfix(self, node: Any) -> Any:
        while True:
            if self._is("."):
                self._next()
                if self.tok.kind != "name":
                    raise self._fail("expected a property name after '.'")
                node = Member(node, self._next().value)
            elif self._is("?."):
                self._next()
                if self._is("("):
                    node = Call(node, self._arguments(), optional=True)
                elif self._is("["):
                    self._next()
                    key = self.expression()
                    self._expect("]")
                    node = Index(node, key, optional=True)
                elif self.tok.kind == "name":
                    node = Member(node, self._next().value, optional=True)
                else:
                    raise self._fail("expected a property name after '?.'")
            elif self._is("["):
                self._next()
                key = self.expression()
                self._expect("]")
                node = Index(node, key)
            elif self._is("("):
                node = Call(node, self._arguments())
            elif self.tok.kind == "template":
                raise self._fail("tagged templates are not supported")
            else:
                return node

    def _primary(self) -> Any:
        tok = self.tok
        if tok.kind == "num":
            self._next()
            return Num(tok.value)
        if tok.kind == "str":
            self._next()
            return Str(tok.value)
        if tok.kind == "template":
            return self._template()
        if tok.kind == "name":
            return self._name()
        if tok.kind == "punct":
            if tok.value in ("/", "/="):
                regex = self._regex(tok.start)
                self.tok = self._scan()
                return regex
            if tok.value == "(":
                self._next()
                node = self.expression()
                if self._is(","):
                    raise self._fail("the comma operator is not supported")
                self._expect(")")
                return node
            if tok.value == "[":
                return self._array()
            if tok.value == "{":
                return self._object()
        if tok.kind == "end":
            raise self._fail("the expression ends too early")
        raise self._fail(f"unexpected {self.src[tok.start : tok.end]!r}")

    def _name(self) -> Any:
        name = self._next().value
        if name in ("true", "false"):
            return Lit(name == "true", name)
        if name in ("null", "undefined"):
            return Lit(None, name)
        if name == "new":
            callee = self._primary()
            while self._is("."):
                self._next()
                callee = Member(callee, self._next().value)
            args = self._arguments() if self._is("(") else ()
            return New(callee, args)
        if name == "function":
            raise self._fail("function expressions are not supported; use an arrow function")
        if name in _KEYWORDS and name not in ("this", "super", "in"):
            raise self._fail(f"{name!r} is a statement keyword, not an expression")
        return Ident(name)

    def _template(self) -> Template:
        # self.pos is just past the backtick; read raw text up to `${` or the closing backtick
        s, quasis, exprs, out = self.src, [], [], []
        while True:
            if self.pos >= len(s):
                raise self._fail("a template literal is not closed", self.pos)
            c = s[self.pos]
            if c == "`":
                self.pos += 1
                quasis.append("".join(out))
                self.tok = self._scan()
                return Template(tuple(quasis), tuple(exprs))
            if c == "\\":
                self.pos += 1
                out.append(self._escape())
            elif s.startswith("${", self.pos):
                quasis.append("".join(out))
                out = []
                self.pos += 2
                self.tok = self._scan()
                exprs.append(self.expression())
                if not self._is("}"):
                    raise self._fail("expected '}' to close ${ in a template literal")
                self.pos = self.tok.end  # continue reading raw text after the brace
            else:
                out.append("\n" if c == "\r" else c)
                self.pos += 2 if s.startswith("\r\n", self.pos) else 1

    def _array(self) -> Arr:
        self._next()
        elems = []
        while not self._is("]"):
            if self._is(","):
                raise self._fail("arrays with holes are not supported")
            if self._is("..."):
                self._next()
                elems.append(Spread(self.expression()))
            else:
                elems.append(self.expression())
            if not self._is("]"):
                self._expect(",")
        self._next()
        return Arr(tuple(elems))

    def _object(self) -> Obj:
        self._next()
        props: list[tuple[Any, Any]] = []
        while not self._is("}"):
            if self._is("..."):
                self._next()
                props.append((None, Spread(self.expression())))
            else:
                tok = self.tok
                if tok.kind in ("name", "str"):
                    self._next()
                    key: Any = tok.value
                elif tok.kind == "num":
                    self._next()
                    key = _number_key(tok.value)
                elif self._is("["):
                    self._next()
                    key = self.expression()
                    self._expect("]")
                else:
                    raise self._fail("expected a property name")
                if self._is(":"):
                    self._next()
                    props.append((key, self.expression()))
                elif tok.kind == "name" and (self._is(",") or self._is("}")):
                    props.append((key, Ident(key)))  # shorthand {a}
                else:
                    raise self._fail("methods and getters in object literals are not supported")
            if not self._is("}"):
                self._expect(",")
        self._next()
        return Obj(tuple(props))


def _number_key(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def parse(source: str) -> Any:
    """The tree of one JavaScript expression (a trailing `;` is allowed)."""
    p = _Parser(source)
    if p.tok.kind == "end":
        raise JSSyntaxError("the expression is empty")
    node = p.expression()
    if p._is(";"):
        p._next()
    if p.tok.kind != "end":
        raise p._fail(f"unexpected {source[p.tok.start : p.tok.end]!r} after the expression")
    return node
