"""Run untrusted reward code (LLM-written, or plugged with ``--reward-code``) in an isolated, limited process.

Reward code never runs in the trainer's process. Layers, from the first line of defence to the last,
and what each one stops:

1. **Static checks** (:func:`~agentgym.core.check_reward_code`): imports outside
   :data:`~agentgym.core.ALLOWED_IMPORTS`, ``__import__``/``eval``/``open``/``globals()``, dunder
   attribute chains, numpy's file functions. Rejected with the offending line before anything runs.
2. **Restricted builtins**: the code's namespace holds only the safe builtins of
   :mod:`agentgym.core.reward` and an ``__import__`` that loads allowed modules only, so what slips
   past the static checks still finds no ``open`` or ``eval`` to call.
3. **A separate worker process** (``_sandbox_worker.py``; stdlib, numpy and pyseccomp only): a crash,
   a ``MemoryError`` or a tampered interpreter stays there. Its replies are a JSON header and raw
   float64 bytes, size-bounded and checked; the trainer never unpickles anything the worker sends.
4. **OS limits inside the worker**, applied before any foreign code runs:

   - ``RLIMIT_AS`` (memory above the worker's baseline: allocations fail with ``MemoryError``),
     ``RLIMIT_CPU`` (CPU time: ``SIGXCPU`` ends the worker), ``RLIMIT_FSIZE=0``, ``RLIMIT_CORE=0``,
     ``RLIMIT_NPROC=0``;
   - a new, empty network namespace (where the OS allows it: root);
   - as root, the user ``nobody`` (no capabilities; the file system's permissions apply);
   - a seccomp filter: the system calls that open files, change the file system, reach the network,
     fork or exec, signal or trace other processes, raise limits, enter namespaces or touch the
     kernel answer ``EPERM`` (Python raises ``PermissionError``). Reading and writing the pipes the
     worker already holds, and computing, stay allowed.
5. **Timeouts**: a wall-clock limit per call and for the start; past it the worker is killed and the
   next call starts a fresh one. So are a worker that dies and one that answers garbage.

The sandbox needs Linux and libseccomp; where it cannot be set up, :class:`SandboxError` says how to
fix it (there is no weaker fallback).

Example:
    >>> import numpy as np
    >>> fn = load_sandboxed_reward_fn('''
    ... def compute_reward(state, action, next_state, info):
    ...     speed = float(next_state["x"] - state["x"])
    ...     return speed, {"speed": speed}
    ... ''')
    >>> fn({"x": np.array(0.0)}, None, {"x": np.array(0.5)}, {})
    (0.5, {'speed': 0.5})
    >>> totals, parts = fn.batched({"x": np.zeros(3)}, None, {"x": np.arange(3.0)}, [{}, {}, {}])
    >>> totals.tolist(), parts["speed"].tolist()
    ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
    >>> fn.close()
"""

from __future__ import annotations

import json
import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .reward import (
    _SAFE_BUILTINS,
    ALLOWED_IMPORTS,
    RewardCodeError,
    RewardFn,
    RewardFnError,
    check_reward_code,
    read_reward_source,
)

