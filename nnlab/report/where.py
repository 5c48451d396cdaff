"""`--where`: a small, safe expression language over a run's config paths and metrics.

    optimizer.type == "adam" and training.batch_size >= 32
    not (val_accuracy < 0.9 or status != "completed")

Names are dotted config paths (`model.layers.0.units`) and metric or fact names
(`val_loss`, `test_accuracy`, `epochs`, `status`); literals are numbers,
quoted strings, `true`, `false` and `null`; operators are `== != < <= > >=`
(`=` reads as `==`), `and`, `or`, `not` and parentheses. Strings compare
without regard to case, as Keras's names do (`"adam"` matches `Adam`). A
comparison with a value a run lacks, or of a number with a string, is false
(`!=` true). The text is parsed here by a recursive-descent parser into a
small tree that is evaluated against each run: nothing is ever `eval`ed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class WhereError(ValueError):
    """An expression that does not parse; the message points at the place."""


@dataclass(frozen=True)
class Name:
    path: str


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Compare:
    op: str
    left: Name | Literal
    right: Name | Literal


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    items: tuple[Node, ...]


Node = Name | Literal | Compare | Not | BoolOp

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_]\w*(?:\.\w+)*)
  | (?P<op>==|!=|<=|>=|<|>|=)
  | (?P<paren>[()])
  )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not"}
_LITERALS = {"true": True, "false": False, "null": None, "none": None}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int  # 1-based, for messages


def tokenize(text: str) -> list[Token]:
    tokens = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise WhereError(f"cannot read {text[position:].strip()[:20]!r} at column {position + 1 + _leading_space(text, position)}")
        kind, token, column = match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup) + 1
        if kind == "name" and token.lower() in _KEYWORDS:
            kind, token = "keyword", token.lower()
        tokens.append(Token(kind, token, column))
        position = match.end()
    return tokens


def _leading_space(text: str, position: int) -> int:
    return len(text[position:]) - len(text[position:].lstrip())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def accept(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return True
        return False

    def parse(self) -> Node:
        node = self.disjunction()
        token = self.peek()
        if token is not None:
            raise WhereError(f"unexpected {token.text!r} at column {token.column}: expected and, or, or the end")
        return node

    def disjunction(self) -> Node:
        items = [self.conjunction()]
        while self.accept("keyword", "or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def conjunction(self) -> Node:
        items = [self.negation()]
        while self.accept("keyword", "and"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def negation(self) -> Node:
        if self.accept("keyword", "not"):
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        if self.accept("paren", "("):
            node = self.disjunction()
            if not self.accept("paren", ")"):
                token = self.peek()
                raise WhereError(f"expected ')' at column {token.column}" if token else "a '(' is never closed")
            return node
        left = self.operand()
        token = self.peek()
        if token is None or token.kind != "op":
            return left
        self.index += 1
        return Compare("==" if token.text == "=" else token.text, left, self.operand(after=token))

    def operand(self, after: Token | None = None) -> Name | Literal:
        token = self.peek()
        if token is None:
            if after is not None:
                raise WhereError(f"expected a value after {after.text!r} at column {after.column}")
            raise WhereError("the expression ends too early" if self.tokens else "the expression is empty")
        self.index += 1
        if token.kind == "number":
            return Literal(float(token.text) if any(c in token.text for c in ".eE") else int(token.text))
        if token.kind == "string":
            return Literal(re.sub(r"\\(.)", r"\1", token.text[1:-1]))
        if token.kind == "name":
            lowered = token.text.lower()
            return Literal(_LITERALS[lowered]) if lowered in _LITERALS else Name(token.text)
        raise WhereError(f"expected a name or a value at column {token.column}, got {token.text!r}")


def parse(text: str) -> Node:
    """The tree of an expression.

    Raises:
        WhereError: it does not parse (the message names the column).
    """
    return _Parser(text).parse()


def names(node: Node) -> Iterator[str]:
    """Every name an expression reads."""
    if isinstance(node, Name):
        yield node.path
    elif isinstance(node, Compare):
        yield from names(node.left)
        yield from names(node.right)
    elif isinstance(node, Not):
        yield from names(node.item)
    elif isinstance(node, BoolOp):
        for item in node.items:
            yield from names(item)


def evaluate(node: Node, namespace: Mapping[str, Any]) -> bool:
    """Whether a run (its `namespace`: path or metric -> value) satisfies the expression."""
    if isinstance(node, BoolOp):
        results = (evaluate(item, namespace) for item in node.items)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not evaluate(node.item, namespace)
    if isinstance(node, Compare):
        return compare(node.op, _value(node.left, namespace), _value(node.right, namespace))
    return bool(_value(node, namespace))


def _value(node: Name | Literal, namespace: Mapping[str, Any]) -> Any:
    return namespace.get(node.path) if isinstance(node, Name) else node.value


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "text"


def compare(op: str, left: Any, right: Any) -> bool:
    """`left op right` with the language's rules: strings without case, mismatched kinds unequal and unordered."""
    kinds = _kind(left), _kind(right)
    if kinds[0] != kinds[1]:
        return op == "!="
    if kinds[0] == "text":
        left, right = str(left).casefold(), str(right).casefold()
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if kinds[0] in ("none", "bool"):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
