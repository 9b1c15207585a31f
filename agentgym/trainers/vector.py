"""Vector envs for training: sync or async chosen by env cost, several envs per worker process.

Every vector env here autoresets in ``AutoresetMode.SAME_STEP``: at an episode end the step
returns the next episode's first observation and puts the final one in ``infos["final_obs"]``
(and its info in ``infos["final_info"]``), which the trainers need to bootstrap truncated
episodes and :class:`~agentgym.trainers.episodes.EpisodeTracker` needs for episode stats.

Example:
    >>> from agentgym.trainers.envs import make_env_fn
    >>> envs = make_vector_env([make_env_fn("CartPole-v1", seed=0, index=i) for i in range(2)], mode="sync")
    >>> obs, info = envs.reset(seed=0)
    >>> type(envs).__name__, obs.shape
    ('SyncVectorEnv', (2, 4))
    >>> envs.close()
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv
from gymnasium.vector.utils import batch_space

EnvFn = Callable[[], gym.Env]
VectorMode = Literal["auto", "sync", "async"]

#: Envs cheaper than this per step run in-process: a worker round trip costs more than it saves.
CHEAP_STEP_S = 150e-6
#: On two cores the trainer and the workers share one spare core, so only slow envs gain.
CHEAP_STEP_S_TWO_CORES = 500e-6


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def time_env_step(env_fn: EnvFn, steps: int = 100, seed: int = 0) -> float:
    """Mean seconds per ``step`` of one env under random actions (resets excluded)."""
    env = env_fn()
    try:
        env.reset(seed=seed)
        env.action_space.seed(seed)
        total = 0.0
        for _ in range(steps):
            action = env.action_space.sample()
            start = time.perf_counter()
            _, _, terminated, truncated, _ = env.step(action)
            total += time.perf_counter() - start
            if terminated or truncated:
                env.reset()
        return total / steps
    finally:
        env.close()


def make_vector_env(
    env_fns: Sequence[EnvFn], mode: VectorMode = "auto", envs_per_worker: int | None = None
) -> VectorEnv:
    """A vector env over ``env_fns``, autoresetting in the same step.

    Args:
        env_fns: one thunk per sub-env (see :func:`~agentgym.trainers.envs.make_env_fn`).
        mode: ``"sync"`` steps every env in this process; ``"async"`` in worker processes;
            ``"auto"`` times one env (~100 random steps) and picks sync for cheap envs, a single
            env, or few cores, async otherwise.
        envs_per_worker: envs each worker steps in turn (async only); by default the envs are
            spread over at most :func:`cpu_count` workers.
    """
    env_fns = list(env_fns)
    if not env_fns:
        raise ValueError("make_vector_env needs at least one env thunk")
    if mode not in ("auto", "sync", "async"):
        raise ValueError(f"vectorization mode must be 'auto', 'sync' or 'async', got {mode!r}")
    if mode == "auto":
        mode = _pick_mode(env_fns)
    if mode == "sync":
        return SyncVectorEnv(env_fns, autoreset_mode=AutoresetMode.SAME_STEP)
    num_envs = len(env_fns)
    if envs_per_worker is None:
        envs_per_worker = math.ceil(num_envs / min(cpu_count(), num_envs))
    if envs_per_worker < 1:
        raise ValueError(f"envs_per_worker must be >= 1, got {envs_per_worker}")
    if envs_per_worker == 1:
        return AsyncVectorEnv(env_fns, shared_memory=True, autoreset_mode=AutoresetMode.SAME_STEP)
    return BatchedAsyncVectorEnv(env_fns, envs_per_worker)


def _pick_mode(env_fns: list[EnvFn]) -> Literal["sync", "async"]:
    cores = cpu_count()
    if len(env_fns) == 1 or cores == 1:
        return "sync"
    cheap = CHEAP_STEP_S_TWO_CORES if cores <= 2 else CHEAP_STEP_S
    try:
        cost = time_env_step(env_fns[0])
    except Exception:  # e.g. reward code that fails: it surfaces when training steps the env
        return "sync"
    return "sync" if cost < cheap else "async"


class WorkerError(RuntimeError):
    """A worker failed with an exception that cannot be rebuilt in the parent."""


def _worker(conn: Connection, env_fns: list[EnvFn]) -> None:
    """Serve commands for a SyncVectorEnv of ``env_fns`` until ``close`` (runs in a child process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        import torch

        torch.set_num_threads(1)  # the parent and the other workers need the other cores
    except ImportError:
        pass
    envs: SyncVectorEnv | None = None
    try:
        envs = SyncVectorEnv(env_fns, autoreset_mode=AutoresetMode.SAME_STEP, copy=False)
        conn.send(("ok", None))
        while True:
            command, data = conn.recv()
            try:
                if command == "reset":
                    result: Any = envs.reset(seed=data[0], options=data[1])
                elif command == "step":
                    result = envs.step(data)
                elif command == "call":
                    name, args, kwargs = data
                    result = envs.call(name, *args, **kwargs)
                elif command == "set_attr":
                    envs.set_attr(*data)
                    result = None
                elif command == "close":
                    break
                else:
                    raise ValueError(f"unknown worker command {command!r}")
            except Exception as exc:  # the parent re-raises it with the original message
                conn.send(("error", (type(exc), str(exc), traceback.format_exc())))
            else:
                conn.send(("ok", result))
    except Exception as exc:
        conn.send(("error", (type(exc), str(exc), traceback.format_exc())))
    finally:
        if envs is not None:
            envs.close()
        conn.close()


def _merge_infos(parts: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    """Concatenate the info dicts of consecutive sub-vectors into one vector info dict."""
    merged: dict[str, Any] = {}
    keys = list(dict.fromkeys(k for part in parts for k in part))
    for key in keys:
        present = [part.get(key) for part in parts]
        if any(isinstance(v, dict) for v in present):
            merged[key] = _merge_infos([v if isinstance(v, dict) else {} for v in present], sizes)
            continue
        template = next(v for v in present if v is not None)
        chunks = []
        for value, size in zip(present, sizes, strict=True):
            if value is None:  # this sub-vector had no such key: defaults, and a False mask
                fill = None if template.dtype == object else 0
                value = np.full((size, *template.shape[1:]), fill, dtype=template.dtype)
            chunks.append(value)
        merged[key] = np.concatenate(chunks)
    return merged


class BatchedAsyncVectorEnv(VectorEnv):
    """An async vector env whose worker processes each step ``envs_per_worker`` envs in turn.

    With more envs than cores, one process per env (gymnasium's ``AsyncVectorEnv``) would
    oversubscribe the machine and pay a pipe round trip per env; here each worker holds a
    ``SyncVectorEnv`` of its envs and answers once per step for all of them. Sub-env ``i``
    gets the same seed and actions as in a ``SyncVectorEnv`` over the same thunks, so the
    trajectories are identical. An exception in a worker is re-raised here with its type and
    message (the worker's traceback is attached as a note).

    Example:
        >>> from agentgym.trainers.envs import make_env_fn
        >>> envs = BatchedAsyncVectorEnv([make_env_fn("CartPole-v1", seed=0, index=i) for i in range(4)], 2)
        >>> obs, _ = envs.reset(seed=0)
        >>> obs.shape, envs.num_workers
        ((4, 4), 2)
        >>> envs.close()
    """

    def __init__(self, env_fns: Sequence[EnvFn], envs_per_worker: int, *, context: str | None = None,
                 timeout_s: float | None = None) -> None:
        env_fns = list(env_fns)
        self.num_envs = len(env_fns)
        self.timeout_s = timeout_s
        probe = env_fns[0]()  # the spaces, as every sub-env must share them
        self.single_observation_space = probe.observation_space
        self.single_action_space = probe.action_space
        self.metadata = dict(probe.metadata, autoreset_mode=AutoresetMode.SAME_STEP)
        self.spec = probe.spec
        self.render_mode = probe.render_mode
        probe.close()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

        self._chunks = [list(range(i, min(i + envs_per_worker, self.num_envs)))
                        for i in range(0, self.num_envs, envs_per_worker)]
        self.num_workers = len(self._chunks)
        ctx = mp.get_context(context)
        self._conns: list[Connection] = []
        self._processes: list[mp.process.BaseProcess] = []
        self._closed = False
        for index, chunk in enumerate(self._chunks):
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_worker, args=(child, [env_fns[i] for i in chunk]),
                                  name=f"agentgym-vector-worker-{index}", daemon=True)
            process.start()
            child.close()
            self._conns.append(parent)
            self._processes.append(process)
        self._receive_all()  # the workers built their envs (or the error surfaces now)

    def reset(self, *, seed: int | Sequence[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Reset every sub-env; an int ``seed`` gives sub-env ``i`` the seed ``seed + i``."""
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"got {len(seeds)} seeds for {self.num_envs} envs")
        for conn, chunk in zip(self._conns, self._chunks, strict=True):
            conn.send(("reset", ([seeds[i] for i in chunk], options)))
        results = self._receive_all()
        return self._concat_obs([r[0] for r in results]), self._concat_infos([r[1] for r in results])

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Send each worker its envs' actions, wait for all, and concatenate the results."""
        for conn, chunk in zip(self._conns, self._chunks, strict=True):
            conn.send(("step", _take(self.single_action_space, actions, chunk[0], chunk[-1] + 1)))
        results = self._receive_all()
        obs = self._concat_obs([r[0] for r in results])
        rewards, terminated, truncated = (np.concatenate([r[k] for r in results]) for k in (1, 2, 3))
        return obs, rewards, terminated, truncated, self._concat_infos([r[4] for r in results])

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call method (or read attribute) ``name`` of every sub-env."""
        for conn in self._conns:
            conn.send(("call", (name, args, kwargs)))
        return tuple(value for result in self._receive_all() for value in result)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        return self.call(name)

    def set_attr(self, name: str, values: list[Any] | tuple[Any, ...] | Any) -> None:
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        for conn, chunk in zip(self._conns, self._chunks, strict=True):
            conn.send(("set_attr", (name, [values[i] for i in chunk])))
        self._receive_all()

    def close_extras(self, **kwargs: Any) -> None:
        """Ask every worker to close its envs, then make sure each process has exited."""
        if self._closed:
            return
        self._closed = True
        for conn in self._conns:
            try:
                conn.send(("close", None))
            except (BrokenPipeError, OSError):  # that worker is already gone
                pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=1)
        for conn in self._conns:
            conn.close()

    def _receive_all(self) -> list[Any]:
        """One reply from every worker; the first error is re-raised after all have answered."""
        results, error = [], None
        for index, conn in enumerate(self._conns):
            status, payload = self._receive(index, conn)
            if status == "error" and error is None:
                error = (index, payload)
            results.append(payload)
        if error is not None:
            index, (exc_type, message, trace) = error
            self.close()
            raise _rebuild(exc_type, message, f"in vector-env worker {index}:\n{trace}")
        return results

    def _receive(self, index: int, conn: Connection) -> tuple[str, Any]:
        # Poll instead of a blocking recv so that a worker that died (killed, segfault) is an
        # error here rather than a hang.
        start = time.monotonic()
        while not conn.poll(0.5):
            process = self._processes[index]
            if not process.is_alive():
                self.close()
                raise WorkerError(f"vector-env worker {index} died (exit code {process.exitcode})")
            if self.timeout_s is not None and time.monotonic() - start > self.timeout_s:
                self.close()
                raise TimeoutError(f"vector-env worker {index} did not answer within {self.timeout_s} s")
        try:
            return conn.recv()
        except EOFError:
            self.close()
            raise WorkerError(f"vector-env worker {index} closed its pipe") from None

    def _concat_obs(self, parts: list[Any]) -> Any:
        return _concat_batches(self.single_observation_space, parts)

    def _concat_infos(self, parts: list[dict[str, Any]]) -> dict[str, Any]:
        return _merge_infos(parts, [len(chunk) for chunk in self._chunks])


def _concat_batches(space: gym.Space[Any], parts: list[Any]) -> Any:
    """Concatenate batches of ``space`` along the batch axis (dicts and tuples by part)."""
    if isinstance(space, gym.spaces.Dict):
        return {k: _concat_batches(sub, [p[k] for p in parts]) for k, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_concat_batches(sub, [p[i] for p in parts]) for i, sub in enumerate(space.spaces))
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    return tuple(item for part in parts for item in part)  # spaces batched as tuples (Text, Graph)


def _take(space: gym.Space[Any], batch: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of a batch of ``space`` (an action batch, say)."""
    if isinstance(space, gym.spaces.Dict):
        return {k: _take(sub, batch[k], start, stop) for k, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_take(sub, batch[i], start, stop) for i, sub in enumerate(space.spaces))
    return batch[start:stop]


def _rebuild(exc_type: type[BaseException], message: str, note: str) -> BaseException:
    """The worker's exception as the same type with the same message, if it can be rebuilt."""
    try:
        exc = exc_type(message)
    except Exception:
        exc = WorkerError(f"{exc_type.__name__}: {message}")
    if str(exc) != message and not isinstance(exc, WorkerError):  # e.g. KeyError quotes its text
        exc = WorkerError(f"{exc_type.__name__}: {message}")
    exc.add_note(note)
    return exc
