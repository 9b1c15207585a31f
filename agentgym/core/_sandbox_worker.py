"""The sandbox worker: one process that loads one ``compute_reward`` and evaluates batches with it.

Started by :mod:`agentgym.core.sandbox` as ``python -I _sandbox_worker.py``. It imports only the
standard library, numpy and pyseccomp (never agentgym: a fast start and a small footprint), reads
its orders from the parent, locks itself down, and only then runs the foreign code.

Protocol (the parent's stdin/stdout pipes, moved to private descriptors so that ``print`` in the
reward code cannot corrupt it):

* parent -> worker: ``<Q length>`` + a pickle. The parent is trusted; the first message is the
  init dict, then ``("call", states, actions, next_states, infos)`` tuples (arrays as
  ``(dtype, shape, buffer)`` triples: faster to pickle than arrays).
* worker -> parent: ``<I header length><I raw length>`` + a JSON header + raw little-endian
  float64 bytes. Never a pickle: the parent must not unpickle what code it does not trust made.

Lockdown order (everything that needs a file, a privilege or a thread happens before it):
imports, numpy warm-up and the seccomp filter built -> new network namespace -> drop root to
nobody -> resource limits -> seccomp filter loaded -> self-test -> stdin/stdout/stderr to
/dev/null -> "ready" -> load the reward code.
"""

import builtins
import cmath  # noqa: F401 - pre-imported: reward code may import it after lockdown
import ctypes
import errno
import json
import linecache
import math
import os
import pickle
import resource
import signal
import struct
import sys
import traceback
import typing  # noqa: F401 - pre-imported: reward code may import it after lockdown
from collections.abc import Mapping

CLONE_NEWNET = 0x40000000
NOBODY = 65534
MESSAGE_LIMIT = 4000  # characters of an exception message sent back

#: System calls answered with EPERM after lockdown (names libseccomp does not know here are skipped).
DENIED_SYSCALLS = (
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg",
    "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
    # files: no new descriptors, no changes to the file system
    "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at", "chdir", "fchdir",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link",
    "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown",
    "fchownat", "truncate", "ftruncate", "mknod", "mknodat", "memfd_create", "inotify_add_watch",
    "fanotify_init",
    # processes and other processes' memory or signals
    "execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace", "process_vm_readv",
    "process_vm_writev", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "kcmp", "move_pages", "migrate_pages",
    "setpriority", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr",
    "ioprio_set",
    # limits, namespaces, mounts, identity
    "setrlimit", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen",
    "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "capset", "prctl", "seccomp",
    "personality",
    # System V and POSIX IPC (root could attach other processes' segments)
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semtimedop", "semctl", "mq_open", "mq_unlink",
    # the kernel and the machine
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
    "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "sethostname", "setdomainname", "iopl", "ioperm", "kexec_load",
    "kexec_file_load", "acct", "quotactl", "syslog", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "vhangup", "lookup_dcookie",
)


# -- framing ----------------------------------------------------------------------------------


def _read_message(reader: typing.BinaryIO) -> typing.Any:
    head = reader.read(8)
    if len(head) < 8:
        return None  # the parent closed the pipe: exit
    (size,) = struct.unpack("<Q", head)
    data = reader.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _send(fd: int, header: dict, raw: bytes = b"") -> None:
    head = json.dumps(header).encode()
    view = memoryview(struct.pack("<II", len(head), len(raw)) + head + raw)
    while view:
        view = view[os.write(fd, view):]


# -- lockdown ---------------------------------------------------------------------------------


