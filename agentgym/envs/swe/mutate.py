r"""Inject realistic single bugs into Python source files, to make SWE tasks (an agent then fixes them).

Every mutation is one small edit of a source segment inside a function or method body; the rest of the file
stays byte-identical (nothing is re-printed with ``ast.unparse``). The kinds, with an example each:

``flip_comparison``
    ``a < b`` -> ``a <= b`` (also ``>``/``>=``, ``==``/``!=``, ``in``/``not in``, ``is``/``is not``).
``off_by_one``
    ``range(1, n)`` -> ``range(0, n)``: an int literal moves by one (+1 or -1, chosen by its position; never
    below zero). Literal data tables, conditions used as booleans and ``return`` values are left alone.
``swap_operands``
    ``a - b * c`` -> ``b * c - a`` (also ``/``, ``//``, ``%``, ``**`` and the order comparisons ``a < b`` ->
    ``b < a``); operands are parenthesized where precedence needs it: ``a - b - c`` -> ``c - (a - b)``.
    Not for ``"%s" % x`` formatting.
``swap_arguments``
    ``divmod(a, b)`` -> ``divmod(b, a)``: the first two positional arguments of a call (not of ``max``,
    ``min``, ``isinstance``, ``getattr`` and the like, where a swap changes nothing or fails at once).
``drop_statement``
    ``total += x`` disappears: the whole lines of an assignment or expression statement that is not alone in
    its block.
``invert_condition``
    ``if a and b:`` -> ``if not (a and b):``, ``while ok:`` -> ``while not ok:``, ``x if c else y`` ->
    ``x if not c else y``; a test that is already ``not c`` becomes ``c``.
``wrong_return``
    ``return x`` -> ``return None``; ``return True`` -> ``return False``; ``return 3`` -> ``return 4``.
``swap_boolean_operator``
    ``a and b`` -> ``a or b`` (and back).
``swap_arithmetic``
    ``a + b`` -> ``a - b``, ``a * b`` -> ``a / b`` (and back), also in ``x += 1``; skipped where an operand
    looks like a string or sequence (a string literal, an f-string, a list, ``str(x)``, ``", ".join(...)``).

Never mutated: module and class level code, docstrings, ``__all__``, ``if __name__ == "__main__":`` blocks,
annotations, decorators, default argument values and f-strings; no-op edits (swapping identical operands,
``x + 0`` -> ``x - 0``) are left out. Each candidate is checked by parsing the edited statement (or function)
on its own and comparing its tree with the intended one, so the mutated file always parses and means what the
description says (precedence included).

>>> src = "def spread(xs):\n    return max(xs) - min(xs)\n"
>>> [m.kind for m in find_mutations(src, "stats.py")]
['swap_operands', 'wrong_return', 'swap_arithmetic']
>>> m = find_mutations(src, "stats.py")[0]
>>> print(apply_mutation(src, m), end="")
def spread(xs):
    return min(xs) - max(xs)
>>> print(unified_diff("stats.py", src, apply_mutation(src, m)), end="")
diff --git a/stats.py b/stats.py
--- a/stats.py
+++ b/stats.py
@@ -1,2 +1,2 @@
 def spread(xs):
-    return max(xs) - min(xs)
+    return min(xs) - max(xs)
"""

from __future__ import annotations

import ast
import bisect
import difflib
import io
import random
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["KINDS", "Mutation", "apply_mutation", "find_mutations", "sample_mutations", "unified_diff"]

KINDS: tuple[str, ...] = ("flip_comparison", "off_by_one", "swap_operands", "swap_arguments", "drop_statement",
                          "invert_condition", "wrong_return", "swap_boolean_operator", "swap_arithmetic")


