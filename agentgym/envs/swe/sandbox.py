"""Locked-down Docker containers for agent code: one :class:`Sandbox` per container.

Every container agentgym starts (:func:`start_container`) runs with

* ``network_mode="none"`` (only a loopback interface: a connect to any address fails),
* a non-root user (the init process runs as ``nobody``; commands run as ``agent``, uid 1000),
* all capabilities dropped and ``no-new-privileges``,
* memory, swap, pids and CPU limits,
* a read-only root filesystem and no host mounts: the only writable places are two size-limited
  tmpfs mounts, ``/work`` (the repo) and ``/tmp``, so agent code can never fill the host's disk,
* labels (:data:`LABEL`, :data:`OWNER_LABEL`) that say which process owns it, so that leaked
  containers are found and removed (:func:`collect_garbage`).

:meth:`Sandbox.run` runs one shell command with a timeout (the process group is killed and the
result has exit code 124 and a message) and caps the output (head and tail kept, with a count of
what was cut). When a command returns, every process it left behind is killed, so that a fork bomb
or a ``sleep 1000 &`` cannot outlive its command.

Example (needs a Docker engine)::

    sb = Sandbox.start(image, SandboxLimits())
    sb.run("echo hi").output      # 'hi\\n'
    sb.close()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import shlex
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: Every agentgym SWE container carries this label (value ``"1"``).
LABEL = "agentgym.swe"
#: ``host:pid:start`` of the process that started the container (see :func:`owner_id`).
OWNER_LABEL = "agentgym.owner"
#: What the container is for: ``pool`` (an env's working container), ``grade`` or ``validate``.
ROLE_LABEL = "agentgym.role"

AGENT_USER = "1000:1000"
#: The image's root, with no capabilities: owns the repo vault, which the agent cannot read.
OWNER_USER = "0:0"
INIT_USER = "65534:65534"
#: Exit code of a command stopped by its timeout (as coreutils' ``timeout`` reports it).
TIMEOUT_EXIT = 124


class DockerUnavailableError(RuntimeError):
    """No Docker engine answers; the message says how to start one."""


class SandboxError(RuntimeError):
    """A container broke (it died, or a command could not be run or stopped); the env replaces it."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one container and of each command run in it."""

    memory: str = "1g"  #: memory limit (swap is not allowed on top of it)
    pids: int = 256  #: processes and threads (a fork bomb stops here)
    cpus: float = 1.0  #: CPU share
    work_size: str = "256m"  #: size of the /work tmpfs (the repo and anything the agent writes there)
    tmp_size: str = "64m"  #: size of the /tmp tmpfs
    file_size: int = 128 * 2**20  #: largest single file a process may write (RLIMIT_FSIZE), bytes
    timeout: float = 30.0  #: seconds a command may run before it is killed
    output_head: int = 6000  #: bytes of output kept from the start
    output_tail: int = 4000  #: bytes of output kept from the end

    def __post_init__(self) -> None:
        if self.pids < 16:
            raise ValueError(f"pids={self.pids}: a container needs at least 16 processes")
        if self.timeout <= 0:
            raise ValueError(f"timeout={self.timeout}: must be positive")
        if self.cpus <= 0:
            raise ValueError(f"cpus={self.cpus}: must be positive")
        if self.output_head < 0 or self.output_tail < 0:
            raise ValueError("output_head and output_tail must be >= 0")


@dataclass
class CommandResult:
    """What one command did: its exit code, its (capped) output, and how long it took."""

    exit_code: int
    output: str
    duration: float
    timed_out: bool = False
    bytes_total: int = 0  #: bytes the command wrote, before capping
    bytes_cut: int = 0  #: bytes left out of ``output``

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


# --------------------------------------------------------------------------------------------------
# owners and garbage collection