def _vm_size() -> int:
    """Bytes of address space in use now."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _warm_up(np: typing.Any) -> None:
    """Import lazily loaded numpy parts now: after lockdown no module file can be opened."""
    import numpy.fft
    import numpy.linalg
    import numpy.polynomial
    import numpy.random  # noqa: F401

    a = np.arange(9.0).reshape(3, 3) + np.eye(3)
    np.linalg.inv(a), np.linalg.norm(a), np.linalg.eigvals(a), np.clip(a, 0, 1), np.tanh(a)
    np.random.default_rng(0).normal(size=3)
    str(a), repr(np.float64(1.5)), float(np.sum(a)), np.isfinite(a).all()
    with np.errstate(all="ignore"):
        np.log(np.zeros(1)), np.divide(a, 0)


def _unshare_network() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWNET) == 0


def _drop_root() -> bool:
    """As root, become nobody (which drops every capability): one more layer in front of files."""
    if os.geteuid() != 0:
        return False
    try:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    except OSError:
        return False
    return True


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, ceiling = resource.getrlimit(which)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(which, (soft, hard))


def _set_limits(memory_mb: int, cpu_seconds: float, baseline: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
    _limit(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU at the soft limit, SIGKILL a second later
    _limit(resource.RLIMIT_AS, baseline + int(memory_mb) * 2**20)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NPROC, 0)  # ignored for root (then the seccomp filter alone stops fork)


def _seccomp_filter() -> typing.Any:
    """The filter, built (not loaded) while pyseccomp and libseccomp can still be imported."""
    import pyseccomp as seccomp

    eperm = seccomp.ERRNO(errno.EPERM)
    flt = seccomp.SyscallFilter(seccomp.ALLOW)  # other architectures' calls kill the process
    for name in DENIED_SYSCALLS:
        if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) >= 0:
            flt.add_rule(eperm, name)
    if seccomp.resolve_syscall(seccomp.Arch.NATIVE, "prlimit64") >= 0:
        # getrlimit is prlimit64(pid, resource, NULL, old): only setting a limit is denied
        flt.add_rule(eperm, "prlimit64", seccomp.Arg(2, seccomp.NE, 0))
    return flt


def _files_denied() -> bool:
    try:
        fd = os.open("/dev/null", os.O_RDONLY)
    except PermissionError:
        return True
    os.close(fd)
    return False


# -- the reward code --------------------------------------------------------------------------


def _namespace(init: dict, np: typing.Any) -> dict:
    if init["static_checks"]:
        allowed = frozenset(init["allowed_imports"])

        def restricted_import(modname, globals_=None, locals_=None, fromlist=(), level=0):
            if modname.split(".")[0] not in allowed or level:
                raise ImportError(f"import of {modname!r} is not allowed in reward code")
            return __import__(modname, globals_, locals_, fromlist, level)

        safe = {k: getattr(builtins, k) for k in init["safe_builtins"] if hasattr(builtins, k)}
        safe["__import__"] = restricted_import
    else:  # tests of the OS layer alone: the code gets everything Python has
        safe = builtins.__dict__
    return {"__builtins__": safe, "__name__": "agentgym_reward", "np": np, "math": math}


class _Invalid(Exception):
    """A result outside the contract."""


def _validate(out: typing.Any) -> tuple:
    """Exactly :meth:`agentgym.core.RewardFn._validate` (messages without the name prefix)."""
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Mapping)):
        raise _Invalid(f"must return (total, {{name: value}}), got {type(out).__name__}")
    total, parts = out
    try:
        total = float(total)
        comps = {str(k): float(v) for k, v in parts.items()}
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"total and components must be numbers ({exc})") from None
    isfinite = math.isfinite
    if not isfinite(total) or not all(isfinite(v) for v in comps.values()):
        bad = [k for k, v in {"total": total, **comps}.items() if not isfinite(v)]
        raise _Invalid(f"non-finite value in {bad}")
    return total, comps


def _describe(exc: BaseException, name: str) -> dict:
    """An exception of the reward code as a JSON header: type, message, line, traceback of its frames."""
    lineno = exc.lineno if isinstance(exc, SyntaxError) and exc.filename == name else None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == name:
            lineno = line
    try:
        text = str(exc)
    except BaseException:  # noqa: B036 - a hostile __str__
        text = "<exception str() failed>"
    kind = "MemoryError" if isinstance(exc, MemoryError) else type(exc).__name__  # numpy's _ArrayMemoryError
    try:
        tb = traceback.TracebackException(type(exc), exc, exc.__traceback__, lookup_lines=False)
        tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if f.filename == name])
        trace = "".join(tb.format(chain=False))
    except BaseException:  # noqa: B036 - formatting must not take the worker down
        trace = f"{kind}: {text}\n"
    return {"error": "exception", "type": str(kind), "text": text[:MESSAGE_LIMIT], "lineno": lineno,
            "traceback": trace[-4 * MESSAGE_LIMIT:]}


def _unpack(np: typing.Any, value: typing.Any) -> typing.Any:
    """An array the parent sent as ``(dtype, shape, buffer)`` (anything else as it came)."""
    if type(value) is not tuple:
        return value
    dtype, shape, buffer = value
    array = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    return array if array.flags.writeable else array.copy()  # writable, as in the trainer's process


def _evaluate(fn: typing.Callable, name: str, np: typing.Any, request: tuple) -> tuple[dict, bytes]:
    _, states, actions, next_states, infos = request
    states = {k: _unpack(np, v) for k, v in states.items()}
    next_states = {k: _unpack(np, v) for k, v in next_states.items()}
    actions = _unpack(np, actions)
    n = len(infos)
    totals = np.empty(n, dtype="<f8")
    comps: dict = {}
    state_items, next_items = list(states.items()), list(next_states.items())
    for i in range(n):
        state = {k: v[i] for k, v in state_items}
        next_state = {k: v[i] for k, v in next_items}
        try:
            total, parts = _validate(fn(state, None if actions is None else actions[i], next_state, infos[i]))
        except _Invalid as exc:
            return {"error": "invalid", "text": str(exc)}, b""
        except BaseException as exc:  # noqa: B036 - SystemExit & co. from the reward code are its errors too
            return _describe(exc, name), b""
        totals[i] = total
        for key, value in parts.items():
            column = comps.get(key)
            if column is None:
                column = comps[key] = np.zeros(n, dtype="<f8")
            column[i] = value
    names = list(comps)
    raw = totals.tobytes() + b"".join(comps[k].tobytes() for k in names)
    return {"ok": True, "n": n, "names": names}, raw


def main() -> None:
    proto_in, proto_out = os.dup(0), os.dup(1)
    reader = os.fdopen(proto_in, "rb", buffering=1 << 16)
    init = _read_message(reader)
    if init is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the trainer's to handle
    stage = "numpy"
    try:
        import numpy as np

        _warm_up(np)
        devnull = os.open(os.devnull, os.O_RDWR)
        name, source = init["name"], init["source"]
        # tracebacks show the reward code's lines without opening a file
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        namespace = _namespace(init, np)
        stage = "seccomp_library"
        seccomp_filter = _seccomp_filter()
        stage = "limits"
        baseline = _vm_size()  # before dropping root: then /proc/self is no longer readable
        isolation = {"netns": _unshare_network(), "unprivileged_user": _drop_root()}
        _set_limits(init["memory_mb"], init["cpu_seconds"], baseline)
        isolation.update(rlimit_as=True, rlimit_cpu=True)
        stage = "seccomp_filter"
        seccomp_filter.load()
        isolation.update(seccomp=True, no_new_files=_files_denied(), restricted_builtins=init["static_checks"])
    except BaseException as exc:  # noqa: B036 - the parent turns this into a SandboxError
        _send(proto_out, {"setup_error": f"{type(exc).__name__}: {exc}", "stage": stage})
        sys.stderr.flush()
        os._exit(1)
    # stdin, stdout and stderr now lead nowhere: print() in reward code must not reach the pipes
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = None
    sys.stdout = sys.stderr = os.fdopen(os.dup(devnull), "w")
    _send(proto_out, {"ready": True, "isolation": isolation})

    try:
        exec(compile(source, name, "exec"), namespace)  # noqa: S102 - the foreign code, locked down
        fn = namespace["compute_reward"]
    except BaseException as exc:  # noqa: B036
        _send(proto_out, _describe(exc, name))
        os._exit(0)
    _send(proto_out, {"loaded": True})

    while True:
        try:
            request = _read_message(reader)
        except Exception as exc:  # the batch holds objects this process cannot rebuild
            _send(proto_out, {"error": "request", "text": f"{type(exc).__name__}: {exc}"[:MESSAGE_LIMIT]})
            continue
        if request is None:
            os._exit(0)
        header, raw = _evaluate(fn, name, np, request)
        _send(proto_out, header, raw)


if __name__ == "__main__":
    main()
