"""Warm pools of containers, one per (image, limits): started ahead, reused across episodes.

* :meth:`ContainerPool.acquire` hands out a working container (an idle one if there is one, else a
  new one); :meth:`ContainerPool.release` takes it back for the next episode, or removes it if it
  broke. An env resets by restoring the repo inside its container, not by starting a new one.
* :meth:`ContainerPool.fresh` hands out a container no agent code ever ran in, for grading; the
  pool keeps ``spares`` of them started in a background thread, and the caller removes it after use.

Pools are shared in a process (:func:`get_pool`); every container they start is removed at exit,
and containers left by a killed process are removed when the next process starts one (see
:mod:`agentgym.envs.swe.sandbox`).
"""

from __future__ import annotations

import threading
from collections import deque

from agentgym.envs.swe.sandbox import Sandbox, SandboxError, SandboxLimits


class ContainerPool:
    """Idle working containers and fresh spares of one image."""

    def __init__(self, image: str, limits: SandboxLimits | None = None, *, spares: int = 1, max_idle: int = 64):
        self.image = image
        self.limits = limits or SandboxLimits()
        self.spares = spares
        self.max_idle = max_idle
        self._idle: deque[Sandbox] = deque()
        self._fresh: deque[Sandbox] = deque()
        self._lock = threading.Lock()
        self._filling = False
        self._closed = False
        self.started = 0  #: containers this pool started
        self.reused = 0  #: acquisitions served by an idle container

    def _start(self, role: str) -> Sandbox:
        sandbox = Sandbox.start(self.image, self.limits, role=role)
        self.started += 1
        return sandbox

    def acquire(self) -> Sandbox:
        """A working container: an idle one from the pool, else a new one."""
        while True:
            with self._lock:
                sandbox = self._idle.popleft() if self._idle else None
            if sandbox is None:
                return self._start("pool")
            if not sandbox.broken:
                self.reused += 1
                return sandbox
            sandbox.close()

    def release(self, sandbox: Sandbox) -> None:
        """Give a working container back (a broken one, or one past ``max_idle``, is removed)."""
        with self._lock:
            keep = not sandbox.broken and not self._closed and len(self._idle) < self.max_idle
            if keep:
                self._idle.append(sandbox)
        if not keep:
            sandbox.close()

    def fresh(self) -> Sandbox:
        """A container no agent code ran in (for grading); the caller closes it. Refills in the background."""
        with self._lock:
            sandbox = self._fresh.popleft() if self._fresh else None
        if sandbox is None or sandbox.broken:
            sandbox = self._start("grade")
        self.refill()
        return sandbox

    def refill(self) -> None:
        """Start fresh spares in a background thread until there are ``spares`` of them."""
        with self._lock:
            if self._filling or self._closed or len(self._fresh) >= self.spares:
                return
            self._filling = True
        threading.Thread(target=self._fill, name=f"agentgym-pool-{self.image}", daemon=True).start()

    def _fill(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed or len(self._fresh) >= self.spares:
                        return
                try:
                    sandbox = self._start("grade")
                except SandboxError:
                    return
                with self._lock:
                    if self._closed:
                        sandbox.close()
                        return
                    self._fresh.append(sandbox)
        finally:
            with self._lock:
                self._filling = False

    def warm(self, n: int) -> None:
        """Start idle working containers until ``n`` are idle."""
        while True:
            with self._lock:
                if len(self._idle) >= n:
                    return
            self.release(self._start("pool"))

    @property
    def idle(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        """Remove every container the pool holds (containers handed out are their holders' to close)."""
        with self._lock:
            self._closed = True
            held = list(self._idle) + list(self._fresh)
            self._idle.clear()
            self._fresh.clear()
        for sandbox in held:
            sandbox.close()


_pools: dict[tuple[str, SandboxLimits], ContainerPool] = {}
_pools_lock = threading.Lock()


def get_pool(image: str, limits: SandboxLimits | None = None) -> ContainerPool:
    """The process's pool for ``image`` and ``limits`` (made on first use)."""
    limits = limits or SandboxLimits()
    with _pools_lock:
        pool = _pools.get((image, limits))
        if pool is None or pool._closed:
            pool = _pools[(image, limits)] = ContainerPool(image, limits)
        return pool


def close_pools() -> None:
    """Remove every pooled container of this process."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
