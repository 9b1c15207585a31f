"""The reward-function contract, a checked loader for reward code, and the wrapper that applies it.

Every reward in agentgym, hand-written or LLM-written, has one signature::

    def compute_reward(state, action, next_state, info) -> tuple[float, dict[str, float]]:
        '''total reward, and each named component'''

``state`` and ``next_state`` are the env's compact state (its TaskSpec's fields).

Example:
    >>> fn = load_reward_fn('''
    ... import numpy as np
    ... def compute_reward(state, action, next_state, info):
    ...     speed = float(next_state["x"] - state["x"])
    ...     return speed, {"speed": speed}
    ... ''')
    >>> fn({"x": np.array(0.0)}, None, {"x": np.array(0.5)}, {})
    (0.5, {'speed': 0.5})

Loading checks the code statically and rejects, with the offending line, anything outside a
small allowed subset (see :data:`ALLOWED_IMPORTS` and :data:`FORBIDDEN_NAMES`). This guards
against mistakes and obvious escapes. Untrusted code (LLM-written, or plugged into training)
runs in :mod:`agentgym.core.sandbox`, a separate process under OS-level limits; the trainers
only ever load reward code that way.
"""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from .task_spec import compact_state_fn

FUNCTION_NAME = "compute_reward"
#: Parameters of the contract, in order.
PARAMETERS = ("state", "action", "next_state", "info")
#: Top-level modules reward code may import.
ALLOWED_IMPORTS: frozenset[str] = frozenset({"math", "numpy", "cmath", "typing", "__future__"})
#: Names reward code may not use: they reach the file system, the interpreter or other modules.
FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {
        "__import__", "eval", "exec", "compile", "open", "input", "breakpoint", "globals",
        "locals", "vars", "getattr", "setattr", "delattr", "memoryview", "help", "exit", "quit",
        "__builtins__", "__loader__", "__spec__",
    }
)
_SAFE_BUILTINS = (
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "frozenset",
    "int", "isinstance", "len", "list", "map", "max", "min", "pow", "range", "reversed", "round",
    "set", "slice", "sorted", "str", "sum", "tuple", "zip", "hasattr", "print", "repr", "type",
    "ValueError", "TypeError", "KeyError", "IndexError", "ZeroDivisionError", "ArithmeticError",
    "Exception", "True", "False", "None", "NotImplementedError", "RuntimeError", "AssertionError",
    "OverflowError", "FloatingPointError", "LookupError", "iter", "next", "callable", "format",
)
# Numpy functions that touch files, the network or arbitrary Python objects.
_FORBIDDEN_ATTRS = frozenset(
    {"load", "save", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt", "fromfile",
     "tofile", "memmap", "DataSource", "ctypeslib", "lib", "f2py", "testing", "distutils"}
)


class RewardCodeError(ValueError):
    """Reward code that does not load: the message names the line."""

    def __init__(self, message: str, lineno: int | None = None, source_name: str = "<reward>") -> None:
        self.lineno = lineno
        self.source_name = source_name
        where = f"{source_name}, line {lineno}: " if lineno is not None else f"{source_name}: "
        super().__init__(where + message)


