"""The XPath subset XLSForms use in `relevant`, `constraint` and `choice_filter`, parsed and evaluated purely.

Supported: `${name}` references to earlier answers, `.` (the answer being checked, in constraints), bare names
(choice columns, in choice filters), string and number literals, `= != < <= > >=`, `and`, `or`, `not()`,
`selected()`, `count-selected()`, `string-length()`, `true()`, `false()` and parentheses. Anything else is a
`ExpressionError` naming the position and what was found, so an officer can fix the cell.

Values follow XPath 1.0: a missing or declined answer is the empty string, a multi answer is its choice names
separated by spaces, comparisons are numeric when either side is a number (an empty or non-numeric string is
NaN, which compares false).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from surveys.model import DECLINED, AnswerValue

Value = str | float | bool


class ExpressionError(ValueError):
    """An expression Heard cannot read; the message says where and why."""


# ------------------------------------------------------------------------------------------------ syntax


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | float


@dataclass(frozen=True, slots=True)
class Reference:
    """`${name}`: the answer to another question."""

    name: str


@dataclass(frozen=True, slots=True)
class Current:
    """`.`: the answer being checked."""


@dataclass(frozen=True, slots=True)
class Column:
    """A bare name: a column of the choice being filtered (`name` is the choice's name)."""

    name: str


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Binary:
    operator: str
    left: Node
    right: Node


Node = Literal | Reference | Current | Column | Call | Binary

FUNCTIONS: dict[str, tuple[int, int]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "not": (1, 1),
    "string-length": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
}

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{(?P<refname>[^}]*)\})
    |(?P<number>\d+(?:\.\d+)?|\.\d+)
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<op><=|>=|!=|=|<|>|\(|\)|,)
    |(?P<name>[A-Za-z_][A-Za-z0-9_.:-]*)
    |(?P<dot>\.)
    |(?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        kind = next(k for k in ("ref", "number", "string", "op", "name", "dot", "bad") if match.group(k) is not None)
        start = match.start(kind)
        if kind == "bad":
            raise ExpressionError(f"unexpected {match.group(kind)!r} at position {start + 1}")
        tokens.append(_Token(kind, match.group(kind), start))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent: or → and → comparison → unary/primary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, why: str) -> ExpressionError:
        found = "the end" if self.token.kind == "end" else repr(self.token.text)
        return ExpressionError(f"{why} at position {self.token.position + 1} (found {found})")

    def take(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        if self.token.text != text or self.token.kind not in ("op",):
            raise self.fail(f"expected {text!r}")
        self.take()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.fail("empty expression")
        node = self.or_expr()
        if self.token.kind != "end":
            raise self.fail("unexpected text")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.token.kind == "name" and self.token.text == "or":
            self.take()
            node = Binary("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.comparison()
        while self.token.kind == "name" and self.token.text == "and":
            self.take()
            node = Binary("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.primary()
        while self.token.kind == "op" and self.token.text in ("=", "!=", "<", "<=", ">", ">="):
            operator = self.take().text
            node = Binary(operator, node, self.primary())
        return node

    def primary(self) -> Node:
        token = self.token
        if token.kind == "ref":
            self.take()
            name = token.text[2:-1].strip()
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
                raise ExpressionError(f"{token.text} at position {token.position + 1} is not a question reference")
            return Reference(name)
        if token.kind == "number":
            self.take()
            return Literal(float(token.text))
        if token.kind == "string":
            self.take()
            return Literal(token.text[1:-1])
        if token.kind == "dot":
            self.take()
            return Current()
        if token.kind == "op" and token.text == "(":
            self.take()
            node = self.or_expr()
            self.expect(")")
            return node
        if token.kind == "name":
            self.take()
            if self.token.kind == "op" and self.token.text == "(":
                return self.call(token)
            if token.text in ("and", "or", "div", "mod"):
                raise ExpressionError(f"'{token.text}' at position {token.position + 1} needs something before it")
            if "/" in token.text or ":" in token.text:
                raise ExpressionError(f"path {token.text!r} at position {token.position + 1} is not supported")
            return Column(token.text)
        if token.kind == "op" and token.text in ("-",):
            raise self.fail("arithmetic is not supported")
        raise self.fail("expected a value")

    def call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            raise ExpressionError(
                f"function {name.text}() at position {name.position + 1} is not supported "
                f"(supported: {', '.join(f + '()' for f in FUNCTIONS)})"
            )
        self.expect("(")
        arguments: list[Node] = []
        if not (self.token.kind == "op" and self.token.text == ")"):
            arguments.append(self.or_expr())
            while self.token.kind == "op" and self.token.text == ",":
                self.take()
                arguments.append(self.or_expr())
        self.expect(")")
        low, high = FUNCTIONS[name.text]
        if not low <= len(arguments) <= high:
            raise ExpressionError(
                f"{name.text}() at position {name.position + 1} takes {low} argument{'s' if low != 1 else ''}, "
                f"got {len(arguments)}"
            )
        return Call(name.text, tuple(arguments))


@lru_cache(maxsize=2048)
def parse(text: str) -> Node:
    """Parse an expression; raises ExpressionError with the position of the first problem."""
    return _Parser(text).parse()


def references(node: Node) -> set[str]:
    """The question names an expression reads through `${...}`."""
    match node:
        case Reference(name=name):
            return {name}
        case Call(arguments=arguments):
            return set().union(*(references(a) for a in arguments)) if arguments else set()
        case Binary(left=left, right=right):
            return references(left) | references(right)
    return set()


def columns(node: Node) -> set[str]:
    """The bare names (choice columns) an expression reads."""
    match node:
        case Column(name=name):
            return {name}
        case Call(arguments=arguments):
            return set().union(*(columns(a) for a in arguments)) if arguments else set()
        case Binary(left=left, right=right):
            return columns(left) | columns(right)
    return set()


def uses_current(node: Node) -> bool:
    match node:
        case Current():
            return True
        case Call(arguments=arguments):
            return any(uses_current(a) for a in arguments)
        case Binary(left=left, right=right):
            return uses_current(left) or uses_current(right)
    return False


# ------------------------------------------------------------------------------------------- evaluation


def answer_value(value: AnswerValue | float | None) -> Value:
    """An answer as XPath sees it."""
    if value is None or value == DECLINED:
        return ""
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Context:
    answers: Mapping[str, AnswerValue]
    current: AnswerValue | float | None = None
    columns: Mapping[str, str] | None = None


def evaluate(node: Node, context: Context) -> Value:
    match node:
        case Literal(value=value):
            return value
        case Reference(name=name):
            return answer_value(context.answers.get(name))
        case Current():
            return answer_value(context.current)
        case Column(name=name):
            return (context.columns or {}).get(name, "")
        case Call(function=function, arguments=arguments):
            return _call(function, [evaluate(a, context) for a in arguments])
        case Binary(operator="and", left=left, right=right):
            return truth(evaluate(left, context)) and truth(evaluate(right, context))
        case Binary(operator="or", left=left, right=right):
            return truth(evaluate(left, context)) or truth(evaluate(right, context))
        case Binary(operator=operator, left=left, right=right):
            return _compare(operator, evaluate(left, context), evaluate(right, context))
    raise ExpressionError(f"cannot evaluate {node!r}")  # pragma: no cover - the parser builds only the above


def holds(text: str, context: Context) -> bool:
    return truth(evaluate(parse(text), context))


def truth(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip())
    except ValueError:
        return math.nan


def string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


_FUNCTION_IMPLEMENTATIONS: dict[str, Callable[[list[Value]], Value]] = {
    "selected": lambda args: string(args[1]).strip() in string(args[0]).split(),
    "count-selected": lambda args: float(len(string(args[0]).split())),
    "not": lambda args: not truth(args[0]),
    "string-length": lambda args: float(len(string(args[0]))),
    "true": lambda args: True,
    "false": lambda args: False,
}


def _call(function: str, arguments: list[Value]) -> Value:
    return _FUNCTION_IMPLEMENTATIONS[function](arguments)


def _compare(operator: str, left: Value, right: Value) -> bool:
    if operator in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = truth(left) == truth(right)
        elif isinstance(left, float) or isinstance(right, float):
            equal = number(left) == number(right)
        else:
            equal = left == right
        return equal if operator == "=" else not equal
    a, b = number(left), number(right)
    if math.isnan(a) or math.isnan(b):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
