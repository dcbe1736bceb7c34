"""A subset of Segment's Filter Query Language (FQL), parsed into a safe predicate.

    type = "track" and event = "Order Completed" and properties.total > 100
    !contains(context.library.name, "js") or match(event, "Button *")
    "dark-mode" in properties.features

Grammar (lowest precedence first)::

    expression := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation   := ("!" | "not") negation | comparison
    comparison := operand [("=" | "!=" | "<" | "<=" | ">" | ">=" | "in") operand]
    operand    := string | number | true | false | null | list | call | path | "(" expression ")"
    list       := "[" [operand ("," operand)*] "]"
    call       := name "(" [expression ("," expression)*] ")"
    path       := name ("." name)*        a field of the event; `\\x` escapes x in a name

Functions: contains, match (glob), length, lowercase, uppercase, typeof. Semantics
follow Segment's reference: `=` is true only for the same type and value, ordering
compares numbers only, a missing field is null, and functions treat null gently
(`contains(null, "x")` is false, `length(null)` is 0).

`parse` turns the text into a tree of closures; nothing is ever evaluated as Python.
Every error is an `FqlError` carrying the 0-based character position it points at.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from segd.router.glob import GlobError, compile_glob, glob_match

MAX_LENGTH = 10_000
MAX_DEPTH = 64

Getter = Callable[[Mapping[str, Any]], Any]
Predicate = Callable[[Mapping[str, Any]], bool]

_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">=", "in"})


class FqlError(ValueError):
    """An expression that cannot be parsed; `position` is a 0-based index into it."""

    def __init__(self, message: str, position: int, expression: str = "") -> None:
        super().__init__(f"{message} at position {position}")
        self.reason = message
        self.position = position
        self.expression = expression

    def caret(self) -> str:
        """The expression with a caret under the position, for people to read."""
        return f"{self.expression}\n{' ' * self.position}^"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string, number, name, path, keyword, op, punct, end
    value: Any
    position: int


def tokenize(text: str) -> list[Token]:
    """Split FQL text into tokens; the last one is always `end`."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "\"'":
            i = _string(text, i, tokens)
        elif char.isdigit() or (char == "-" and i + 1 < len(text) and text[i + 1].isdigit()):
            i = _number(text, i, tokens)
        elif char in _NAME_CHARS or char == "\\":
            i = _path(text, i, tokens)
        elif text.startswith(("!=", "<=", ">="), i):
            tokens.append(Token("op", text[i : i + 2], i))
            i += 2
        elif char in "=<>!":
            tokens.append(Token("op", char, i))
            i += 1
        elif char in "()[],":
            tokens.append(Token("punct", char, i))
            i += 1
        else:
            raise FqlError(f"unexpected character {char!r}", i, text)
    tokens.append(Token("end", None, len(text)))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif char == quote:
            tokens.append(Token("string", "".join(chars), start))
            return i + 1
        else:
            chars.append(char)
            i += 1
    raise FqlError("the string is not closed", start, text)


def _number(text: str, start: int, tokens: list[Token]) -> int:
    i = start + 1
    while i < len(text) and (text[i].isalnum() or text[i] in ".+-"):
        # Stop at a sign that does not follow an exponent: `1-2` is not one number.
        if text[i] in "+-" and text[i - 1] not in "eE":
            break
        i += 1
    raw = text[start:i]
    try:
        value: float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    except ValueError:
        raise FqlError(f"{raw!r} is not a number", start, text) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise FqlError(f"{raw!r} is not a finite number", start, text)
    tokens.append(Token("number", value, start))
    return i


def _path(text: str, start: int, tokens: list[Token]) -> int:
    segments: list[str] = []
    current: list[str] = []
    escaped = False
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text):
                raise FqlError("a backslash must escape a character", i, text)
            current.append(text[i + 1])
            escaped = True
            i += 2
        elif char in _NAME_CHARS:
            current.append(char)
            i += 1
        elif char == "." and current:
            segments.append("".join(current))
            current = []
            i += 1
            if i == len(text) or (text[i] not in _NAME_CHARS and text[i] != "\\"):
                raise FqlError("a field name must follow the dot", i, text)
        else:
            break
    segments.append("".join(current))
    if len(segments) == 1 and not escaped and segments[0] in _KEYWORDS:
        tokens.append(Token("keyword", segments[0], start))
    elif len(segments) == 1 and not escaped:
        tokens.append(Token("name", segments[0], start))
    else:
        tokens.append(Token("path", tuple(segments), start))
    return i


# -- values -----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def strict_equal(left: Any, right: Any) -> bool:
    """FQL's `=`: the same type and the same value (1 = 1.0, but true != 1)."""
    if _type_name(left) != _type_name(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(strict_equal, left, right))
    return bool(left == right)


def _lookup(event: Mapping[str, Any], segments: tuple[str, ...]) -> Any:
    value: Any = event
    for segment in segments:
        if not isinstance(value, Mapping):
            return None
        value = value.get(segment)
    return value


def _contains(text: Any, part: Any) -> bool:
    return isinstance(text, str) and isinstance(part, str) and part in text


def _match(text: Any, pattern: Any) -> bool:
    return isinstance(text, str) and isinstance(pattern, str) and glob_match(text, pattern)


def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list):
        return len(value)
    return 0