class RewardFnError(RuntimeError):
    """A loaded reward function raised or returned something outside the contract.

    ``lineno`` is the line of the reward code where it raised, when known; ``traceback`` the
    traceback restricted to the reward code's frames, when known (what an LLM author reads).
    """

    def __init__(self, message: str, lineno: int | None = None, traceback: str | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno
        self.traceback = traceback

    def __reduce__(self) -> tuple[Any, ...]:  # keep lineno and traceback across processes (vector-env workers)
        return (type(self), (str(self), self.lineno, self.traceback))


def _reward_line(exc: BaseException, filename: str) -> int | None:
    """The last line of the reward code (compiled as ``filename``) in the exception's traceback."""
    lineno = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _check_import_parts(parts: list[str], lineno: int, name: str) -> None:
    bad = [p for p in parts if p in _FORBIDDEN_ATTRS or p.startswith("_")]
    if bad:
        raise RewardCodeError(f"import of {'.'.join(parts)!r} ({bad[0]}: file or system access) is not allowed", lineno, name)


def _check_import(node: ast.Import | ast.ImportFrom, name: str) -> None:
    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
        for module in modules:
            if module.split(".")[0] not in ALLOWED_IMPORTS:
                raise RewardCodeError(f"import of {module!r} is not allowed (allowed: {allowed})", node.lineno, name)
        parts = [p for m in modules for p in m.split(".")[1:]]
    else:
        module = node.module or ""
        if node.level or module.split(".")[0] not in ALLOWED_IMPORTS:
            raise RewardCodeError(f"import from {module or '.'!r} is not allowed (allowed: {allowed})", node.lineno, name)
        parts = [] if module == "__future__" else module.split(".")[1:] + [a.name for a in node.names]
    # numpy reaches files and C libraries through a few submodules and functions
    bad = [p for p in parts if p in _FORBIDDEN_ATTRS or p.startswith("_")]
    if bad:
        raise RewardCodeError(f"import of {bad[0]!r} (file or system access) is not allowed", node.lineno, name)


def _check_tree(tree: ast.Module, name: str) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _check_import(node, name)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            raise RewardCodeError(f"use of {node.id!r} is not allowed in reward code", node.lineno, name)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__") and node.attr.endswith("__"):
                raise RewardCodeError(f"access to {node.attr!r} is not allowed in reward code", node.lineno, name)
            if node.attr in _FORBIDDEN_ATTRS:
                raise RewardCodeError(f"attribute {node.attr!r} (file or system access) is not allowed", node.lineno, name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            raise RewardCodeError("global/nonlocal statements are not allowed in reward code", node.lineno, name)


def _check_signature(tree: ast.Module, name: str) -> ast.FunctionDef:
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == FUNCTION_NAME]
    if not funcs:
        raise RewardCodeError(
            f"no top-level function named {FUNCTION_NAME!r}; define "
            f"def {FUNCTION_NAME}({', '.join(PARAMETERS)}) -> tuple[float, dict]",
            None, name,
        )
    fn = funcs[-1]
    args = fn.args
    positional = args.posonlyargs + args.args
    required = len(positional) - len(args.defaults)
    missing_kw = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    if required != len(PARAMETERS) or len(positional) < len(PARAMETERS) or args.vararg or missing_kw:
        got = ", ".join(a.arg for a in positional)
        raise RewardCodeError(
            f"{FUNCTION_NAME} must take exactly {len(PARAMETERS)} parameters "
            f"({', '.join(PARAMETERS)}), extra ones only with defaults; got ({got})",
            fn.lineno, name,
        )
    return fn


def check_reward_code(source: str, name: str = "<reward>") -> ast.Module:
    """Parse and check reward code statically; raise :class:`RewardCodeError` naming the line."""
    try:
        tree = ast.parse(source, filename=name)
    except SyntaxError as exc:
        raise RewardCodeError(f"syntax error: {exc.msg}", exc.lineno, name) from None
    _check_tree(tree, name)
    _check_signature(tree, name)
    return tree


def _restricted_import(modname: str, globals_: Any = None, locals_: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    if modname.split(".")[0] not in ALLOWED_IMPORTS or level:
        raise ImportError(f"import of {modname!r} is not allowed in reward code")
    return __import__(modname, globals_, locals_, fromlist, level)


def _namespace() -> dict[str, Any]:
    safe = {k: getattr(builtins, k) for k in _SAFE_BUILTINS if hasattr(builtins, k)}
    safe["__import__"] = _restricted_import
    return {"__builtins__": safe, "__name__": "agentgym_reward", "np": np, "math": math}


class RewardFn:
    """A checked ``compute_reward`` with its source; calling it validates the result.

    Returns ``(total, components)`` with a finite float total and float components. A batched
    call (:meth:`batched`) takes states whose arrays carry a leading batch axis.
    """

    def __init__(self, fn: Callable[..., Any], source: str = "", name: str = "<reward>") -> None:
        self.fn = fn
        self.source = source
        self.name = name

    def __repr__(self) -> str:
        return f"RewardFn({self.name})"

    def __call__(self, state: Mapping[str, Any], action: Any, next_state: Mapping[str, Any], info: Mapping[str, Any]) -> tuple[float, dict[str, float]]:
        try:
            out = self.fn(state, action, next_state, info)
        except Exception as exc:  # the message goes back to the author (person or LLM)
            lineno = _reward_line(exc, self.name)
            where = f"{self.name}, line {lineno}" if lineno is not None else self.name
            raise RewardFnError(f"{where}: {type(exc).__name__}: {exc}", lineno) from exc
        return self._validate(out)

    def _validate(self, out: Any) -> tuple[float, dict[str, float]]:
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Mapping)):
            raise RewardFnError(f"{self.name}: must return (total, {{name: value}}), got {type(out).__name__}")
        total, parts = out
        try:
            total = float(total)
            comps = {str(k): float(v) for k, v in parts.items()}
        except (TypeError, ValueError) as exc:
            raise RewardFnError(f"{self.name}: total and components must be numbers ({exc})") from None
        bad = [k for k, v in {"total": total, **comps}.items() if not math.isfinite(v)]
        if bad:
            raise RewardFnError(f"{self.name}: non-finite value in {bad}")
        return total, comps

    def batched(self, states: Mapping[str, np.ndarray], actions: Any | None, next_states: Mapping[str, np.ndarray], infos: list[Mapping[str, Any]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Apply the function row by row over a batch; return totals (B,) and components (B,)."""
        n = len(infos)
        totals = np.zeros(n)
        comps: dict[str, np.ndarray] = {}
        for i in range(n):
            s = {k: v[i] for k, v in states.items()}
            ns = {k: v[i] for k, v in next_states.items()}
            t, c = self(s, None if actions is None else actions[i], ns, infos[i])
            totals[i] = t
            for k, v in c.items():
                comps.setdefault(k, np.zeros(n))[i] = v
        return totals, comps


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # too long or not a valid path: it is code
        return False


def read_reward_source(source: str | Path, name: str | None = None) -> tuple[str, str]:
    """``(code, name)`` of reward code given as a file path or as a code string.

    Raises:
        FileNotFoundError: ``source`` is a path that does not exist.
    """
    looks_like_path = isinstance(source, str) and "\n" not in source and (
        source.endswith(".py") or _is_file(source)
    )
    if isinstance(source, Path) or looks_like_path:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"reward file not found: {path}")
        return path.read_text(), name or str(path)
    return str(source), name or "<reward>"


def load_reward_fn(source: str | Path, *, name: str | None = None) -> RewardFn:
    """Load ``compute_reward`` from a file path or a code string, checking it first.

    Raises:
        RewardCodeError: the code does not parse, lacks the function, has the wrong signature,
            imports a module outside :data:`ALLOWED_IMPORTS` or uses a forbidden name. The
            message names the line.
        FileNotFoundError: ``source`` is a path that does not exist.
    """
    code, name = read_reward_source(source, name)
    check_reward_code(code, name)
    namespace = _namespace()
    try:
        exec(compile(code, name, "exec"), namespace)  # noqa: S102 - checked above, restricted builtins
    except Exception as exc:
        lineno = _reward_line(exc, name)
        raise RewardCodeError(f"error while loading: {type(exc).__name__}: {exc}", lineno, name) from None
    return RewardFn(namespace[FUNCTION_NAME], code, name)


class RewardWrapper(gym.Wrapper):
    """Apply a :class:`RewardFn` to an agentgym env.

    ``mode="replace"`` uses the function's total as the reward; ``mode="add"`` adds it to the
    env's reward (``info["reward_components"]["env"]`` then holds the env's part). Each named
    component lands in ``info["reward_components"]``.

    Example:
        >>> import gymnasium as gym, agentgym
        >>> env = gym.make("agentgym/HalfCheetah-v5")
        >>> fn = load_reward_fn("def compute_reward(s, a, ns, info):\\n    return 1.0, {'alive': 1.0}")
        >>> env = RewardWrapper(env, fn, mode="add")
        >>> _ = env.reset(seed=0)
        >>> sorted(env.step(env.action_space.sample())[4]["reward_components"])
        ['alive', 'env']
    """

    def __init__(self, env: gym.Env, reward_fn: RewardFn | Callable[..., Any] | str | Path, mode: str = "replace", scale: float = 1.0) -> None:
        super().__init__(env)
        if mode not in ("replace", "add"):
            raise ValueError(f"mode must be 'replace' or 'add', got {mode!r}")
        if isinstance(reward_fn, (str, Path)):
            reward_fn = load_reward_fn(reward_fn)
        elif not isinstance(reward_fn, RewardFn):
            reward_fn = RewardFn(reward_fn, name=getattr(reward_fn, "__name__", "<callable>"))
        self.reward_fn = reward_fn
        self.mode = mode
        self.scale = float(scale)
        self._read_state = compact_state_fn(env)  # fails now, not at the first reset, if there is none
        self._state: dict[str, np.ndarray] | None = None

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._state = self._read_state()
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self._state is None:
            raise RuntimeError("call reset() before step()")
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        next_state = self._read_state()
        total, comps = self.reward_fn(self._state, action, next_state, info)
        self._state = next_state
        total *= self.scale
        comps = dict(comps)
        if self.mode == "add":
            comps["env"] = float(env_reward)
            reward = float(env_reward) + total
        else:
            reward = total
        info = dict(info)
        info["reward_components"] = comps
        return obs, reward, terminated, truncated, info
