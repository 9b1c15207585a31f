"""minicalc: a small expression-language interpreter.

A program is one or more statements separated by ``;``. A statement is either an
expression or ``let name = expression``, which binds ``name`` for later statements.
The value of a program is the value of its last statement.
"""

from minicalc.errors import ArgumentError, CalcError, DivisionByZeroError, DomainError, NameError_, ParseError
from minicalc.evaluator import BUILTINS, Env, Evaluator, Value, round_half_away
from minicalc.lexer import Token, tokenize
from minicalc.nodes import dump
from minicalc.parser import parse


def evaluate(source: str, env: Env | None = None) -> Value:
    """Parse and run ``source``; return the value of the last statement.

    ``env`` maps variable names to numbers. When given, it is updated in place with
    the program's ``let`` bindings, so a caller can keep state across calls.
    """
    scope: Env = {} if env is None else env
    return Evaluator(scope).run(parse(source))


__all__ = [
    "BUILTINS",
    "ArgumentError",
    "CalcError",
    "DivisionByZeroError",
    "DomainError",
    "Env",
    "Evaluator",
    "NameError_",
    "ParseError",
    "Token",
    "Value",
    "dump",
    "evaluate",
    "parse",
    "round_half_away",
    "tokenize",
]
