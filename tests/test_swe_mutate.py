"""Tests of agentgym.envs.swe.mutate: single-bug injection into Python sources for SWE tasks."""

import ast
import dataclasses
import itertools
import subprocess
import textwrap
from collections import Counter

import pytest

from agentgym.envs.swe.mutate import (
    KINDS,
    Mutation,
    apply_mutation,
    find_mutations,
    sample_mutations,
    unified_diff,
)

SAMPLE = '''\
"""A small collections module: a binary heap and a few numeric helpers."""

from __future__ import annotations

__all__ = ["Heap", "clamp", "moving_average", "bisect_left", "word_counts", "parse_range"]

DEFAULT_WINDOW = 3


class Heap:
    """A binary min-heap of numbers."""

    def __init__(self, items: list[float] | None = None) -> None:
        self.items: list[float] = []
        for item in items or []:
            self.push(item)

    def __len__(self) -> int:
        return len(self.items)

    def push(self, value: float) -> None:
        """Add value, sifting it up to its place."""
        items = self.items
        items.append(value)
        i = len(items) - 1
        while i > 0:
            parent = (i - 1) // 2
            if items[parent] <= items[i]:
                break
            items[parent], items[i] = items[i], items[parent]
            i = parent

    def pop(self) -> float:
        """Remove and return the smallest value."""
        items = self.items
        if not items:
            raise IndexError("pop from an empty heap")
        last = items.pop()
        if not items:
            return last
        top, items[0] = items[0], last
        i = 0
        while True:
            child = 2 * i + 1
            if child >= len(items):
                break
            if child + 1 < len(items) and items[child + 1] < items[child]:
                child += 1
            if items[i] <= items[child]:
                break
            items[i], items[child] = items[child], items[i]
            i = child
        return top


def clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    """Limit x to [low, high]."""
    return max(low, min(high, x))


def moving_average(values: list[float], window: int = DEFAULT_WINDOW) -> list[float]:
    """Means of each run of `window` consecutive values."""
    if window <= 0 or window > len(values):
        return []
    out = []
    total = sum(values[:window])
    out.append(total / window)
    for i in range(window, len(values)):
        total += values[i] - values[i - window]
        out.append(total / window)
    return out


def bisect_left(xs: list[int], target: int) -> int:
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def word_counts(text: str, *, lower: bool = True) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in text.split():
        word = word.lower() if lower else word
        counts[word] = counts.get(word, 0) + 1
    return counts


def parse_range(spec: str) -> range:
    """'3-7' -> range(3, 8)."""
    start, sep, end = spec.partition("-")
    if not sep or not start.isdigit() and not end.isdigit():
        raise ValueError(f"bad range {spec!r}")
    return range(int(start), int(end) + 1)


def is_sorted(xs: list[int]) -> bool:
    return all(a <= b for a, b in zip(xs, xs[1:]))


if __name__ == "__main__":
    print(moving_average([1, 2, 3, 4], 2))
'''


