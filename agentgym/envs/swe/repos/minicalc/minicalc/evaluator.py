"""Tree-walking evaluator and the built-in functions."""

import math
from collections.abc import Callable

from minicalc.errors import ArgumentError, DivisionByZeroError, DomainError, NameError_
from minicalc.nodes import Binary, Call, Compare, If, Let, Name, Node, Number, Program, Unary

Value = int | float
Env = dict[str, Value]


def _check_arity(call: Call, args: list[Value], low: int, high: int | None) -> None:
    """Raise :class:`ArgumentError` unless ``low <= len(args) <= high`` (no upper bound if None)."""
    count = len(args)
    if count < low or (high is not None and count > high):
        if high is None:
            expected = f"at least {low}"
        elif low == high:
            expected = str(low)
        else:
            expected = f"{low} to {high}"
        raise ArgumentError(f"{call.func}() takes {expected} argument(s), got {count}", call.line, call.column)


def round_half_away(value: Value, digits: int = 0) -> Value:
    """Round to ``digits`` decimals, halves away from zero; an int when ``digits <= 0``."""
    factor = 10**digits
    scaled = math.floor(abs(value) * factor + 0.5)
    result = scaled / factor
    if value < 0:
        result = -result
    if digits <= 0:
        return int(result)
    return result


def _builtin_round(call: Call, args: list[Value]) -> Value:
    """round(x[, digits]): halves away from zero."""
    _check_arity(call, args, 1, 2)
    digits = args[1] if len(args) == 2 else 0
    if digits != int(digits):
        raise ArgumentError("round() digits must be a whole number", call.line, call.column)
    return round_half_away(args[0], int(digits))


def _builtin_sqrt(call: Call, args: list[Value]) -> Value:
    """sqrt(x) for x >= 0."""
    _check_arity(call, args, 1, 1)
    if args[0] < 0:
        raise DomainError("sqrt() of a negative number", call.line, call.column)
    return math.sqrt(args[0])


def _builtin_abs(call: Call, args: list[Value]) -> Value:
    """abs(x)."""
    _check_arity(call, args, 1, 1)
    return -args[0] if args[0] < 0 else args[0]


def _builtin_min(call: Call, args: list[Value]) -> Value:
    """min(x, ...): the first smallest argument."""
    _check_arity(call, args, 1, None)
    best = args[0]
    for value in args[1:]:
        if value < best:
            best = value
    return best


def _builtin_max(call: Call, args: list[Value]) -> Value:
    """max(x, ...): the first largest argument."""
    _check_arity(call, args, 1, None)
    best = args[0]
    for value in args[1:]:
        if value > best:
            best = value
    return best


BUILTINS: dict[str, Callable[[Call, list[Value]], Value]] = {
    "abs": _builtin_abs,
    "max": _builtin_max,
    "min": _builtin_min,
    "round": _builtin_round,
    "sqrt": _builtin_sqrt,
}


def _compare(op: str, left: Value, right: Value) -> bool:
    """Apply one comparison operator."""
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "==":
        return left == right
    return left != right


def _arithmetic(node: Binary, left: Value, right: Value) -> Value:
    """Apply ``+ - * / % **`` with minicalc's error rules."""
    op = node.op
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op in ("/", "%") and right == 0:
        raise DivisionByZeroError("division by zero", node.line, node.column)
    if op == "/":
        return left / right
    if op == "%":
        return left % right
    if left == 0 and right < 0:
        raise DivisionByZeroError("zero to a negative power", node.line, node.column)
    if left < 0 and right != int(right):
        raise DomainError("fractional power of a negative number", node.line, node.column)
    try:
        return left**right
    except OverflowError:
        raise DomainError("result too large", node.line, node.column) from None


class Evaluator:
    """Evaluates nodes against a variable environment (mutated by ``let``)."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def run(self, program: Program) -> Value:
        """Run every statement and return the value of the last one."""
        for statement in program.statements[:-1]:
            self.eval(statement)
        return self.eval(program.statements[-1])

    def eval(self, node: Node) -> Value:
        """Evaluate one expression or statement node."""
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            if node.name not in self.env:
                raise NameError_(f"unknown variable {node.name!r}", node.line, node.column)
            return self.env[node.name]
        if isinstance(node, Unary):
            value = self.eval(node.operand)
            if node.op == "not":
                return not value
            return -value if node.op == "-" else value
        if isinstance(node, Binary):
            return self.eval_binary(node)
        if isinstance(node, Compare):
            return self.eval_compare(node)
        if isinstance(node, If):
            return self.eval(node.then) if self.eval(node.condition) else self.eval(node.otherwise)
        if isinstance(node, Call):
            func = BUILTINS.get(node.func)
            if func is None:
                raise NameError_(f"unknown function {node.func!r}", node.line, node.column)
            return func(node, [self.eval(arg) for arg in node.args])
        if isinstance(node, Let):
            value = self.eval(node.value)
            self.env[node.name] = value
            return value
        raise TypeError(f"cannot evaluate {node!r}")

    def eval_binary(self, node: Binary) -> Value:
        """Evaluate arithmetic or short-circuit ``and``/``or`` (which yield booleans)."""
        left = self.eval(node.left)
        if node.op == "and":
            return bool(left) and bool(self.eval(node.right))
        if node.op == "or":
            return bool(left) or bool(self.eval(node.right))
        return _arithmetic(node, left, self.eval(node.right))

    def eval_compare(self, node: Compare) -> bool:
        """Evaluate a chain: ``a < b < c`` means ``a < b and b < c``; stops at the first false link."""
        left = self.eval(node.operands[0])
        for index, op in enumerate(node.ops):
            right = self.eval(node.operands[index + 1])
            if not _compare(op, left, right):
                return False
            left = right
        return True
