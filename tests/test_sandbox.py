"""The reward sandbox: results equal the in-process RewardFn, and hostile code is stopped by the OS layer alone."""

from __future__ import annotations

import errno
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agentgym.core import RewardCodeError, RewardFnError, load_reward_fn
from agentgym.core.sandbox import (
    Sandbox,
    SandboxedRewardFn,
    SandboxLimits,
    load_sandboxed_reward_fn,
)

VALID = """\
import numpy as np

def compute_reward(state, action, next_state, info):
    speed = float(next_state["x"] - state["x"])
    parts = {"speed": speed, "effort": -0.1 * float(np.sum(np.square(action)))}
    if speed > 1.5:
        parts["bonus"] = 2.0  # only in some rows: 0 elsewhere
    return sum(parts.values()) + info.get("extra", 0.0), parts
"""


def _batch(n: int = 4) -> tuple[dict, np.ndarray, dict, list]:
    states = {"x": np.zeros(n), "v": np.ones(n)}
    next_states = {"x": np.arange(n, dtype=np.float64), "v": np.ones(n)}
    actions = np.arange(2 * n, dtype=np.float64).reshape(n, 2)
    infos = [{"extra": 0.5 * i} for i in range(n)]
    return states, actions, next_states, infos


def _hostile(attack: str) -> str:
    """Reward code that attacks when ``info["attack"]`` is set and is a valid reward otherwise."""
    body = "".join(f"        {line}\n" for line in attack.splitlines())
    return f"def compute_reward(state, action, next_state, info):\n    if info.get('attack'):\n{body}    return 1.0, {{}}\n"


ONE = {"x": np.zeros(1)}


def _attack(box: Sandbox) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    return box.call(ONE, None, ONE, [{"attack": True}])


def _still_works(box: Sandbox) -> None:
    totals, parts = box.call(ONE, None, ONE, [{}])
    assert totals.tolist() == [1.0] and parts == {}


@pytest.fixture(scope="module")
def valid() -> SandboxedRewardFn:
    fn = load_sandboxed_reward_fn(VALID, name="valid.py")
    yield fn
    fn.close()


def _open_box_with(attack: str, **limits: float) -> Sandbox:
    return Sandbox(_hostile(attack), limits=SandboxLimits(**{"memory_mb": 256, **limits}), static_checks=False)


# -- results ------------------------------------------------------------------------------------


def test_batched_results_equal_the_in_process_reward(valid: SandboxedRewardFn) -> None:
    states, actions, next_states, infos = _batch()
    totals, parts = valid.batched(states, actions, next_states, infos)
    want_totals, want_parts = load_reward_fn(VALID, name="valid.py").batched(states, actions, next_states, infos)
    np.testing.assert_array_equal(totals, want_totals)
    assert sorted(parts) == sorted(want_parts) == ["bonus", "effort", "speed"]
    for key in parts:
        np.testing.assert_array_equal(parts[key], want_parts[key])
        assert parts[key].dtype == np.float64 and parts[key].shape == (4,)
    assert parts["bonus"].tolist() == [0.0, 0.0, 2.0, 2.0]  # missing in rows 0 and 1


def test_single_call_equals_the_in_process_reward(valid: SandboxedRewardFn) -> None:
    state, next_state = {"x": np.array(1.0)}, {"x": np.array(3.0)}
    got = valid(state, np.array([1.0, 2.0]), next_state, {"extra": 1.0})
    assert got == load_reward_fn(VALID)(state, np.array([1.0, 2.0]), next_state, {"extra": 1.0})
    assert got == (1.5 + 2.0 + 1.0, {"speed": 2.0, "effort": -0.5, "bonus": 2.0})


def test_text_actions_and_infos_that_the_worker_cannot_rebuild() -> None:
    code = "def compute_reward(s, a, ns, info):\n    return float(len(a)), {'keys': float(len(info))}\n"
    with Sandbox(code) as box:
        totals, parts = box.call({}, ["go north", "look"], {}, [{"k": 1, "obj": object()}, {"task": "t", "l": [1, {"a": 2}]}])
    assert totals.tolist() == [8.0, 4.0]
    assert parts["keys"].tolist() == [1.0, 2.0]  # the object() is left out


def test_batch_axis_mismatch_is_a_clear_error(valid: SandboxedRewardFn) -> None:
    with pytest.raises(ValueError, match=r"states\['x'\] has shape \(3,\): expected a leading batch axis of 2"):
        valid.batched({"x": np.zeros(3)}, None, {"x": np.zeros(2)}, [{}, {}])


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "reward.py"
    path.write_text(VALID)
    fn = load_sandboxed_reward_fn(path)
    try:
        assert fn.name == str(path) and fn.source == VALID
        assert fn({"x": np.array(0.0)}, np.zeros(2), {"x": np.array(1.0)}, {})[0] == 1.0
    finally:
        fn.close()
    with pytest.raises(FileNotFoundError):
        load_sandboxed_reward_fn(tmp_path / "missing.py")