@dataclass(frozen=True)
class Mutation:
    """One injected bug: replace ``original`` (the source from ``line:col`` to ``end_line:end_col``) by
    ``replacement``. Lines are 1-based, columns 0-based character offsets; ``function`` is the qualified name
    of the enclosing function (``Heap.push``, ``outer.inner``). ``description`` is for logs, not for agents."""

    kind: str
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    original: str
    replacement: str
    description: str
    function: str | None = None


_CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
             ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_CMP_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_ORDER_CMP = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_BIN_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
             ast.Pow: "**"}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
# calls whose first two arguments commute, or whose swap is only an instant TypeError
_NO_SWAP_CALLS = frozenset({"max", "min", "gcd", "lcm", "hypot", "isclose", "dist", "isinstance", "issubclass",
                            "getattr", "setattr", "hasattr", "delattr"})
_STRING_CALLS = frozenset({"str", "repr", "chr", "format", "bytes", "list", "tuple", "sorted", "join", "strip",
                           "lstrip", "rstrip", "lower", "upper", "replace", "title", "capitalize", "encode",
                           "decode", "ljust", "rjust", "center", "zfill"})
_SKIP_TOKENS = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
                tokenize.ENCODING)

_DROP = object()


# ----------------------------------------------------------------------------------------------- helpers


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start (a final ``len(text)`` when the text ends with a newline)."""
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _split_lines(text: str) -> list[str]:
    """Lines with their ``\n`` (only ``\n`` ends a line, as for git; ``str.splitlines`` also splits at ``\f``)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def _canon(node: object) -> object:
    """A comparable form of a tree without positions; ``a or (b or c)`` and ``a or b or c`` compare equal."""
    if isinstance(node, ast.BoolOp):
        values: list[object] = []
        for v in node.values:
            if isinstance(v, ast.BoolOp) and type(v.op) is type(node.op):
                values.extend(_canon(v)[2])  # type: ignore[index]
            else:
                values.append(_canon(v))
        return ("BoolOp", type(node.op).__name__, tuple(values))
    if isinstance(node, ast.Constant):
        return ("Constant", type(node.value).__name__, repr(node.value))
    if isinstance(node, ast.AST):
        return (type(node).__name__, *(_canon(getattr(node, f, None)) for f in node._fields))
    if isinstance(node, list):
        return tuple(_canon(x) for x in node)
    return node


def _same(a: ast.AST, b: ast.AST) -> bool:
    return _canon(a) == _canon(b)


@contextmanager
def _changed(changes: list[tuple]) -> Iterator[None]:
    """Apply ``(node, "field", value)`` / ``(list, index, value)`` changes to the tree in place (``_DROP`` as the
    value deletes a list item) for the duration of the block."""
    done: list[tuple] = []
    try:
        for obj, key, value in changes:
            if isinstance(key, str):
                done.append((setattr, obj, key, getattr(obj, key)))
                setattr(obj, key, value)
            elif value is _DROP:
                done.append((list.insert, obj, key, obj.pop(key)))
            else:
                done.append((list.__setitem__, obj, key, obj[key]))
                obj[key] = value
        yield
    finally:
        for undo, obj, key, old in reversed(done):
            undo(obj, key, old)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_main_guard(node: ast.AST) -> bool:
    if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1):
        return False
    sides = [node.test.left, node.test.comparators[0]]
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    consts = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and consts == {"__main__"}


def _assigns_all(node: ast.AST) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


def _is_number(node: ast.AST, value: int) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value