def _src(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def _mutants(code: str, kind: str) -> list[str]:
    src = _src(code)
    return [apply_mutation(src, m) for m in find_mutations(src, "m.py") if m.kind == kind]


def _load(source: str, name: str):
    namespace: dict = {}
    exec(compile(source, "<mutant>", "exec"), namespace)
    return namespace[name]


def _git(cwd, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=check,
                          capture_output=True, text=True)


# ----------------------------------------------------------------------------------------------- kinds


def test_kinds_are_the_documented_nine():
    assert KINDS == ("flip_comparison", "off_by_one", "swap_operands", "swap_arguments", "drop_statement",
                     "invert_condition", "wrong_return", "swap_boolean_operator", "swap_arithmetic")


def test_flip_comparison_flips_each_operator_of_a_chain():
    code = """
        def f(a, b, c):
            return a < b <= c
    """
    assert _mutants(code, "flip_comparison") == [
        "def f(a, b, c):\n    return a <= b <= c\n",
        "def f(a, b, c):\n    return a < b < c\n",
    ]


def test_flip_comparison_membership_and_identity():
    code = """
        def f(x, ys):
            if x not in ys and x is None:
                return ys == x
    """
    assert _mutants(code, "flip_comparison") == [
        "def f(x, ys):\n    if x in ys and x is None:\n        return ys == x\n",
        "def f(x, ys):\n    if x not in ys and x is not None:\n        return ys == x\n",
        "def f(x, ys):\n    if x not in ys and x is None:\n        return ys != x\n",
    ]


def test_off_by_one_moves_int_literals_by_one_by_position():
    code = """
        def f(xs, n):
            ys = xs[1:]
            for i in range(0, n):
                ys.append(i * 2)
            return ys
    """
    assert _mutants(code, "off_by_one") == [
        "def f(xs, n):\n    ys = xs[2:]\n    for i in range(0, n):\n        ys.append(i * 2)\n    return ys\n",
        "def f(xs, n):\n    ys = xs[1:]\n    for i in range(1, n):\n        ys.append(i * 2)\n    return ys\n",
        "def f(xs, n):\n    ys = xs[1:]\n    for i in range(0, n):\n        ys.append(i * 3)\n    return ys\n",
    ]
    # the -1 direction, and a hex literal that stays hex
    assert _mutants("def g(x):\n    return x[-1] & 0xFF\n", "off_by_one") == [
        "def g(x):\n    return x[-2] & 0xFF\n", "def g(x):\n    return x[-1] & 0xFE\n"]


def test_off_by_one_skips_tables_booleans_bools_and_returns():
    code = """
        def f(k):
            table = (10, 20, 30)
            while 1:
                flag = True
                return 7
    """
    assert _mutants(code, "off_by_one") == []


def test_swap_operands_keeps_precedence():
    assert _mutants("def f(a, b, c):\n    return a - b*c\n", "swap_operands") == [
        "def f(a, b, c):\n    return b*c - a\n"]
    assert _mutants("def f(a, b, c):\n    return a - (b*c)\n", "swap_operands") == [
        "def f(a, b, c):\n    return (b*c) - a\n"]
    outer = _mutants("def f(a, b, c):\n    return a - b - c\n", "swap_operands")
    assert outer == ["def f(a, b, c):\n    return b - a - c\n", "def f(a, b, c):\n    return c - (a - b)\n"]
    assert _load(outer[1], "f")(10, 3, 2) == 2 - (10 - 3)
    power = _mutants("def f(a, b, c):\n    return a ** b ** c\n", "swap_operands")
    assert power == ["def f(a, b, c):\n    return (b ** c) ** a\n", "def f(a, b, c):\n    return a ** c ** b\n"]
    assert [_load(p, "f")(2, 3, 2) for p in power] == [(3 ** 2) ** 2, 2 ** (2 ** 3)]


def test_swap_operands_of_comparisons_and_what_is_left_alone():
    assert _mutants("def f(a, b):\n    return a < b\n", "swap_operands") == ["def f(a, b):\n    return b < a\n"]
    for body in ("x - x", "x == y", "x + y", "'%s!' % x", "a < b < c"):
        assert _mutants(f"def f(x, y, a, b, c):\n    return {body}\n", "swap_operands") == [], body


def test_swap_arguments_swaps_the_first_two_positional_arguments():
    code = """
        def f(a, b, c):
            return divmod(a, b), g(a, b=c)
    """
    assert _mutants(code, "swap_arguments") == ["def f(a, b, c):\n    return divmod(b, a), g(a, b=c)\n"]
    assert _mutants("def f(a, b):\n    return h(a + 1, (b), 3)\n", "swap_arguments") == [
        "def f(a, b):\n    return h(b, (a + 1), 3)\n"]
    for call in ("h(a, a)", "max(a, b)", "isinstance(a, b)", "h(*a, b)"):
        assert _mutants(f"def f(a, b):\n    return {call}\n", "swap_arguments") == [], call


def test_drop_statement_removes_whole_lines_but_never_empties_a_block():
    code = """
        def f(xs):
            \"\"\"Docstring.\"\"\"
            total = 0  # running sum
            for x in xs:
                total += x
            log(total)
            return total
    """
    assert _mutants(code, "drop_statement") == [
        'def f(xs):\n    """Docstring."""\n    for x in xs:\n        total += x\n    log(total)\n    return total\n',
        'def f(xs):\n    """Docstring."""\n    total = 0  # running sum\n    for x in xs:\n        total += x\n'
        '    return total\n',
    ]
    assert _mutants("def f(a):\n    a = 1; b = 2\n    return b\n", "drop_statement") == []


def test_invert_condition_on_if_elif_while_and_ternary():
    code = """
        def f(a, b, ok):
            if a and b:
                return 1
            elif not ok:
                return 2
            while ok:
                ok = step()
            return a if b.ready else b
    """
    results = _mutants(code, "invert_condition")
    changed = [next(line for line, orig in zip(r.splitlines(), _src(code).splitlines(), strict=True) if line != orig)
               for r in results]
    assert changed == ["    if not (a and b):", "    elif ok:", "    while not ok:", "    return a if not b.ready else b"]
    assert _mutants("def f():\n    while True:\n        step()\n", "invert_condition") == []


def test_wrong_return_choices():
    code = """
        def f(x):
            if x:
                return True
            if x is None:
                return None
            if x == 1:
                return -1
            if x == 2:
                return(x)
            return 3
    """
    src = _src(code)
    got = {(m.original, m.replacement) for m in find_mutations(src, "m.py") if m.kind == "wrong_return"}
    assert got == {("True", "False"), ("-1", "0"), ("(x)", " None"), ("3", "4")}
    assert "    if x == 2:\n        return None\n" in apply_mutation(src, next(
        m for m in find_mutations(src, "m.py") if m.original == "(x)"))


def test_swap_boolean_operator_matches_the_intended_semantics():
    src = "def f(a, b, c):\n    return a and b or c\n"
    mutants = _mutants(src, "swap_boolean_operator")
    assert mutants == ["def f(a, b, c):\n    return a or b or c\n", "def f(a, b, c):\n    return a and b and c\n"]
    first, second = (_load(m, "f") for m in mutants)
    for a, b, c in itertools.product([0, 1], repeat=3):
        assert first(a, b, c) == ((a or b) or c)
        assert second(a, b, c) == ((a and b) and c)
    assert _mutants("def f(a):\n    return a and a\n", "swap_boolean_operator") == []


def test_swap_arithmetic_skips_strings_and_sequences():
    code = """
        def f(a, b, n):
            n += 1
            return a + b, a * b
    """
    assert _mutants(code, "swap_arithmetic") == [
        "def f(a, b, n):\n    n -= 1\n    return a + b, a * b\n",
        "def f(a, b, n):\n    n += 1\n    return a - b, a * b\n",
        "def f(a, b, n):\n    n += 1\n    return a + b, a / b\n",
    ]
    for expr in ('"x" + a', 'f"{a}" + b', "[0] * n", "a * 1", "a + 0", "str(a) + b", '", ".join(a) + b',
                 "(a + 'x') + b"):
        assert _mutants(f"def f(a, b, n):\n    return {expr}\n", "swap_arithmetic") == [], expr


# ----------------------------------------------------------------------------------------------- skipped places


def test_nothing_outside_function_bodies_is_mutated():
    code = '''
        """Module docstring: 1 + 2 < 3."""
        __all__ = ["f", "g"]
        LIMIT = 10 - 2 if DEBUG else 3


        @register(1 + 2, key=3)
        def f(a: int = 5 - 1, *, b: list[int] = [1, 2]) -> dict[str, int]:
            """Return 1 + 2 if a < b."""
            c: Annotated[int, 4 - 1] = 4
            g = lambda x=7 - 1: x
            return f"{a + 1 < 2}"


        class K:
            limit = 10 - 2

            def m(self):
                def inner(y=3 - 1):
                    return y
                return inner


        if __name__ == "__main__":
            print(1 - 2 < 3 and f(4, 5))
    '''
    got = [(m.kind, m.line, m.original) for m in find_mutations(_src(code), "m.py")]
    assert got == [
        ("drop_statement", 9, "    c: Annotated[int, 4 - 1] = 4\n"),
        ("off_by_one", 9, "4"),
        ("drop_statement", 10, "    g = lambda x=7 - 1: x\n"),
        ("wrong_return", 11, 'f"{a + 1 < 2}"'),
        ("wrong_return", 19, "y"),
        ("wrong_return", 20, "inner"),
    ]


def test_main_guard_and_all_inside_functions_are_skipped_too():
    code = """
        def f():
            __all__ = [1 + 2]
            if __name__ == "__main__":
                run(1 - 2)
    """
    assert find_mutations(_src(code), "m.py") == []


def test_qualified_function_names():
    code = """
        class Heap:
            def push(self, x):
                return x - 1

        def outer(a):
            def inner(b):
                return b - 1
            class Local:
                def go(self):
                    return self - 1
            return inner(a) - 1

        async def co(x):
            return await x - 1
    """
    names = {m.function for m in find_mutations(_src(code), "m.py")}
    assert names == {"Heap.push", "outer.inner", "outer.Local.go", "outer", "co"}


# ----------------------------------------------------------------------------------------------- the sample module


def test_sample_module_has_every_kind():
    counts = Counter(m.kind for m in find_mutations(SAMPLE, "pkg/heap.py"))
    assert set(counts) == set(KINDS)
    assert sum(counts.values()) > 80


def test_every_sample_mutation_parses_differs_and_touches_only_its_lines():
    before = SAMPLE.splitlines(keepends=True)
    skipped = {i + 1 for i, line in enumerate(before) if "__all__" in line or "DEFAULT_WINDOW = 3" in line
               or line.lstrip().startswith('"""') or i + 1 >= len(before) - 2}
    mutations = find_mutations(SAMPLE, "pkg/heap.py")
    for m in mutations:
        out = apply_mutation(SAMPLE, m)
        assert out != SAMPLE
        ast.parse(out)
        assert m.path == "pkg/heap.py" and m.kind in KINDS and m.function
        assert m.line not in skipped
        after = out.splitlines(keepends=True)
        tail = len(before) - (m.end_line if m.end_col or m.kind != "drop_statement" else m.end_line - 1)
        assert after[: m.line - 1] == before[: m.line - 1]
        assert after[len(after) - tail:] == before[len(before) - tail:]
        assert before[m.line - 1][m.col:].startswith(m.original.split("\n")[0])
    keys = [(m.line, m.col, KINDS.index(m.kind)) for m in mutations]
    assert keys == sorted(keys)
    assert find_mutations(SAMPLE, "pkg/heap.py") == mutations


def test_sample_functions_names_and_a_known_mutation():
    mutations = find_mutations(SAMPLE, "pkg/heap.py")
    assert {m.function for m in mutations} >= {"Heap.push", "Heap.pop", "moving_average", "bisect_left"}
    m = next(m for m in mutations if m.kind == "flip_comparison" and m.function == "bisect_left"
             and m.original == "<" and "lo < hi" in SAMPLE.splitlines()[m.line - 1])
    assert m.replacement == "<=" and m.description == "flip `<` to `<=`"
    assert "    while lo <= hi:\n" in apply_mutation(SAMPLE, m)


def test_mutation_is_frozen_and_apply_checks_the_source():
    m = find_mutations("def f(a, b):\n    return a < b\n", "m.py")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.line = 3
    with pytest.raises(ValueError):
        apply_mutation("def f(a, b):\n    return a > b\n", m)
    with pytest.raises(ValueError):
        apply_mutation("", m)


def test_a_hand_made_mutation_applies_by_line_and_column():
    m = Mutation("flip_comparison", "m.py", 2, 13, 2, 14, "<", ">", "flip `<` to `>`", "f")
    assert apply_mutation("def f(a, b):\n    return a < b\n", m) == "def f(a, b):\n    return a > b\n"
    assert Mutation("flip_comparison", "m.py", 2, 13, 2, 14, "<", "<=", "flip `<` to `<=`", "f") in find_mutations(
        "def f(a, b):\n    return a < b\n", "m.py")


def test_columns_are_characters_and_crlf_is_kept():
    src = 'def f(a, b):\n    t = "é€"; u = a < b\n    return u\n'
    m = next(m for m in find_mutations(src, "m.py") if m.kind == "flip_comparison")
    assert (m.line, m.col, m.end_col) == (2, 20, 21)
    assert apply_mutation(src, m) == 'def f(a, b):\n    t = "é€"; u = a <= b\n    return u\n'
    crlf = "def f(a, b):\r\n    c = a - b\r\n    return c\r\n"
    outs = [apply_mutation(crlf, m) for m in find_mutations(crlf, "m.py")]
    assert "def f(a, b):\r\n    return c\r\n" in outs
    assert all(out.count("\r\n") == out.count("\n") for out in outs)


def test_unparsable_source_gives_nothing():
    assert find_mutations("def f(:\n    return 1 - 2\n", "m.py") == []
    assert find_mutations("", "m.py") == []


def test_multiline_and_commented_expressions():
    src = "def f(a, b):\n    return (a -\n            b)\n"
    assert _mutants(src, "swap_operands") == ["def f(a, b):\n    return (b -\n            a)\n"]
    commented = "def f(a, b):\n    return (a -  # minus\n            b)\n"
    assert _mutants(commented, "swap_operands") == []


# ----------------------------------------------------------------------------------------------- diffs


def test_unified_diff_format():
    before = "a\nb\nc\nd\ne\nf\ng\nh\n"
    after = before.replace("e\n", "E\n")
    assert unified_diff("x/y.py", before, after) == (
        "diff --git a/x/y.py b/x/y.py\n--- a/x/y.py\n+++ b/x/y.py\n@@ -2,7 +2,7 @@\n"
        " b\n c\n d\n-e\n+E\n f\n g\n h\n")
    assert unified_diff("x/y.py", before, before) == ""
    assert unified_diff("y.py", "a\nb", "a\nc").endswith("+c\n\\ No newline at end of file\n")


@pytest.mark.parametrize("kind", KINDS)
def test_diffs_apply_with_git_and_the_gold_patch_restores(tmp_path, kind):
    _git(tmp_path, "init", "-q")
    target = tmp_path / "pkg" / "heap.py"
    target.parent.mkdir()
    target.write_text(SAMPLE)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    mutations = [m for m in find_mutations(SAMPLE, "pkg/heap.py") if m.kind == kind]
    for m in mutations[:: max(1, len(mutations) // 4)]:
        mutated = apply_mutation(SAMPLE, m)
        (tmp_path / "bug.diff").write_text(unified_diff("pkg/heap.py", SAMPLE, mutated))
        _git(tmp_path, "apply", "bug.diff")
        assert target.read_text() == mutated
        (tmp_path / "gold.diff").write_text(unified_diff("pkg/heap.py", mutated, SAMPLE))
        _git(tmp_path, "apply", "--check", "gold.diff")
        _git(tmp_path, "apply", "gold.diff")
        assert target.read_text() == SAMPLE
        _git(tmp_path, "apply", "bug.diff")
        _git(tmp_path, "apply", "-R", "bug.diff")
        assert target.read_text() == SAMPLE
        assert _git(tmp_path, "status", "--porcelain", "pkg").stdout == ""


def test_diff_without_trailing_newline_applies(tmp_path):
    src = "def f(a, b):\n    return a < b"
    _git(tmp_path, "init", "-q")
    (tmp_path / "m.py").write_text(src)
    m = next(m for m in find_mutations(src, "m.py") if m.kind == "flip_comparison")
    (tmp_path / "bug.diff").write_text(unified_diff("m.py", src, apply_mutation(src, m)))
    _git(tmp_path, "apply", "bug.diff")
    assert (tmp_path / "m.py").read_text() == "def f(a, b):\n    return a <= b"


# ----------------------------------------------------------------------------------------------- sampling


def test_sampling_is_deterministic_diverse_and_capped():
    files = {"pkg/heap.py": SAMPLE, "pkg/small.py": "def g(a, b):\n    return a - b\n"}
    first = sample_mutations(files, 20, seed=7)
    assert first == sample_mutations(files, 20, seed=7)
    assert first != sample_mutations(files, 20, seed=8)
    assert len(first) == 20
    assert {m.kind for m in first} == set(KINDS)
    assert max(Counter((m.path, m.function) for m in first).values()) <= 2
    keys = [(m.path, m.line, m.col, m.kind) for m in first]
    assert len(keys) == len(set(keys))
    assert {m.kind for m in sample_mutations(files, len(KINDS), seed=1)} == set(KINDS)


def test_sampling_options():
    files = {"pkg/heap.py": SAMPLE}
    only = sample_mutations(files, 5, seed=0, kinds=["off_by_one", "wrong_return"])
    assert len(only) == 5 and {m.kind for m in only} == {"off_by_one", "wrong_return"}
    everything = sample_mutations(files, 10_000, seed=0, per_function=1)
    assert len(everything) == len({m.function for m in find_mutations(SAMPLE, "pkg/heap.py")})
    assert sample_mutations(files, 0, seed=0) == []
    with pytest.raises(ValueError):
        sample_mutations(files, 3, seed=0, kinds=["no_such_kind"])