def _process_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux), or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def owner_id(pid: int | None = None) -> str:
    """``host:pid:start``: names a process uniquely on this host (a reused pid has another start)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or 0}"


def owner_alive(owner: str) -> bool:
    """Whether the process named by ``owner`` (from :func:`owner_id`) still runs.

    An owner on another host is taken to be alive: only that host can tell.
    """
    try:
        host, pid, start = owner.rsplit(":", 2)
        pid_i = int(pid)
    except ValueError:
        return False  # not ours to keep
    if host != socket.gethostname():
        return True
    return _process_start(pid_i) == start


_client_lock = threading.Lock()
_client: Any = None


def docker_client() -> Any:
    """The shared Docker client, checked to answer; :class:`DockerUnavailableError` says how to start one."""
    global _client
    with _client_lock:
        if _client is not None:
            return _client
        try:
            import docker
        except ImportError as exc:  # pragma: no cover - docker is a dependency
            raise DockerUnavailableError("the docker SDK is missing: pip install docker") from exc
        try:
            client = docker.from_env(timeout=120, max_pool_size=64)
            client.ping()
        except Exception as exc:
            raise DockerUnavailableError(
                "no Docker engine answers "
                f"({type(exc).__name__}: {exc}).\nInstall and start one, for example:\n"
                "  apt-get install -y docker.io && dockerd --bridge=none --iptables=false &\n"
                "(agentgym's containers need no network; DOCKER_HOST selects another engine)"
            ) from exc
        _client = client
        return client


def docker_available() -> bool:
    """True when a Docker engine answers."""
    try:
        docker_client()
    except DockerUnavailableError:
        return False
    return True


def list_containers(*, owner: str | None = None) -> list[Any]:
    """agentgym's containers (running or not), optionally only those of one owner."""
    filters = {"label": [f"{LABEL}=1"] + ([f"{OWNER_LABEL}={owner}"] if owner else [])}
    return docker_client().containers.list(all=True, filters=filters)


def _remove(container: Any) -> bool:
    try:
        container.remove(force=True)
    except Exception as exc:  # already gone, or being removed by another process
        return "No such container" in str(exc) or "is already in progress" in str(exc)
    return True


def collect_garbage(*, everything: bool = False) -> int:
    """Remove leaked containers: those whose owning process is gone (all of them with ``everything``).

    Runs when the first sandbox of a process starts, at exit, and from ``agentgym swe gc``.
    Returns how many containers were removed.
    """
    removed = 0
    for container in list_containers():
        owner = container.labels.get(OWNER_LABEL, "")
        if everything or not owner_alive(owner):
            removed += _remove(container)
    return removed


_own_lock = threading.Lock()
_own: dict[str, Any] = {}  # container id -> container, for removal at exit
_gc_done = False


def _track(container: Any) -> None:
    with _own_lock:
        _own[container.id] = container


def _untrack(container_id: str) -> None:
    with _own_lock:
        _own.pop(container_id, None)


@atexit.register
def _remove_own_containers() -> None:
    with _own_lock:
        containers = list(_own.values())
        _own.clear()
    for container in containers:
        _remove(container)
    if containers and _client is not None:
        # Anything of ours that slipped past the list (started by a thread at exit, say).
        with contextlib.suppress(Exception):
            for container in list_containers(owner=owner_id()):
                _remove(container)


def _gc_once() -> None:
    global _gc_done
    if _gc_done:
        return
    _gc_done = True
    collect_garbage()


# --------------------------------------------------------------------------------------------------
# containers


def start_container(image: str, limits: SandboxLimits, *, role: str = "pool", labels: dict[str, str] | None = None) -> Any:
    """Start one locked-down container of ``image`` (see the module docstring); returns the docker object."""
    client = docker_client()
    _gc_once()
    import docker.types

    all_labels = {LABEL: "1", OWNER_LABEL: owner_id(), ROLE_LABEL: role, **(labels or {})}
    tmpfs_opts = "rw,exec,nosuid,nodev,uid=1000,gid=1000"
    try:
        container = client.containers.run(
            image,
            command=["sleep", "infinity"],
            detach=True,
            init=True,
            user=INIT_USER,
            network_mode="none",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=limits.memory,
            memswap_limit=limits.memory,
            pids_limit=limits.pids,
            nano_cpus=int(limits.cpus * 1e9),
            read_only=True,
            tmpfs={
                "/work": f"{tmpfs_opts},mode=0755,size={limits.work_size}",
                "/tmp": f"{tmpfs_opts},mode=1777,size={limits.tmp_size}",
            },
            shm_size="16m",
            ulimits=[docker.types.Ulimit(name="fsize", soft=limits.file_size, hard=limits.file_size)],
            environment={"HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"},
            working_dir="/work",
            labels=all_labels,
        )
    except Exception as exc:
        if "No such image" in str(exc) or "not found" in str(exc).lower():
            raise SandboxError(f"image {image!r} is missing: build it with `agentgym swe build`") from exc
        raise SandboxError(f"could not start a container of {image!r}: {exc}") from exc
    _track(container)
    return container


