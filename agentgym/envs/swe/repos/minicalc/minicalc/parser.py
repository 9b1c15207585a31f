"""Recursive-descent parser from tokens to an AST.

Grammar, lowest precedence first::

    program    := statement (";" statement)* [";"]
    statement  := "let" NAME "=" expr | expr
    expr       := "if" expr "then" expr "else" expr | or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)*
    sum        := term (("+" | "-") term)*
    term       := unary (("*" | "/" | "%") unary)*
    unary      := ("-" | "+") unary | power
    power      := primary ["**" unary]
    primary    := NUMBER | NAME | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"
"""

from typing import cast

from minicalc.errors import ParseError
from minicalc.lexer import Token, tokenize
from minicalc.nodes import Binary, Call, Compare, If, Let, Name, Node, Number, Program, Unary

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


class Parser:
    """Parses one token list; use :func:`parse` rather than this class directly."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token:
        """The current token, not consumed."""
        return self.tokens[self.index]

    def advance(self) -> Token:
        """Consume and return the current token (``eof`` is never consumed)."""
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def check(self, kind: str, value: str) -> bool:
        """Whether the current token has this kind and value."""
        token = self.peek()
        return token.kind == kind and token.value == value

    def expect(self, kind: str, value: str) -> Token:
        """Consume the given token or raise a :class:`ParseError` naming it."""
        if not self.check(kind, value):
            raise self.error(f"expected {value!r}")
        return self.advance()

    def error(self, message: str) -> ParseError:
        """Build a :class:`ParseError` located at the current token."""
        token = self.peek()
        if token.kind == "eof":
            return ParseError(f"{message}, found end of input", token.line, token.column)
        return ParseError(f"{message}, found {token.value!r}", token.line, token.column)

    def program(self) -> Program:
        """Parse the whole token list."""
        first = self.peek()
        statements = [self.statement()]
        while self.check("op", ";"):
            self.advance()
            if self.peek().kind == "eof":
                break
            statements.append(self.statement())
        if self.peek().kind != "eof":
            raise self.error("expected ';' or end of input")
        return Program(statements, line=first.line, column=first.column)

    def statement(self) -> Node:
        """Parse a ``let`` statement or an expression."""
        if not self.check("keyword", "let"):
            return self.expr()
        start = self.advance()
        name = self.peek()
        if name.kind != "name":
            raise self.error("expected a variable name")
        self.advance()
        self.expect("op", "=")
        return Let(str(name.value), self.expr(), line=start.line, column=start.column)

    def expr(self) -> Node:
        """Parse an ``if`` expression or an ``or`` chain."""
        if not self.check("keyword", "if"):
            return self.logical_or()
        start = self.advance()
        condition = self.expr()
        self.expect("keyword", "then")
        then = self.expr()
        self.expect("keyword", "else")
        otherwise = self.expr()
        return If(condition, then, otherwise, line=start.line, column=start.column)

    def logical_or(self) -> Node:
        """Parse ``a or b or ...`` (left-associative)."""
        node = self.logical_and()
        while self.check("keyword", "or"):
            op = self.advance()
            node = Binary("or", node, self.logical_and(), line=op.line, column=op.column)
        return node

    def logical_and(self) -> Node:
        """Parse ``a and b and ...`` (left-associative)."""
        node = self.logical_not()
        while self.check("keyword", "and"):
            op = self.advance()
            node = Binary("and", node, self.logical_not(), line=op.line, column=op.column)
        return node

    def logical_not(self) -> Node:
        """Parse ``not`` applied any number of times."""
        if self.check("keyword", "not"):
            op = self.advance()
            return Unary("not", self.logical_not(), line=op.line, column=op.column)
        return self.comparison()

    def comparison(self) -> Node:
        """Parse a comparison chain such as ``a < b <= c``."""
        first = self.sum()
        ops: list[str] = []
        operands = [first]
        start = self.peek()
        while self.peek().kind == "op" and self.peek().value in COMPARISONS:
            ops.append(str(self.advance().value))
            operands.append(self.sum())
        if not ops:
            return first
        return Compare(ops, operands, line=start.line, column=start.column)

    def sum(self) -> Node:
        """Parse ``+`` and ``-`` (left-associative)."""
        node = self.term()
        while self.check("op", "+") or self.check("op", "-"):
            op = self.advance()
            node = Binary(str(op.value), node, self.term(), line=op.line, column=op.column)
        return node

    def term(self) -> Node:
        """Parse ``*``, ``/`` and ``%`` (left-associative)."""
        node = self.unary()
        while self.check("op", "*") or self.check("op", "/") or self.check("op", "%"):
            op = self.advance()
            node = Binary(str(op.value), node, self.unary(), line=op.line, column=op.column)
        return node

    def unary(self) -> Node:
        """Parse prefix ``-`` and ``+``; they bind looser than ``**``."""
        if self.check("op", "-") or self.check("op", "+"):
            op = self.advance()
            return Unary(str(op.value), self.unary(), line=op.line, column=op.column)
        return self.power()

    def power(self) -> Node:
        """Parse ``**`` (right-associative; the exponent may carry a sign)."""
        base = self.primary()
        if self.check("op", "**"):
            op = self.advance()
            return Binary("**", base, self.unary(), line=op.line, column=op.column)
        return base

    def primary(self) -> Node:
        """Parse a number, variable, call or parenthesized expression."""
        token = self.peek()
        if token.kind == "number":
            self.advance()
            return Number(cast(int | float, token.value), line=token.line, column=token.column)
        if token.kind == "name":
            self.advance()
            if self.check("op", "("):
                return Call(str(token.value), self.arguments(), line=token.line, column=token.column)
            return Name(str(token.value), line=token.line, column=token.column)
        if self.check("op", "("):
            self.advance()
            node = self.expr()
            self.expect("op", ")")
            return node
        raise self.error("expected an expression")

    def arguments(self) -> list[Node]:
        """Parse a parenthesized, comma-separated argument list."""
        self.expect("op", "(")
        args: list[Node] = []
        if self.check("op", ")"):
            self.advance()
            return args
        args.append(self.expr())
        while self.check("op", ","):
            self.advance()
            args.append(self.expr())
        self.expect("op", ")")
        return args


def parse(source: str) -> Program:
    """Parse ``source`` into a :class:`Program`; raises :class:`ParseError` on bad input."""
    return Parser(tokenize(source)).program()
