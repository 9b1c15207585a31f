"""Error classes raised by minicalc; all carry the 1-based line and column of the problem."""


class CalcError(Exception):
    """Base class for every minicalc error."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line}, column {column}")
        self.message = message
        self.line = line
        self.column = column


class ParseError(CalcError):
    """The source text is not a valid program (bad character, token or structure)."""


class NameError_(CalcError):
    """A variable or function name that is not defined (underscore: not the builtin NameError)."""


class DivisionByZeroError(CalcError):
    """Division or modulo by zero, or zero raised to a negative power."""


class ArgumentError(CalcError):
    """A built-in function was called with the wrong number or kind of arguments."""


class DomainError(CalcError):
    """A mathematically undefined or unrepresentable result (e.g. ``sqrt(-1)``)."""