def _frames(sock: socket.socket, deadline: float, head: int, tail: int) -> tuple[bytes, bytes, int, bool]:
    """Read Docker's multiplexed exec stream until EOF or ``deadline``.

    Returns (head bytes, tail bytes, total bytes, finished). Memory stays bounded by head + tail.
    """
    pending = bytearray()
    kept_head = bytearray()
    kept_tail = bytearray()
    total = 0

    def keep(payload: bytes | bytearray | memoryview) -> None:
        nonlocal total
        total += len(payload)
        room = head - len(kept_head)
        if room > 0:
            kept_head.extend(payload[:room])
            payload = payload[room:]
        if tail and len(payload):
            kept_tail.extend(payload)
            if len(kept_tail) > 2 * tail:
                del kept_tail[: len(kept_tail) - tail]

    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(kept_head), bytes(kept_tail[-tail:] if tail else b""), total, False
        readable, _, _ = select.select([sock], [], [], min(left, 1.0))
        if not readable:
            continue
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        pending.extend(chunk)
        start = 0
        while len(pending) - start >= 8:
            size = struct.unpack_from(">I", pending, start + 4)[0]
            if len(pending) - start - 8 < size:
                break
            keep(memoryview(pending)[start + 8 : start + 8 + size])
            start += 8 + size
        if start:
            del pending[:start]
    return bytes(kept_head), bytes(kept_tail[-tail:] if tail else b""), total, True


def _cap_text(head: bytes, tail: bytes, total: int) -> tuple[str, int]:
    """Join the kept head and tail of an output of ``total`` bytes, saying how much was cut."""
    cut = total - len(head) - len(tail)
    if cut <= 0:
        data = head + tail[len(tail) + cut :] if cut < 0 else head + tail
        return data.decode("utf-8", errors="replace"), 0
    note = f"\n[... {cut} bytes of output cut: the first {len(head)} and last {len(tail)} bytes are shown ...]\n"
    return head.decode("utf-8", errors="replace") + note + tail.decode("utf-8", errors="replace"), cut


# The wrapper every command runs in: a timeout that kills the command's process group, then every
# process the command left behind (``kill -9 -1`` spares only this shell: it cannot signal init,
# which runs as another user), twenty times over so that a fork bomb cannot outrun it. Then, while
# /proc still shows a process of the agent's user other than this shell (a survivor, or a killed
# one that init has not reaped yet), it kills again and waits, at most ~3 s: the next command
# never meets the last one's processes in the process table or in the pids limit.
_WRAPPER = r"""
timeout -k 2 {timeout} bash -c {cmd} {stdin} 2>&1
rc=$?
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -9 -1 2>/dev/null; done
left() {{ for d in /proc/[0-9]*; do [ "${{d#/proc/}}" != "$$" ] && [ -O "$d" ] && return 0; done; return 1; }}
for _ in $(seq 60); do left || break; kill -9 -1 2>/dev/null; sleep 0.05; done
exit $rc
"""


