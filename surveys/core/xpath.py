"""The XPath subset XLSForms use in `relevant`, `constraint`, `choice_filter` and `calculation`, parsed and
evaluated purely.

Supported: `${name}` references to answers and calculations, `.` (the answer being checked, in constraints),
bare names (choice columns, in choice filters), string and number literals, `= != < <= > >=`, `+ - * div mod`,
`and`, `or`, parentheses and the functions in FUNCTIONS (those ODK forms use without a device: no `today()`,
no `pulldata()`). Anything else is an `ExpressionError` naming the position and what was found, so an officer
can fix the cell.

Values follow XPath 1.0 as ODK Collect evaluates it: a missing or declined answer is the empty string, a multi
answer is its choice names separated by spaces, comparisons are numeric when either side is a number (an empty
or non-numeric string is NaN, which compares false), and a date (`2024-05-03`) read as a number is its count of
days since 1970-01-01, so dates compare and subtract as ODK's do. Evaluation never raises.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from surveys.core.values import DECLINED, AnswerValue, Value


class ExpressionError(ValueError):
    """An expression Heard cannot read; the message says where and why."""


# ------------------------------------------------------------------------------------------------ syntax


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | float


@dataclass(frozen=True, slots=True)
class Reference:
    """`${name}`: the answer to another question, or the value of a calculation."""

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


@dataclass(frozen=True, slots=True)
class Negative:
    operand: Node


Node = Literal | Reference | Current | Column | Call | Binary | Negative

#: function -> (least, most arguments; None: any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "selected-at": (2, 2),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "boolean-from-string": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 2),
    "once": (1, 1),
    "string": (1, 1),
    "string-length": (1, 1),
    "concat": (0, None),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "normalize-space": (1, 1),
    "regex": (2, 2),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "sqrt": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "date": (1, 1),
}

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{(?P<refname>[^}]*)\})
    |(?P<number>\d+(?:\.\d+)?|\.\d+)
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<op><=|>=|!=|=|<|>|\(|\)|,|\+|-|\*)
    |(?P<name>[A-Za-z_][A-Za-z0-9_.:-]*)
    |(?P<dot>\.)
    |(?P<bad>\S)
    )""",
    re.VERBOSE,
)
_REFERENCE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


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
    """Recursive descent in XPath's precedence: or → and → equality → relational → additive → multiplicative →
    unary → primary."""

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

    def at_operator(self, *operators: str) -> bool:
        token = self.token
        if token.kind == "op":
            return token.text in operators
        return token.kind == "name" and token.text in operators and token.text in ("and", "or", "div", "mod")

    def expect(self, text: str) -> None:
        if self.token.text != text or self.token.kind != "op":
            raise self.fail(f"expected {text!r}")
        self.take()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.fail("empty expression")
        node = self.or_expr()
        if self.token.kind != "end":
            raise self.fail("unexpected text")
        return node

    def binary_level(self, operators: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.at_operator(*operators):
            operator = self.take().text
            node = Binary(operator, node, operand())
        return node

    def or_expr(self) -> Node:
        return self.binary_level(("or",), self.and_expr)

    def and_expr(self) -> Node:
        return self.binary_level(("and",), self.equality)

    def equality(self) -> Node:
        return self.binary_level(("=", "!="), self.relational)

    def relational(self) -> Node:
        return self.binary_level(("<", "<=", ">", ">="), self.additive)

    def additive(self) -> Node:
        return self.binary_level(("+", "-"), self.multiplicative)

    def multiplicative(self) -> Node:
        return self.binary_level(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.take()
            return Negative(self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "ref":
            self.take()
            name = token.text[2:-1].strip()
            if not _REFERENCE_NAME.fullmatch(name):
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
        if len(arguments) < low or (high is not None and len(arguments) > high):
            wanted = f"{low}" if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
            raise ExpressionError(
                f"{name.text}() at position {name.position + 1} takes {wanted} argument{'s' if wanted != '1' else ''}, "
                f"got {len(arguments)}"
            )
        if name.text == "regex" and isinstance(arguments[1], Literal):
            try:
                re.compile(java_pattern(str(arguments[1].value)))
            except re.error as exc:
                raise ExpressionError(f"regex() at position {name.position + 1}: the pattern is not valid "
                                      f"({exc})") from exc
        return Call(name.text, tuple(arguments))


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse an expression; raises ExpressionError with the position of the first problem."""
    return _Parser(text).parse()


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Call(arguments=arguments):
            return arguments
        case Binary(left=left, right=right):
            return (left, right)
        case Negative(operand=operand):
            return (operand,)
    return ()


def references(node: Node) -> set[str]:
    """The names an expression reads through `${...}`."""
    if isinstance(node, Reference):
        return {node.name}
    return set().union(*(references(child) for child in _children(node)))


def columns(node: Node) -> set[str]:
    """The bare names (choice columns) an expression reads."""
    if isinstance(node, Column):
        return {node.name}
    return set().union(*(columns(child) for child in _children(node)))


def uses_current(node: Node) -> bool:
    return isinstance(node, Current) or any(uses_current(child) for child in _children(node))


_REFERENCE_IN_TEXT = re.compile(r"\$\{\s*([^}\s]*)\s*\}")


def text_references(text: str) -> list[str]:
    """The `${name}`s a label or hint pipes in, in order."""
    return _REFERENCE_IN_TEXT.findall(text)


def rename_references(text: str, renamed: Mapping[str, str]) -> str:
    """`text` with every `${old}` written `${new}` (expressions and piped labels alike); others stay."""
    return _REFERENCE_IN_TEXT.sub(lambda m: "${" + renamed.get(m.group(1), m.group(1)) + "}", text)


# ------------------------------------------------------------------------------------------- evaluation


def answer_value(value: AnswerValue | float | bool | None) -> Value:
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
    answers: Mapping[str, AnswerValue | Value]
    """Answers by question name; a survey's `evaluated()` view also yields its calculations."""
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
        case Call(function="if", arguments=(condition, then, otherwise)):
            return evaluate(then if truth(evaluate(condition, context)) else otherwise, context)
        case Call(function=function, arguments=arguments):
            return _call(function, [evaluate(a, context) for a in arguments])
        case Binary(operator="and", left=left, right=right):
            return truth(evaluate(left, context)) and truth(evaluate(right, context))
        case Binary(operator="or", left=left, right=right):
            return truth(evaluate(left, context)) or truth(evaluate(right, context))
        case Binary(operator=operator, left=left, right=right) if operator in _ARITHMETIC:
            return _ARITHMETIC[operator](number(evaluate(left, context)), number(evaluate(right, context)))
        case Binary(operator=operator, left=left, right=right):
            return _compare(operator, evaluate(left, context), evaluate(right, context))
        case Negative(operand=operand):
            return -number(evaluate(operand, context))
    raise ExpressionError(f"cannot evaluate {node!r}")  # pragma: no cover - the parser builds only the above


def holds(text: str, context: Context) -> bool:
    return truth(evaluate(parse(text), context))


def value_of(text: str, context: Context) -> Value:
    return evaluate(parse(text), context)


def truth(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


_EPOCH = dt.date(1970, 1, 1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return float((dt.date.fromisoformat(text) - _EPOCH).days)
        except ValueError:
            return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _modulo(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _divide,
    "mod": _modulo,
}


def _whole(value: float) -> float:
    return float(math.trunc(value)) if math.isfinite(value) else value


def _round(value: float, digits: float = 0.0) -> float:
    if not math.isfinite(value) or not math.isfinite(digits):
        return value
    factor = 10.0 ** max(-15, min(15, int(digits)))
    scaled = value * factor + 0.5
    if not math.isfinite(scaled):
        return value
    return math.floor(scaled) / factor  # XPath rounds halves up, not to even


_SHORTHAND_BEFORE_HYPHEN = re.compile(r"(?<!\\)(\\[wdsWDS])-")


def java_pattern(pattern: str) -> str:
    r"""A pattern as ODK (Java) reads it, for Python: `[\w-\.]` takes the hyphen after `\w` literally."""
    return _SHORTHAND_BEFORE_HYPHEN.sub(lambda m: m.group(1) + "\\-", pattern)


def _regex(text: str, pattern: str) -> bool:
    """ODK's regex(): does the pattern occur in the text (Java's find, not a whole match)."""
    try:
        return re.search(java_pattern(pattern), text) is not None
    except re.error:
        return False


def _substring_before(text: str, separator: str) -> str:
    """XPath 1.0: the text before the first separator; "" when it is absent or empty."""
    return text.partition(separator)[0] if separator and separator in text else ""


def _substring_after(text: str, separator: str) -> str:
    """XPath 1.0: the text after the first separator; all of it for an empty separator, "" when absent."""
    if not separator:
        return text
    return text.partition(separator)[2] if separator in text else ""


def _substr(text: str, start: float, end: float | None = None) -> str:
    if math.isnan(start) or (end is not None and math.isnan(end)):
        return ""
    begin = max(int(start), 0) if math.isfinite(start) else (0 if start < 0 else len(text))
    stop = len(text) if end is None or end == math.inf else int(end) if math.isfinite(end) else 0
    return text[begin:stop]


def _selected_at(selection: str, index: float) -> str:
    parts = selection.split()
    return parts[int(index)] if math.isfinite(index) and 0 <= index < len(parts) else ""


def _sqrt(value: float) -> float:
    return math.sqrt(value) if value >= 0 else math.nan


def _pow(base: float, exponent: float) -> float:
    try:
        result = math.pow(base, exponent)
    except (OverflowError, ValueError):
        return math.nan
    return result


def _date(value: Value) -> Value:
    days = number(value)
    if not math.isfinite(days):
        return ""
    try:
        return (_EPOCH + dt.timedelta(days=int(days))).isoformat()
    except OverflowError:
        return ""


def _extreme(pick: Callable[..., float], values: list[Value]) -> float:
    numbers = [number(v) for v in values]
    return math.nan if any(math.isnan(n) for n in numbers) else pick(numbers)


_FUNCTION_IMPLEMENTATIONS: dict[str, Callable[[list[Value]], Value]] = {
    "selected": lambda args: string(args[1]).strip() in string(args[0]).split(),
    "count-selected": lambda args: float(len(string(args[0]).split())),
    "selected-at": lambda args: _selected_at(string(args[0]), number(args[1])),
    "not": lambda args: not truth(args[0]),
    "true": lambda args: True,
    "false": lambda args: False,
    "boolean": lambda args: truth(args[0]),
    "boolean-from-string": lambda args: string(args[0]).strip().lower() in ("true", "1"),
    "coalesce": lambda args: args[0] if string(args[0]) != "" else args[1],
    "once": lambda args: args[0],
    "string": lambda args: string(args[0]),
    "string-length": lambda args: float(len(string(args[0]))),
    "concat": lambda args: "".join(string(a) for a in args),
    "contains": lambda args: string(args[1]) in string(args[0]),
    "starts-with": lambda args: string(args[0]).startswith(string(args[1])),
    "ends-with": lambda args: string(args[0]).endswith(string(args[1])),
    "substr": lambda args: _substr(string(args[0]), number(args[1]), number(args[2]) if len(args) > 2 else None),
    "substring-before": lambda args: _substring_before(string(args[0]), string(args[1])),
    "substring-after": lambda args: _substring_after(string(args[0]), string(args[1])),
    "normalize-space": lambda args: " ".join(string(args[0]).split()),
    "regex": lambda args: _regex(string(args[0]), string(args[1])),
    "number": lambda args: number(args[0]),
    "int": lambda args: _whole(number(args[0])),
    "round": lambda args: _round(number(args[0]), number(args[1]) if len(args) > 1 else 0.0),
    "floor": lambda args: float(math.floor(number(args[0]))) if math.isfinite(number(args[0])) else number(args[0]),
    "ceiling": lambda args: float(math.ceil(number(args[0]))) if math.isfinite(number(args[0])) else number(args[0]),
    "abs": lambda args: abs(number(args[0])),
    "pow": lambda args: _pow(number(args[0]), number(args[1])),
    "sqrt": lambda args: _sqrt(number(args[0])),
    "min": lambda args: _extreme(min, args),
    "max": lambda args: _extreme(max, args),
    "date": lambda args: _date(args[0]),
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