_WORKER = Path(__file__).with_name("_sandbox_worker.py")
_MAX_HEADER = 1 << 20  # bytes of JSON the parent reads from a worker
_MAX_RAW = 64 << 20  # bytes of float64 data the parent reads from a worker
_MAX_TEXT = 20_000  # characters of one message or traceback kept
_INSTALL_HINT = (
    "install libseccomp (Debian/Ubuntu: apt-get install libseccomp2; Fedora: dnf install libseccomp) "
    "and its Python binding (pip install pyseccomp)"
)


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of a sandbox worker.

    Attributes:
        memory_mb: address space allowed above the worker's baseline (``RLIMIT_AS``).
        cpu_seconds: CPU time one worker may use after its start (``RLIMIT_CPU``; ``SIGXCPU`` ends it).
            A worker that has used half of it is replaced between calls, so only a single call that
            burns it fails.
        call_timeout_s: wall clock per call (the parent kills the worker past it).
        start_timeout_s: wall clock to start the worker and load the code.
    """

    memory_mb: int = 1024
    cpu_seconds: float = 3600.0
    call_timeout_s: float = 10.0
    start_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        bad = [k for k, v in vars(self).items() if not v > 0]
        if bad:
            raise ValueError(f"sandbox limits must be positive: {', '.join(f'{k}={getattr(self, k)!r}' for k in bad)}")


class SandboxError(RuntimeError):
    """The sandbox itself cannot work here (no Linux, no seccomp, the worker cannot start)."""


class _Timeout(Exception):
    pass


class _WorkerFailed(Exception):
    """The worker died or sent something that is not a reply; ``str`` says which."""


_PLAIN_TYPES = frozenset({str, bytes, int, float, bool, complex, type(None)})


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Data the worker can rebuild without importing anything: no class of the trainer's."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return True
    if kind is np.ndarray or isinstance(value, np.generic):
        return value.dtype != object
    if depth < 8 and kind in (list, tuple):
        return all(_is_plain(v, depth + 1) for v in value)
    if depth < 8 and kind is dict:
        return all(type(k) in _PLAIN_TYPES and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _plain_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The info without the values the worker could not rebuild (objects of other classes)."""
    return {str(k): v for k, v in info.items() if type(v) in _PLAIN_TYPES or _is_plain(v)}


def _pack(array: np.ndarray) -> Any:
    """An array as ``(dtype, shape, buffer)``: three times faster to pickle and unpickle than the array."""
    if array.dtype.kind not in "biufcSU" or array.dtype.itemsize == 0:
        return array  # objects, records, datetimes: pickled as they are
    return (array.dtype.str, array.shape, pickle.PickleBuffer(np.ascontiguousarray(array)))


def _death(returncode: int | None, limits: SandboxLimits) -> str:
    """Why a worker ended, in words."""
    if returncode is None:
        return "stopped answering"
    if returncode >= 0:
        return f"exited with code {returncode}"
    sig = -returncode
    if sig == signal.SIGXCPU:
        return f"exceeded its CPU-time limit of {limits.cpu_seconds:g} s (SIGXCPU)"
    if sig == signal.SIGKILL:
        return "was killed by SIGKILL (out of memory, or past its CPU-time limit)"
    if sig == signal.SIGSYS:
        return "was killed by SIGSYS (a forbidden system call)"
    try:
        return f"was killed by {signal.Signals(sig).name}"
    except ValueError:
        return f"was killed by signal {sig}"


def _setup_error(error: str, stage: Any) -> str:
    """A worker's setup failure, with what to do about it."""
    if stage == "seccomp_library":
        return f"the reward sandbox cannot use seccomp ({error}): {_INSTALL_HINT}"
    if stage == "seccomp_filter":
        return (f"the kernel refused the reward sandbox's seccomp filter ({error}): run where seccomp filters "
                "are allowed (Linux >= 3.17; in Docker, the default seccomp profile allows them)")
    return f"the reward sandbox could not set up its worker ({stage}): {error}"