@dataclass
class Sandbox:
    """One running container and the commands run in it (as the ``agent`` user)."""

    container: Any
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    image: str = ""
    broken: bool = False

    @classmethod
    def start(cls, image: str, limits: SandboxLimits | None = None, *, role: str = "pool") -> Sandbox:
        limits = limits or SandboxLimits()
        return cls(start_container(image, limits, role=role), limits, image)

    @property
    def id(self) -> str:
        return self.container.id

    def _exec(self, command: str, *, timeout: float, workdir: str, stdin: bytes | None, env: dict[str, str] | None,
              head: int, tail: int, user: str) -> tuple[bytes, bytes, int, int, float]:
        """Run ``command`` in the wrapper; (head bytes, tail bytes, total bytes, exit code, seconds)."""
        if self.broken:
            raise SandboxError("this sandbox is broken; start a new one")
        api = docker_client().api
        script = _WRAPPER.format(
            timeout=f"{timeout:g}", cmd=shlex.quote(command), stdin="" if stdin is not None else "</dev/null"
        )
        started = time.monotonic()
        try:
            exec_id = api.exec_create(
                self.container.id,
                ["bash", "-c", script],
                user=user,
                workdir=workdir,
                environment=env or None,
                stdin=stdin is not None,
                stdout=True,
                stderr=True,
            )["Id"]
            raw = api.exec_start(exec_id, socket=True)
        except Exception as exc:
            self.broken = True
            raise SandboxError(f"could not run a command in {self.container.short_id}: {exc}") from exc
        sock = getattr(raw, "_sock", raw)
        try:
            if stdin is not None:
                sock.sendall(stdin)
                sock.shutdown(socket.SHUT_WR)
            # The wrapper kills at timeout + 2 s; past timeout + 10 s the container is stuck.
            kept_head, kept_tail, total, finished = _frames(sock, started + timeout + 10.0, head, tail)
        except OSError as exc:
            self.broken = True
            raise SandboxError(f"lost the connection to {self.container.short_id}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                sock.close()
        duration = time.monotonic() - started
        if not finished:
            self.broken = True
            raise SandboxError(f"a command in {self.container.short_id} could not be stopped after {timeout:g} s")
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
        if exit_code is None:
            self.broken = True
            raise SandboxError(f"a command in {self.container.short_id} did not report an exit code")
        return kept_head, kept_tail, total, int(exit_code), duration

    def run(
        self,
        command: str,
        *,
        timeout: float | None = None,
        workdir: str = "/work/repo",
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        head: int | None = None,
        tail: int | None = None,
    ) -> CommandResult:
        """Run ``command`` with bash in the container as the agent; never raises for what the command does.

        A command still running after ``timeout`` seconds is killed: exit code 124, with a note in the
        output. Raises :class:`SandboxError` only when the container itself fails (then it is broken).
        """
        timeout = self.limits.timeout if timeout is None else float(timeout)
        head = self.limits.output_head if head is None else head
        tail = self.limits.output_tail if tail is None else tail
        kept_head, kept_tail, total, exit_code, duration = self._exec(
            command, timeout=timeout, workdir=workdir, stdin=stdin, env=env, head=head, tail=tail, user=AGENT_USER)
        output, cut = _cap_text(kept_head, kept_tail, total)
        # 124: stopped by timeout's TERM; 137: TERM was ignored and timeout's KILL followed 2 s later.
        timed_out = exit_code in (TIMEOUT_EXIT, 128 + 9) and duration >= timeout - 0.05
        if timed_out:
            exit_code = TIMEOUT_EXIT
            output += f"\n[command timed out after {timeout:g} s and was killed]\n"
        return CommandResult(exit_code, output, duration, timed_out, total, cut)

    def read_as_owner(self, command: str, *, timeout: float = 60, limit: int = 256 * 2**20) -> bytes:
        """The raw output of ``command`` run as the image's root user, for reading what the agent may not.

        The container has no capabilities, so this root can read only what root owns (the repo vault);
        it never runs agent input. Raises :class:`SandboxError` on a non-zero exit or output over ``limit``.
        """
        data, _, total, exit_code, _ = self._exec(command, timeout=timeout, workdir="/", stdin=None, env=None,
                                                  head=limit + 1, tail=0, user=OWNER_USER)
        if exit_code != 0 or total > limit:
            why = f"exit code {exit_code}" if exit_code else f"more than {limit} bytes"
            raise SandboxError(f"{command!r} failed in {self.container.short_id}: {why}: {data[-500:]!r}")
        return data

    def alive(self) -> bool:
        try:
            self.container.reload()
        except Exception:
            return False
        return self.container.status == "running"

    def close(self) -> None:
        """Remove the container (idempotent)."""
        _remove(self.container)
        _untrack(self.container.id)
        self.broken = True

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
