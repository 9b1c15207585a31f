"""AST node classes and an s-expression printer for them."""

from dataclasses import dataclass, field


@dataclass
class Node:
    """Base class; ``line`` and ``column`` locate the node's main token."""

    line: int = field(kw_only=True)
    column: int = field(kw_only=True)


@dataclass
class Number(Node):
    """A numeric literal."""

    value: int | float


@dataclass
class Name(Node):
    """A variable reference."""

    name: str


@dataclass
class Unary(Node):
    """``-x``, ``+x`` or ``not x``."""

    op: str
    operand: Node


@dataclass
class Binary(Node):
    """Arithmetic (``+ - * / % **``) and the short-circuit ``and``/``or``."""

    op: str
    left: Node
    right: Node


@dataclass
class Compare(Node):
    """A comparison chain ``a < b <= c``: ``len(operands) == len(ops) + 1``."""

    ops: list[str]
    operands: list[Node]


@dataclass
class If(Node):
    """``if condition then a else b``."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass
class Call(Node):
    """A call of a built-in function."""

    func: str
    args: list[Node]


@dataclass
class Let(Node):
    """The statement ``let name = value``."""

    name: str
    value: Node


@dataclass
class Program(Node):
    """Statements separated by ``;``; the value is the last one's."""

    statements: list[Node]


def dump(node: Node) -> str:
    """Render ``node`` as a compact s-expression, e.g. ``(+ 1 (* 2 3))``."""
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Unary):
        return f"({node.op} {dump(node.operand)})"
    if isinstance(node, Binary):
        return f"({node.op} {dump(node.left)} {dump(node.right)})"
    if isinstance(node, Compare):
        parts = [dump(node.operands[0])]
        for index, op in enumerate(node.ops):
            parts.append(op)
            parts.append(dump(node.operands[index + 1]))
        return "(cmp " + " ".join(parts) + ")"
    if isinstance(node, If):
        return f"(if {dump(node.condition)} {dump(node.then)} {dump(node.otherwise)})"
    if isinstance(node, Call):
        return "(call " + " ".join([node.func, *(dump(arg) for arg in node.args)]) + ")"
    if isinstance(node, Let):
        return f"(let {node.name} {dump(node.value)})"
    if isinstance(node, Program):
        return "; ".join(dump(statement) for statement in node.statements)
    raise TypeError(f"not a node: {node!r}")