def _lowercase(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else None


def _uppercase(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else None


#: name → (number of arguments, implementation)
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "contains": (2, _contains),
    "match": (2, _match),
    "length": (1, _length),
    "lowercase": (1, _lowercase),
    "uppercase": (1, _uppercase),
    "typeof": (1, _type_name),
}


def _compare(op: str, left: Getter, right: Getter) -> Getter:
    if op == "=":
        return lambda e: strict_equal(left(e), right(e))
    if op == "!=":
        return lambda e: not strict_equal(left(e), right(e))
    if op == "in":

        def contained(e: Mapping[str, Any]) -> bool:
            items, item = right(e), left(e)
            return isinstance(items, list) and any(strict_equal(item, x) for x in items)

        return contained
    compare: Callable[[Any, Any], bool] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]

    def ordered(e: Mapping[str, Any]) -> bool:
        a, b = left(e), right(e)
        return _is_number(a) and _is_number(b) and compare(a, b)

    return ordered


# -- parser -----------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def error(self, message: str, token: Token | None = None) -> FqlError:
        return FqlError(message, (token or self.token).position, self.text)

    def accept(self, kind: str, value: Any) -> bool:
        if self.token.kind == kind and self.token.value == value:
            self.index += 1
            return True
        return False

    def expect(self, kind: str, value: str, what: str) -> None:
        if not self.accept(kind, value):
            raise self.error(f"expected {what}, found {self.describe()}")

    def describe(self) -> str:
        token = self.token
        if token.kind == "end":
            return "the end of the expression"
        if token.kind == "path":
            return repr(".".join(token.value))
        return repr(token.value)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression is nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> Getter:
        if self.token.kind == "end":
            raise self.error("the expression is empty")
        node = self.expression()
        if self.token.kind != "end":
            raise self.error(f"expected and, or or the end, found {self.describe()}")
        return node

    def expression(self) -> Getter:
        self.enter()
        parts = [self.conjunction()]
        while self.accept("keyword", "or"):
            parts.append(self.conjunction())
        self.depth -= 1
        if len(parts) == 1:
            return parts[0]
        return lambda e: any(part(e) is True for part in parts)

    def conjunction(self) -> Getter:
        parts = [self.negation()]
        while self.accept("keyword", "and"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda e: all(part(e) is True for part in parts)

    def negation(self) -> Getter:
        if self.accept("op", "!") or self.accept("keyword", "not"):
            self.enter()
            inner = self.negation()
            self.depth -= 1
            return lambda e: inner(e) is not True
        return self.comparison()

    def comparison(self) -> Getter:
        left = self.operand()
        token = self.token
        if token.kind in ("op", "keyword") and token.value in _COMPARISONS:
            self.index += 1
            right = self.operand()
            return _compare(str(token.value), left, right)
        return left

    def operand(self) -> Getter:
        token = self.token
        kind, value = token.kind, token.value
        if kind in ("string", "number"):
            self.index += 1
            return lambda e: value
        if kind == "keyword" and value in ("true", "false", "null"):
            self.index += 1
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda e: constant
        following = self.tokens[self.index + 1] if kind != "end" else token
        if kind == "name" and following.kind == "punct" and following.value == "(":
            return self.call()
        if kind in ("name", "path"):
            self.index += 1
            segments = (value,) if kind == "name" else value
            return lambda e: _lookup(e, segments)
        if self.accept("punct", "("):
            inner = self.expression()
            self.expect("punct", ")", "a closing parenthesis")
            return inner
        if self.accept("punct", "["):
            return self.list_literal()
        raise self.error(f"expected a value, found {self.describe()}")

    def list_literal(self) -> Getter:
        items: list[Getter] = []
        if not self.accept("punct", "]"):
            items.append(self.operand())
            while self.accept("punct", ","):
                items.append(self.operand())
            self.expect("punct", "]", "a comma or ]")
        return lambda e: [item(e) for item in items]

    def call(self) -> Getter:
        name_token = self.token
        name = str(name_token.value)
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"unknown function {name!r} (known: {known})")
        arity, function = FUNCTIONS[name]
        self.index += 2  # the name and "("
        args: list[Getter] = []
        arg_tokens: list[Token] = []
        if not self.accept("punct", ")"):
            while True:
                arg_tokens.append(self.token)
                args.append(self.expression())
                if not self.accept("punct", ","):
                    break
            self.expect("punct", ")", "a comma or a closing parenthesis")
        if len(args) != arity:
            plural = "s" if arity != 1 else ""
            raise self.error(f"{name} takes {arity} argument{plural}, not {len(args)}", name_token)
        if name == "match" and arg_tokens[1].kind == "string":
            try:
                compile_glob(arg_tokens[1].value)
            except GlobError as exc:
                raise self.error(f"bad glob pattern: {exc}", arg_tokens[1]) from None
        if arity == 1:
            (only,) = args
            return lambda e: function(only(e))
        first, second = args
        return lambda e: function(first(e), second(e))


def parse(text: str) -> Predicate:
    """Compile an FQL expression into a predicate over an event's Segment JSON.

    Raises:
        FqlError: the expression is malformed; `.position` says where.
    """
    if len(text) > MAX_LENGTH:
        raise FqlError(f"the expression is longer than {MAX_LENGTH} characters", MAX_LENGTH, "")
    getter = _Parser(text).parse()
    return lambda event: getter(event) is True