def _stringy(node: ast.AST) -> bool:
    """Whether an operand looks like a string or sequence (so ``+``/``*`` may be concatenation/repetition)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, ast.ListComp, ast.Dict, ast.Set)):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult, ast.Mod)):
        return _stringy(node.left) or _stringy(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        return name in _STRING_CALLS
    return False


def _format_int(text: str, value: int) -> str:
    """``value`` written like the literal ``text`` (hex stays hex, ``0o``/``0b`` likewise)."""
    prefix = text[:2].lower()
    if prefix == "0x":
        digits = format(value, "x")
        return text[:2] + (digits.upper() if any(c in "ABCDEF" for c in text[2:]) else digits)
    if prefix in ("0o", "0b"):
        return text[:2] + format(value, prefix[1])
    return str(value)


def _snip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class _Unit:
    """A statement (or function) whose lines hold nothing else, so they parse on their own: the edits inside it
    are checked by parsing just these lines."""

    node: ast.AST
    qual: str  # the enclosing function's qualified name
    lo: int  # offset of the start of its first line (decorators included)
    hi: int  # offset just past its last line
    prefix: str  # "if 1:\n" when indented, so that the lines parse on their own


# ----------------------------------------------------------------------------------------------- scanner


class _Scanner:
    """Walks the function bodies of one module and collects verified mutations."""

    def __init__(self, source: str, path: str) -> None:
        self.src = source
        self.path = path
        self.tree = ast.parse(source)
        self.starts = _line_starts(source)
        self.lines = source.split("\n")
        self.tokens: list[tuple[int, int, int, str]] = []
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in _SKIP_TOKENS:
                self.tokens.append((self._off(*tok.start), self._off(*tok.end), tok.type, tok.string))
        self.token_starts = [t[0] for t in self.tokens]
        self.found: list[Mutation] = []

    # positions
    def _off(self, row: int, col: int) -> int:
        return self.starts[row - 1] + col

    def _char_off(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1]
        col = byte_col if line.isascii() else len(line.encode("utf-8")[:byte_col].decode("utf-8"))
        return self.starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self._char_off(node.lineno, node.col_offset), self._char_off(node.end_lineno, node.end_col_offset))

    def rowcol(self, off: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, off)
        return row, off - self.starts[row - 1]

    def _between(self, a: int, b: int) -> list[tuple[int, int, int, str]]:
        out, i = [], bisect.bisect_left(self.token_starts, a)
        while i < len(self.tokens) and self.tokens[i][1] <= b:
            out.append(self.tokens[i])
            i += 1
        return out

    def _has_comment(self, a: int, b: int) -> bool:
        return any(t[2] == tokenize.COMMENT for t in self._between(a, b))

    def _operator(self, a: int, b: int, words: list[str]) -> tuple[int, int, list] | None:
        """The operator tokens ``words`` between offsets a and b, which hold nothing else but parentheses."""
        toks = self._between(a, b)
        ops = [t for t in toks if t[3] not in ("(", ")")]
        if [t[3] for t in ops] != words or any(t[2] == tokenize.COMMENT for t in toks):
            return None
        return ops[0][0], ops[-1][1], toks

    # recording
    def _add(self, kind: str, unit: _Unit, start: int, end: int, texts: Iterable[str], description: str,
             edit: list[tuple]) -> None:
        """Record the first replacement text whose edited function parses to the intended tree."""
        for text in texts:
            if self._verify(unit, start, end, text, edit):
                (line, col), (end_line, end_col) = self.rowcol(start), self.rowcol(end)
                self.found.append(Mutation(kind, self.path, line, col, end_line, end_col, self.src[start:end],
                                           text, description, unit.qual))
                return

    def _verify(self, unit: _Unit, start: int, end: int, text: str, edit: list[tuple]) -> bool:
        chunk = self.src[unit.lo:start] + text + self.src[end:unit.hi]
        if chunk == self.src[unit.lo:unit.hi]:
            return False
        try:
            body = ast.parse(unit.prefix + chunk).body
        except (SyntaxError, ValueError):
            return False
        if unit.prefix:
            if len(body) != 1 or not isinstance(body[0], ast.If):
                return False
            body = body[0].body
        if len(body) != 1:
            return False
        with _changed(edit):
            expected = _canon(unit.node)
        return _canon(body[0]) == expected

    # walking
    def scan(self) -> list[Mutation]:
        self._container(self.tree.body, "")
        return self.found

    def _container(self, body: list[ast.stmt], prefix: str) -> None:
        """Module or class level: only look for functions (and classes) to enter."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(stmt, prefix + stmt.name)
            elif isinstance(stmt, ast.ClassDef):
                self._container(stmt.body, f"{prefix}{stmt.name}.")
            elif not _is_main_guard(stmt):
                for child in ast.iter_child_nodes(stmt):
                    if isinstance(child, ast.stmt):
                        self._container([child], prefix)
                    elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        self._container(child.body, prefix)

    def _own_lines(self, node: ast.AST, first: int | None = None) -> tuple[int, int] | None:
        """Offsets of the whole lines of ``node`` (from line ``first``), unless they hold other code too."""
        start, end = self.span(node)
        lo = self.starts[(first or node.lineno) - 1]
        last = node.end_lineno
        rest = self.src[end:self.starts[last - 1] + len(self.lines[last - 1])].strip()
        shared_start = first is None and self.src[lo:start].strip()
        if shared_start or (rest and not rest.startswith("#")):
            return None
        return lo, (self.starts[last] if last < len(self.starts) else len(self.src))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> None:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lo, hi = self._own_lines(node, first) or (self.starts[first - 1], len(self.src))
        unit = _Unit(node, qual, lo, hi, "if 1:\n" if node.col_offset else "")
        skip = 1 if _is_docstring(node.body[0]) else 0
        self._block(node.body, unit, skip)
        for stmt in node.body[skip:]:
            self._visit(stmt, node, unit)

    def _visit(self, node: ast.AST, parent: ast.AST, unit: _Unit) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node, f"{unit.qual}.{node.name}")
            return
        if isinstance(node, ast.ClassDef):
            self._container(node.body, f"{unit.qual}.{node.name}.")
            return
        if isinstance(node, ast.JoinedStr) or _is_main_guard(node) or _assigns_all(node):
            return
        if isinstance(node, ast.stmt) and not self.src.startswith("elif", self.span(node)[0]):
            lines = self._own_lines(node)
            if lines is not None:
                unit = _Unit(node, unit.qual, *lines, "if 1:\n" if self.span(node)[0] > lines[0] else "")
        self._candidates(node, parent, unit)
        if isinstance(node, ast.Lambda):
            children: list = [node.body]  # not its defaults
        elif isinstance(node, ast.AnnAssign):
            children = [node.target, node.value]  # not the annotation
        elif isinstance(node, ast.match_case):
            children = [node.guard, *node.body]  # not the pattern
        else:
            children = list(ast.iter_child_nodes(node))
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self._block(value, unit, 0)
        for child in children:
            if child is not None:
                self._visit(child, node, unit)

    def _candidates(self, node: ast.AST, parent: ast.AST, unit: _Unit) -> None:
        if isinstance(node, ast.Compare):
            self._flip_comparison(node, unit)
            right = node.comparators[0]
            if len(node.ops) == 1 and isinstance(node.ops[0], _ORDER_CMP) and not _same(node.left, right):
                edit = [(node, "left", right), (node.comparators, 0, node.left)]
                self._swap_operands(node, node.left, right, _CMP_TEXT[type(node.ops[0])], edit, unit)
        elif isinstance(node, ast.BinOp):
            formatting = isinstance(node.op, ast.Mod) and _stringy(node.left)  # "%s" % x
            if isinstance(node.op, _NON_COMMUTATIVE) and not formatting and not _same(node.left, node.right):
                edit = [(node, "left", node.right), (node, "right", node.left)]
                self._swap_operands(node, node.left, node.right, _BIN_TEXT[type(node.op)], edit, unit)
            self._swap_arithmetic(node, node.left, node.right, unit)
        elif isinstance(node, ast.AugAssign):
            self._swap_arithmetic(node, node.target, node.value, unit)
        elif isinstance(node, ast.Constant):
            self._off_by_one(node, parent, unit)
        elif isinstance(node, ast.Call):
            self._swap_arguments(node, unit)
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            self._invert_condition(node, unit)
        elif isinstance(node, ast.Return):
            self._wrong_return(node, unit)
        elif isinstance(node, ast.BoolOp):
            self._swap_boolean_operator(node, unit)

    # the kinds
    def _flip_comparison(self, node: ast.Compare, unit: _Unit) -> None:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            loc = self._operator(self.span(operands[i])[1], self.span(operands[i + 1])[0],
                                 _CMP_TEXT[type(op)].split())
            if loc is None:
                continue
            new = _CMP_FLIP[type(op)]()
            old_text, new_text = _CMP_TEXT[type(op)], _CMP_TEXT[type(new)]
            self._add("flip_comparison", unit, loc[0], loc[1], [new_text], f"flip `{old_text}` to `{new_text}`",
                      [(node.ops, i, new)])

    def _off_by_one(self, node: ast.Constant, parent: ast.AST, unit: _Unit) -> None:
        if type(node.value) is not int:
            return
        if isinstance(parent, (ast.Tuple, ast.List, ast.Set)) and all(_is_literal(e) for e in parent.elts):
            return  # a table of constants is data, not logic
        if isinstance(parent, ast.Dict) and all(_is_literal(e) for e in [*parent.keys, *parent.values] if e):
            return
        if isinstance(parent, ast.Subscript) and isinstance(parent.value, (ast.Tuple, ast.List)):
            return
        if isinstance(parent, (ast.If, ast.While, ast.IfExp)) and parent.test is node:
            return  # `while 1:` is a boolean
        if isinstance(parent, (ast.BoolOp, ast.Return)) or isinstance(getattr(parent, "op", None), ast.Not):
            return
        negated = isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)
        start, end = self.span(node)
        line, col = self.rowcol(start)
        new = node.value + (1 if (line + col) % 2 == 0 else -1)
        if new < 0 or (new == 0 and negated):
            new = node.value + 1
        old_text = self.src[start:end]
        text = _format_int(old_text, new)
        self._add("off_by_one", unit, start, end, [text], f"change `{old_text}` to `{text}`", [(node, "value", new)])

    def _swap_operands(self, node: ast.AST, left: ast.AST, right: ast.AST, op_text: str, edit: list[tuple],
                       unit: _Unit) -> None:
        start, end = self.span(node)
        loc = self._operator(self.span(left)[1], self.span(right)[0], [op_text])
        if loc is None or self._has_comment(start, end):
            return
        op_start, op_end, toks = loc
        left_end = max([t[1] for t in toks if t[3] == ")" and t[1] <= op_start], default=self.span(left)[1])
        right_start = min([t[0] for t in toks if t[3] == "(" and t[0] >= op_end], default=self.span(right)[0])
        a, middle, b = self.src[start:left_end], self.src[left_end:right_start], self.src[right_start:end]
        texts = [b + middle + a, b + middle + f"({a})", f"({b})" + middle + a, f"({b})" + middle + f"({a})"]
        self._add("swap_operands", unit, start, end, texts, f"swap the operands of `{_snip(self.src[start:end])}`",
                  edit)

    def _swap_arguments(self, node: ast.Call, unit: _Unit) -> None:
        if len(node.args) < 2 or any(isinstance(a, ast.Starred) for a in node.args[:2]):
            return
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        first, second = node.args[:2]
        if name in _NO_SWAP_CALLS or _same(first, second):
            return
        (s0, e0), (s1, e1) = self.span(first), self.span(second)
        if self._has_comment(s0, e1):
            return
        text = self.src[s1:e1] + self.src[e0:s1] + self.src[s0:e0]
        self._add("swap_arguments", unit, s0, e1, [text],
                  f"swap the arguments `{_snip(self.src[s0:e0])}` and `{_snip(self.src[s1:e1])}` of `{name}`",
                  [(node.args, 0, second), (node.args, 1, first)])

    def _block(self, body: list[ast.stmt], unit: _Unit, skip: int) -> None:
        if len(body) < 2:
            return
        for i, stmt in enumerate(body):
            if i < skip or _assigns_all(stmt):
                continue
            if isinstance(stmt, ast.Expr):
                if isinstance(stmt.value, (ast.Constant, ast.Yield, ast.YieldFrom)):
                    continue
            elif not isinstance(stmt, (ast.Assign, ast.AugAssign)) and not (
                    isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
                continue
            lines = self._own_lines(stmt)
            if lines is not None:  # else it shares a line with other code
                start, end = self.span(stmt)
                self._add("drop_statement", unit, *lines, [""], f"drop `{_snip(self.src[start:end])}`",
                          [(body, i, _DROP)])

    def _invert_condition(self, node: ast.If | ast.While | ast.IfExp, unit: _Unit) -> None:
        test = node.test
        if isinstance(test, ast.Constant):
            return
        start, end = self.span(test)
        text = self.src[start:end]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner_start, inner_end = self.span(test.operand)
            texts = [self.src[inner_start:inner_end], self.src[start + 3:end].strip()]
            edit = [(node, "test", test.operand)]
            description = f"drop the `not` of `{_snip(text)}`"
        else:
            atomic = isinstance(test, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
            texts = ([f"not {text}"] if atomic else []) + [f"not ({text})"]
            edit = [(node, "test", ast.UnaryOp(op=ast.Not(), operand=test))]
            description = f"negate the condition `{_snip(text)}`"
        self._add("invert_condition", unit, start, end, texts, description, edit)

    def _wrong_return(self, node: ast.Return, unit: _Unit) -> None:
        value = node.value
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return
        stmt_start, end = self.span(node)
        keyword_end = start = stmt_start + len("return")
        while start < end and self.src[start] in " \t":
            start += 1
        numeric = value.operand if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) else value
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            text = repr(not value.value)
        elif isinstance(numeric, ast.Constant) and type(numeric.value) in (int, float):
            text = repr(ast.literal_eval(value) + 1)
        else:
            text = "None"
        expected = ast.parse(text, mode="eval").body
        old_text = self.src[start:end]
        self._add("wrong_return", unit, start, end, [text if start > keyword_end else " " + text],
                  f"return `{text}` instead of `{_snip(old_text)}`", [(node, "value", expected)])

    def _swap_boolean_operator(self, node: ast.BoolOp, unit: _Unit) -> None:
        if all(_same(node.values[0], v) for v in node.values[1:]):
            return
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        locs = []
        for a, b in zip(node.values, node.values[1:], strict=False):
            loc = self._operator(self.span(a)[1], self.span(b)[0], [old])
            if loc is None:
                return
            locs.append(loc)
        start, end = locs[0][0], locs[-1][1]
        pieces, pos = [], start
        for op_start, op_end, _ in locs:
            pieces += [self.src[pos:op_start], new]
            pos = op_end
        self._add("swap_boolean_operator", unit, start, end, ["".join(pieces)], f"change `{old}` to `{new}`",
                  [(node, "op", ast.Or() if old == "and" else ast.And())])

    def _swap_arithmetic(self, node: ast.BinOp | ast.AugAssign, left: ast.AST, right: ast.AST,
                         unit: _Unit) -> None:
        op = type(node.op)
        if op not in _ARITH_SWAP or _stringy(left) or _stringy(right):
            return
        if _is_number(right, 0 if op in (ast.Add, ast.Sub) else 1):
            return  # x + 0 == x - 0, x * 1 == x / 1 (near enough)
        new = _ARITH_SWAP[op]
        suffix = "=" if isinstance(node, ast.AugAssign) else ""
        old_text, new_text = _BIN_TEXT[op] + suffix, _BIN_TEXT[new] + suffix
        loc = self._operator(self.span(left)[1], self.span(right)[0], [old_text])
        if loc is not None:
            self._add("swap_arithmetic", unit, loc[0], loc[1], [new_text], f"change `{old_text}` to `{new_text}`",
                      [(node, "op", new())])


# ----------------------------------------------------------------------------------------------- API


def find_mutations(source: str, path: str) -> list[Mutation]:
    """Every candidate mutation of ``source`` (the file at repo-relative ``path``), ordered by position, then
    kind (the order of ``KINDS``). A file that does not parse, or has lone ``\r`` line ends, gives none."""
    if re.search("\r(?!\n)", source):
        return []
    try:
        found = _Scanner(source, path).scan()
    except (SyntaxError, ValueError, tokenize.TokenError, RecursionError):
        return []
    rank = {kind: i for i, kind in enumerate(KINDS)}
    found.sort(key=lambda m: (m.line, m.col, rank[m.kind], m.end_line, m.end_col, m.replacement))
    out, seen = [], set()
    for m in found:  # two kinds that make the very same edit: keep the first
        key = (m.line, m.col, m.end_line, m.end_col, m.replacement)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def apply_mutation(source: str, m: Mutation) -> str:
    """``source`` with ``m`` applied; ValueError when ``source`` does not hold ``m.original`` where expected."""
    starts = _line_starts(source)
    if not (1 <= m.line <= len(starts) and 1 <= m.end_line <= len(starts)):
        raise ValueError(f"{m.path}: lines {m.line}-{m.end_line} are out of range")
    start, end = starts[m.line - 1] + m.col, starts[m.end_line - 1] + m.end_col
    if source[start:end] != m.original:
        raise ValueError(f"{m.path}:{m.line}:{m.col}: the source does not hold {m.original!r} there")
    return source[:start] + m.replacement + source[end:]


def unified_diff(path: str, before: str, after: str) -> str:
    """A git-style diff (3 lines of context) from ``before`` to ``after`` that ``git apply`` accepts; empty when
    they are equal. The gold patch of a task is ``unified_diff(path, mutated, original)``."""
    if before == after:
        return ""
    out = [f"diff --git a/{path} b/{path}\n", f"--- a/{path}\n", f"+++ b/{path}\n"]
    for line in list(difflib.unified_diff(_split_lines(before), _split_lines(after), n=3, lineterm="\n"))[2:]:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def sample_mutations(files: dict[str, str], n: int, seed: int, kinds: Iterable[str] | None = None,
                     per_function: int = 2) -> list[Mutation]:
    """A seeded sample of up to ``n`` mutations of ``files`` (path -> source): round-robin over the kinds (in a
    seeded order) so that every kind with candidates is represented, at most ``per_function`` mutations per
    (path, function) and no two with the same (path, line, col, kind)."""
    wanted = tuple(dict.fromkeys(KINDS if kinds is None else kinds))
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown mutation kinds: {unknown}")
    rng = random.Random(seed)
    pools: dict[str, list[Mutation]] = {kind: [] for kind in wanted}
    for path in sorted(files):
        for m in find_mutations(files[path], path):
            if m.kind in pools:
                pools[m.kind].append(m)
    for kind in wanted:
        rng.shuffle(pools[kind])
    order = [kind for kind in wanted if pools[kind]]
    rng.shuffle(order)
    picked: list[Mutation] = []
    per_fn: Counter[tuple[str, str | None]] = Counter()
    seen: set[tuple[str, int, int, str]] = set()
    while len(picked) < n and order:
        for kind in list(order):
            if len(picked) >= n:
                break
            pool = pools[kind]
            while pool:
                m = pool.pop()
                key = (m.path, m.line, m.col, m.kind)
                if key not in seen and per_fn[(m.path, m.function)] < per_function:
                    seen.add(key)
                    per_fn[(m.path, m.function)] += 1
                    picked.append(m)
                    break
            if not pool:
                order.remove(kind)
    return picked