def test_isolation_is_applied(valid: SandboxedRewardFn) -> None:
    isolation = valid.sandbox.isolation
    assert isolation["seccomp"] and isolation["rlimit_as"] and isolation["rlimit_cpu"]
    assert isolation["no_new_files"] and isolation["restricted_builtins"]
    assert set(isolation) >= {"seccomp", "rlimit_as", "rlimit_cpu", "no_new_files", "netns"}


# -- static checks and load-time errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("import os", "import of 'os'"),
        ("x = __import__('os')", "'__import__'"),
        ("x = (1).__class__.__base__.__subclasses__()", "access to '__"),
        ("g = globals()", "'globals'"),
    ],
)
def test_static_check_failures_name_the_line(line: str, what: str) -> None:
    code = f"import math\n\n{line}\n\ndef compute_reward(s, a, ns, info):\n    return 0.0, {{}}\n"
    with pytest.raises(RewardCodeError, match=what) as caught:
        load_sandboxed_reward_fn(code)
    assert caught.value.lineno == 3
    with pytest.raises(RewardCodeError):
        Sandbox(code).start()


def test_errors_while_loading_name_the_line() -> None:
    code = "import math\nSCALE = 1 / 0\n\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}\n"
    with pytest.raises(RewardCodeError, match="error while loading: ZeroDivisionError: division by zero") as caught:
        load_sandboxed_reward_fn(code, name="r.py")
    assert caught.value.lineno == 2 and str(caught.value).startswith("r.py, line 2: ")


def test_restricted_builtins_apply_in_the_worker() -> None:
    # passes the static checks, then finds no open() and no os module
    code = "def compute_reward(s, a, ns, info):\n    return float(len(dir())), {}\n"
    with Sandbox(code) as box:
        with pytest.raises(RewardFnError, match="NameError: name 'dir' is not defined"):
            box.call({}, None, {}, [{}])


# -- errors of the reward code ------------------------------------------------------------------


def test_runtime_error_has_line_and_reward_only_traceback() -> None:
    code = "import math\n\ndef helper(x):\n    return math.sqrt(x) / (x - 4)\n\ndef compute_reward(s, a, ns, info):\n    return helper(4.0), {}\n"
    with Sandbox(code, name="mine.py") as box:
        with pytest.raises(RewardFnError) as caught:
            box.call({}, None, {}, [{}])
    err = caught.value
    assert str(err) == "mine.py, line 4: ZeroDivisionError: float division by zero"
    assert err.lineno == 4
    assert "return math.sqrt(x) / (x - 4)" in err.traceback and "return helper(4.0), {}" in err.traceback
    assert 'File "mine.py", line 7, in compute_reward' in err.traceback
    assert "_sandbox_worker" not in err.traceback  # only the reward code's frames
    again = pickle.loads(pickle.dumps(err))
    assert (str(again), again.lineno, again.traceback) == (str(err), err.lineno, err.traceback)


@pytest.mark.parametrize(
    "returned",
    ["1.0", "float('nan'), {}", "1.0, {'a': float('inf')}", "'high', {}", "1.0, {'a': [1, 2]}", "[1.0, {}]"],
)
def test_results_outside_the_contract_give_the_in_process_message(returned: str) -> None:
    code = f"def compute_reward(s, a, ns, info):\n    return {returned}\n"
    with pytest.raises(RewardFnError) as in_process:
        load_reward_fn(code)({}, None, {}, {})
    with Sandbox(code) as box, pytest.raises(RewardFnError) as sandboxed:
        box.call({}, None, {}, [{}])
    assert str(sandboxed.value) == str(in_process.value)
    assert any(s in str(sandboxed.value) for s in ("non-finite", "must return", "must be numbers"))


def test_exceptions_give_the_in_process_message(valid: SandboxedRewardFn) -> None:
    with pytest.raises(RewardFnError) as in_process:
        load_reward_fn(VALID, name="valid.py")({}, None, {}, {})
    with pytest.raises(RewardFnError) as sandboxed:
        valid({}, None, {}, {})
    assert str(sandboxed.value) == str(in_process.value) == "valid.py, line 4: KeyError: 'x'"


# -- the OS layer alone (full builtins, no static checks) ---------------------------------------


@pytest.mark.parametrize(
    ("attack", "message"),
    [
        ("open('/etc/hostname').read()", "PermissionError"),
        ("import os\nos.listdir('/')", "PermissionError"),
        ("import os\nos.fork()", "PermissionError"),
        ("import subprocess\nsubprocess.run(['true'])", "PermissionError"),
        ("import os\nos.kill(os.getppid(), 9)", "PermissionError"),
        ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))", "PermissionError|ValueError"),
        ("import threading\nthreading.Thread(target=print).start()", "can't start new thread"),
        ("import socket\nsocket.socket()", "Error"),
        ("import numpy as np\nnp.ones(2**27)", r"MemoryError: Unable to allocate 1.00 GiB.*the sandbox allows 256 MB"),
        ("x = bytearray(10 * 2**30)", "MemoryError"),
    ],
)
def test_os_layer_stops_hostile_code(attack: str, message: str) -> None:
    with _open_box_with(attack) as box:
        with pytest.raises(RewardFnError, match=message):
            _attack(box)
        _still_works(box)  # the loop carries on