def _text(value: Any, limit: int = _MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


class Sandbox:
    """One worker process holding one loaded ``compute_reward``.

    Args:
        source: the reward code.
        name: its file name in messages and tracebacks.
        limits: memory, CPU time and wall-clock limits.
        static_checks: ``False`` skips :func:`~agentgym.core.check_reward_code` and gives the code
            Python's full builtins: only for tests that prove the OS layer alone stops hostile code.

    Example:
        >>> import numpy as np
        >>> with Sandbox("def compute_reward(s, a, ns, info):\\n    return float(ns['x']), {}") as box:
        ...     totals, parts = box.call({"x": np.zeros(2)}, None, {"x": np.array([1.0, 2.0])}, [{}, {}])
        >>> totals.tolist(), parts
        ([1.0, 2.0], {})
    """

    def __init__(self, source: str, name: str = "<reward>", limits: SandboxLimits = SandboxLimits(),
                 *, static_checks: bool = True) -> None:
        self.source = source
        self.name = name
        self.limits = limits
        self.static_checks = static_checks
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0  # the pid of the process that started the worker
        self._tmp: str | None = None
        self._isolation: dict[str, bool] = {}
        self._pending = b""  # bytes read past the last reply
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Sandbox({self.name}, {'running' if self._running() else 'stopped'})"

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - interpreter shutdown: nothing left to report to
            pass

    @property
    def isolation(self) -> dict[str, bool]:
        """What the worker applied, e.g. ``{"seccomp": True, "netns": True, ...}`` (starts it if needed)."""
        self.start()
        return dict(self._isolation)

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and load the code, unless it runs already.

        Raises:
            RewardCodeError: the code fails the static checks, or fails while loading (the line is named).
            SandboxError: the worker cannot be set up here.
        """
        with self._lock:
            self._start()

    def close(self) -> None:
        """Kill and reap the worker (idempotent). A later call starts a new one."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._owner == os.getpid():
            proc.kill()  # it holds no state worth a graceful exit
            proc.wait()
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
        # in a forked child the worker is the parent's: only our copies of the pipes are closed
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self._tmp = None

    def _running(self) -> bool:
        return self._proc is not None and self._owner == os.getpid()

    def _start(self) -> None:
        if self._running():
            return
        self.close()  # a worker inherited through fork() belongs to the parent
        if self.static_checks:
            check_reward_code(self.source, self.name)
        if not sys.platform.startswith("linux"):
            raise SandboxError(f"the reward sandbox needs Linux (seccomp, rlimits); this is {sys.platform}")
        deadline = time.monotonic() + self.limits.start_timeout_s
        self._spawn()
        try:
            self._await_lockdown(deadline)
            self._await_load(deadline)
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> None:
        self._tmp = tempfile.mkdtemp(prefix="agentgym-sandbox-")
        env = {"PATH": os.environ.get("PATH", os.defpath),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", str(_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd=self._tmp, close_fds=True, start_new_session=True,
            )
        except OSError as exc:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise SandboxError(f"cannot start the reward sandbox worker ({sys.executable}): {exc}") from exc
        assert proc.stdin is not None and proc.stdout is not None
        self._proc, self._owner, self._started, self._pending = proc, os.getpid(), time.monotonic(), b""
        os.set_blocking(proc.stdin.fileno(), False)  # writes wait in poll(), under the deadline
        self._readable = select.poll()
        self._readable.register(proc.stdout.fileno(), select.POLLIN)
        self._writable = select.poll()
        self._writable.register(proc.stdin.fileno(), select.POLLOUT)

    def _await_lockdown(self, deadline: float) -> None:
        """Send the init message; wait until the worker has locked itself down (no foreign code ran yet)."""
        init = {
            "source": self.source, "name": self.name, "static_checks": self.static_checks,
            "safe_builtins": list(_SAFE_BUILTINS), "allowed_imports": sorted(ALLOWED_IMPORTS),
            "memory_mb": self.limits.memory_mb, "cpu_seconds": self.limits.cpu_seconds,
        }
        try:
            self._send(init, deadline)
            header, _ = self._receive(deadline)
        except _Timeout:
            raise SandboxError(f"the reward sandbox worker did not start within {self.limits.start_timeout_s} s") from None
        except _WorkerFailed as exc:
            raise SandboxError(f"the reward sandbox worker failed to start: it {exc}{self._stderr_tail()}") from None
        if "setup_error" in header:
            raise SandboxError(_setup_error(_text(header["setup_error"]), header.get("stage")))
        isolation = header.get("isolation")
        if not header.get("ready") or not isinstance(isolation, dict):
            raise SandboxError("the reward sandbox worker failed to start: its first message is not 'ready'")
        self._isolation = {str(k): bool(v) for k, v in isolation.items()}

    def _await_load(self, deadline: float) -> None:
        """Wait while the locked-down worker runs the module body of the foreign code."""
        try:
            header, _ = self._receive(deadline)
        except _Timeout:
            raise RewardCodeError(f"error while loading: timed out after {float(self.limits.start_timeout_s)} s "
                                  "(an endless loop?)", None, self.name) from None
        except _WorkerFailed as exc:
            raise RewardCodeError(f"error while loading: the sandbox process {exc}", None, self.name) from None
        if header.get("error") == "exception":
            lineno = header.get("lineno") if type(header.get("lineno")) is int else None
            raise RewardCodeError(f"error while loading: {_text(header.get('type'), 200)}: {_text(header.get('text'))}",
                                  lineno, self.name)
        if not header.get("loaded"):
            raise RewardCodeError("error while loading: the sandbox process did not confirm loading the code",
                                  None, self.name)

    def _stderr_tail(self) -> str:
        """What a worker that failed to start wrote to stderr (its last lines), for the error message."""
        proc = self._proc
        if proc is None or proc.stderr is None:
            return ""
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.set_blocking(proc.stderr.fileno(), False)
        try:
            data = proc.stderr.read(1 << 16) or b""
        except OSError:
            data = b""
        text = data.decode(errors="replace").strip()
        return f"\n{text[-2000:]}" if text else ""

    # -- the pipes --------------------------------------------------------------------------

    def _send(self, message: Any, deadline: float) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(struct.pack("<Q", len(data)) + data)
        fd = self._proc.stdin.fileno()
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._writable.poll(remaining * 1000):
                    raise _Timeout from None
            except BrokenPipeError:
                raise _WorkerFailed(self._reap()) from None

    def _read_some(self, size: int, deadline: float) -> bytes:
        """Up to ``size`` bytes (at least one) from the worker, waiting at most until ``deadline``."""
        assert self._proc is not None and self._proc.stdout is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._readable.poll(remaining * 1000):
            raise _Timeout
        chunk = os.read(self._proc.stdout.fileno(), min(size, 1 << 20))
        if not chunk:
            raise _WorkerFailed(self._reap())
        return chunk

    def _receive(self, deadline: float) -> tuple[dict[str, Any], memoryview]:
        """One reply: a JSON header (a dict) and raw bytes, both size-bounded.

        A small reply usually arrives in one read; bytes past it (the load report that follows
        "ready") wait for the next call.
        """
        data, self._pending = self._pending or self._read_some(1 << 16, deadline), b""
        while len(data) < 8:
            data += self._read_some(8 - len(data), deadline)
        header_size, raw_size = struct.unpack_from("<II", data)
        if header_size > _MAX_HEADER or raw_size > _MAX_RAW:
            raise _WorkerFailed(f"sent a reply of {header_size + raw_size} bytes (limit {_MAX_HEADER + _MAX_RAW})")
        size = 8 + header_size + raw_size
        if len(data) > size:
            data, self._pending = data[:size], data[size:]
        elif len(data) < size:
            chunks = [data]
            missing = size - len(data)
            while missing:
                chunks.append(self._read_some(missing, deadline))
                missing -= len(chunks[-1])
            data = b"".join(chunks)
        try:
            header = json.loads(data[8:8 + header_size])
        except (ValueError, RecursionError) as exc:
            raise _WorkerFailed(f"sent a malformed reply ({type(exc).__name__})") from None
        if not isinstance(header, dict):
            raise _WorkerFailed("sent a malformed reply (not a JSON object)")
        return header, memoryview(data)[8 + header_size:]

    def _reap(self) -> str:
        """The worker closed its pipe: wait for it to end and say why it did."""
        proc = self._proc
        if proc is None:
            return "is gone"
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:  # alive but not talking: it closed the pipe itself
            proc.kill()
            proc.wait()
            return "closed its pipe"
        return _death(proc.returncode, self.limits)

    # -- calls ------------------------------------------------------------------------------

    def call(self, states: Mapping[str, np.ndarray], actions: Any, next_states: Mapping[str, np.ndarray],
             infos: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Evaluate ``compute_reward`` on a batch of ``B = len(infos)`` transitions, row by row.

        Every array in ``states``/``next_states`` has a leading batch axis ``B``; ``actions`` is an
        array ``(B, ...)``, a list of ``B`` actions, or None. Info values the worker could not
        rebuild (objects of classes other than numbers, strings, numpy arrays, lists and dicts of
        those) are left out. Starts the worker if needed.

        Returns:
            totals ``(B,)`` float64 and each component ``(B,)`` float64 (0 in rows that lack it).

        Raises:
            RewardFnError: the code raised (message ``"<name>, line N: ValueError: ..."``, with
                ``lineno`` and ``traceback``), returned something outside the contract, ran past
                ``call_timeout_s`` or killed its worker. The next call starts a new worker.
        """
        request = self._request(states, actions, next_states, infos)
        n = len(request[4])
        with self._lock:
            self._start()
            deadline = time.monotonic() + self.limits.call_timeout_s
            try:
                self._send(request, deadline)
                header, raw = self._receive(deadline)
                if header.get("ok") is True:
                    result = self._arrays(header, raw, n)
                    self._renew_if_worn()
                    return result
            except _Timeout:
                self.close()
                raise RewardFnError(f"{self.name}: timed out after {float(self.limits.call_timeout_s)} s "
                                    "(an endless loop?)") from None
            except _WorkerFailed as exc:
                self.close()
                raise RewardFnError(f"{self.name}: the sandbox process {exc}") from None
            raise self._error(header)

    def _renew_if_worn(self) -> None:
        """Retire a worker that has used half its CPU-time limit, so that long runs never meet it.

        The limit bounds what one call can burn (with the timeout); work spread over many calls is
        legitimate. A single-threaded worker cannot use more CPU than its age, so /proc is read only
        once the worker is old enough to matter.
        """
        half = self.limits.cpu_seconds / 2
        if self._proc is None or time.monotonic() - self._started < half:
            return
        try:
            with open(f"/proc/{self._proc.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        except (OSError, IndexError, ValueError):
            return
        if used > half:
            self.close()  # the next call starts a fresh worker

    def _request(self, states: Mapping[str, Any], actions: Any, next_states: Mapping[str, Any],
                 infos: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
        if isinstance(infos, Mapping):
            raise TypeError("infos must be a list of one dict per transition, not a dict (a vector env's infos)")
        infos = [_plain_info(info) for info in infos]
        n = len(infos)

        def batch(arrays: Mapping[str, Any], what: str) -> dict[str, np.ndarray]:
            out = {}
            for key, value in arrays.items():
                value = np.asarray(value)
                if value.ndim == 0 or value.shape[0] != n:
                    raise ValueError(f"{what}[{key!r}] has shape {value.shape}: expected a leading batch axis "
                                     f"of {n} (one row per info)")
                out[str(key)] = _pack(value)
            return out

        if actions is not None:
            if not isinstance(actions, (list, tuple, np.ndarray)) and hasattr(actions, "__array__"):
                actions = np.asarray(actions)  # e.g. a CPU tensor
            if isinstance(actions, np.ndarray) and actions.dtype == object:
                actions = list(actions)
            if len(actions) != n:
                raise ValueError(f"{len(actions)} actions for {n} transitions")
            if isinstance(actions, np.ndarray):
                actions = _pack(actions)
            elif not _is_plain(list(actions)):
                raise TypeError("actions must be numbers, strings, numpy arrays, or lists/dicts of those")
        return ("call", batch(states, "states"), actions, batch(next_states, "next_states"), infos)

    def _arrays(self, header: dict[str, Any], raw: memoryview, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        names = header.get("names")
        if (header.get("n") != n or not isinstance(names, list) or not all(isinstance(k, str) for k in names)
                or len(set(names)) != len(names) or len(raw) != 8 * n * (1 + len(names))):
            self.close()
            raise RewardFnError(f"{self.name}: the sandbox process sent a malformed reply (sizes do not match)")
        values = np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(1 + len(names), n)
        if not np.isfinite(values).all():  # the worker checks; a tampered one is not believed
            self.close()
            raise RewardFnError(f"{self.name}: the sandbox process sent non-finite values")
        return values[0], {name: values[i + 1] for i, name in enumerate(names)}

    def _error(self, header: dict[str, Any]) -> Exception:
        kind = header.get("error")
        if kind == "exception":
            lineno = header.get("lineno") if type(header.get("lineno")) is int else None
            where = f"{self.name}, line {lineno}" if lineno is not None else self.name
            name = _text(header.get("type"), 200)
            message = f"{where}: {name}: {_text(header.get('text'))}"
            if name == "MemoryError":
                message += f" (the sandbox allows {self.limits.memory_mb} MB)"
            return RewardFnError(message, lineno, traceback=_text(header.get("traceback")) or None)
        if kind == "invalid":
            return RewardFnError(f"{self.name}: {_text(header.get('text'))}")
        if kind == "request":
            return TypeError(f"the reward sandbox could not receive the batch ({_text(header.get('text'))}): "
                             "states, actions and infos must hold plain data (numbers, strings, numpy arrays)")
        self.close()
        return RewardFnError(f"{self.name}: the sandbox process sent a malformed reply")


class SandboxedRewardFn(RewardFn):
    """A :class:`~agentgym.core.RewardFn` whose code runs in a :class:`Sandbox`.

    Picklable: a pickle holds the source, the name and the limits, not the process; each process
    that unpickles it starts its own worker on first use. ``__call__`` is a batch of one,
    :meth:`batched` one :meth:`Sandbox.call`.
    """

    def __init__(self, source: str, name: str = "<reward>", limits: SandboxLimits | None = None) -> None:
        # no RewardFn.__init__: there is no function in this process (``fn`` is this object's __call__)
        self.source = source
        self.name = name
        self.limits = limits or SandboxLimits()
        self.sandbox = Sandbox(source, name, self.limits)

    @property
    def fn(self) -> Any:  # type: ignore[override]
        return self.__call__

    def __repr__(self) -> str:
        return f"SandboxedRewardFn({self.name})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.name, self.limits))

    def __call__(self, state: Mapping[str, Any], action: Any, next_state: Mapping[str, Any],
                 info: Mapping[str, Any]) -> tuple[float, dict[str, float]]:
        actions = action[None] if isinstance(action, np.ndarray) else [action]  # an array travels faster
        totals, comps = self.sandbox.call({k: np.asarray(v)[None] for k, v in state.items()}, actions,
                                          {k: np.asarray(v)[None] for k, v in next_state.items()}, [info])
        return float(totals[0]), {k: float(v[0]) for k, v in comps.items()}

    def batched(self, states: Mapping[str, np.ndarray], actions: Any | None, next_states: Mapping[str, np.ndarray],
                infos: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Totals ``(B,)`` and components ``(B,)`` of a batch, in one round trip to the worker."""
        return self.sandbox.call(states, actions, next_states, infos)

    def close(self) -> None:
        """Stop the worker (a later call starts a new one)."""
        self.sandbox.close()


def load_sandboxed_reward_fn(source: str | Path, *, name: str | None = None,
                             limits: SandboxLimits | None = None) -> SandboxedRewardFn:
    """Load ``compute_reward`` from a file path or a code string into a running sandbox.

    Like :func:`~agentgym.core.load_reward_fn`, but the code runs in a :class:`Sandbox` worker,
    which is started now so that load-time errors surface here (and left running).

    Raises:
        RewardCodeError: the code fails the static checks or raises while loading (the line is named).
        FileNotFoundError: ``source`` is a path that does not exist.
        SandboxError: the sandbox cannot be set up on this machine.
    """
    code, name = read_reward_source(source, name)
    fn = SandboxedRewardFn(code, name, limits)
    fn.sandbox.start()
    return fn