def test_writing_files_is_stopped(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    with _open_box_with(f"open({str(target)!r}, 'w').write('pwned')") as box:
        with pytest.raises(RewardFnError, match="PermissionError"):
            _attack(box)
        _still_works(box)
    assert not target.exists()


def test_system_calls_are_denied_by_seccomp() -> None:
    # below Python: the raw system calls answer EPERM (the seccomp filter's answer, not a permission check's)
    attack = """\
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
calls = {"socket": lambda: libc.socket(2, 1, 0), "open": lambda: libc.open(b"/etc/hostname", 0), "fork": libc.fork}
out = {}
for name, call in calls.items():
    out[name] = float(call())
    out[name + "_errno"] = float(ctypes.get_errno())
return 0.0, out"""
    with _open_box_with(attack) as box:
        _, parts = _attack(box)
    assert {k: v.tolist() for k, v in parts.items()} == {
        "socket": [-1.0], "open": [-1.0], "fork": [-1.0],
        "socket_errno": [errno.EPERM], "open_errno": [errno.EPERM], "fork_errno": [errno.EPERM],
    }


def test_print_and_garbage_on_the_pipes_do_not_fool_the_parent() -> None:
    noisy = _open_box_with("print('x' * 100_000)\nimport os\nos.write(1, b'not a reply')\nreturn 2.0, {}")
    with noisy:
        assert noisy.call(ONE, None, ONE, [{"attack": True}])[0].tolist() == [2.0]
    forger = _open_box_with("import os\nfor fd in range(3, 12):\n    try:\n        os.write(fd, b'\\xff' * 64)\n"
                            "    except OSError:\n        pass")
    with forger:
        with pytest.raises(RewardFnError, match="the sandbox process sent a reply of"):
            _attack(forger)
        _still_works(forger)


def test_worker_that_exits_is_restarted() -> None:
    with _open_box_with("import os\nos._exit(3)") as box:
        with pytest.raises(RewardFnError, match="the sandbox process exited with code 3"):
            _attack(box)
        _still_works(box)


def test_endless_loop_times_out_and_the_next_call_restarts() -> None:
    with _open_box_with("while True:\n    pass", call_timeout_s=1.0) as box:
        box.start()
        start = time.monotonic()
        with pytest.raises(RewardFnError, match=r"timed out after 1\.0 s \(an endless loop\?\)"):
            _attack(box)
        assert time.monotonic() - start < 3.0
        _still_works(box)


@pytest.mark.slow
def test_cpu_time_limit_ends_the_worker() -> None:
    with _open_box_with("while True:\n    pass", cpu_seconds=1, call_timeout_s=30.0) as box:
        with pytest.raises(RewardFnError, match="exceeded its CPU-time limit of 1 s"):
            _attack(box)
        _still_works(box)


@pytest.mark.slow
def test_cpu_time_spread_over_many_calls_renews_the_worker() -> None:
    # 10 calls of ~0.25 s CPU each: more than the limit in all, never in one call
    code = "def compute_reward(s, a, ns, info):\n    x = 0\n    for k in range(5_000_000):\n        x += k\n    return 1.0, {}\n"
    with Sandbox(code, limits=SandboxLimits(cpu_seconds=1, call_timeout_s=30)) as box:
        workers = set()
        for _ in range(10):
            assert box.call({}, None, {}, [{}])[0].tolist() == [1.0]
            workers.add(box._proc.pid if box._proc else None)
        assert len(workers - {None}) >= 2


def test_endless_loop_while_loading_is_a_code_error() -> None:
    box = Sandbox("while True:\n    pass\n", limits=SandboxLimits(start_timeout_s=2.0), static_checks=False)
    with pytest.raises(RewardCodeError, match="timed out"):
        box.start()


# -- pickling -----------------------------------------------------------------------------------


def test_pickled_fn_starts_its_own_worker(valid: SandboxedRewardFn) -> None:
    states, actions, next_states, infos = _batch(3)
    want = valid.batched(states, actions, next_states, infos)
    copy = pickle.loads(pickle.dumps(valid))
    try:
        assert copy.sandbox is not valid.sandbox and (copy.source, copy.name) == (valid.source, valid.name)
        got = copy.batched(states, actions, next_states, infos)
        np.testing.assert_array_equal(got[0], want[0])
    finally:
        copy.close()


@pytest.mark.slow
def test_pickled_fn_works_in_a_fresh_process(valid: SandboxedRewardFn) -> None:
    child = ("import pickle, sys, numpy as np\n"
             "fn = pickle.loads(sys.stdin.buffer.read())\n"
             "print(fn({'x': np.array(0.0)}, np.zeros(2), {'x': np.array(1.5)}, {}), fn.sandbox.isolation['seccomp'])")
    out = subprocess.run([sys.executable, "-c", child], input=pickle.dumps(valid), capture_output=True, timeout=120,
                         cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().split("\n")[0] == "(1.5, {'speed': 1.5, 'effort': -0.0}) True"
