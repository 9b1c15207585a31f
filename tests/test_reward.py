"""The reward-code loader (static checks that name the line), RewardFn validation and RewardWrapper."""

from __future__ import annotations

import textwrap

import gymnasium as gym
import numpy as np
import pytest

from agentgym.core import RewardCodeError, RewardFn, RewardWrapper, check_reward_code, load_reward_fn
from agentgym.core.reward import RewardFnError

VALID = textwrap.dedent(
    """
    import math
    import numpy as np

    def compute_reward(state, action, next_state, info, temperature=0.5):
        speed = float(next_state["x"] - state["x"])
        upright = math.exp(-abs(float(next_state["angle"])) / temperature)
        return speed + upright, {"speed": speed, "upright": upright}
    """
)


def _states(x0=0.0, x1=1.0, angle=0.0):
    return {"x": np.array(x0), "angle": np.array(angle)}, {"x": np.array(x1), "angle": np.array(angle)}


def test_accepts_a_valid_function_and_computes_it():
    fn = load_reward_fn(VALID)
    s, ns = _states(0.0, 0.25)
    total, parts = fn(s, None, ns, {})
    assert parts == {"speed": 0.25, "upright": 1.0}
    assert total == pytest.approx(1.25)


def test_loads_from_a_file(tmp_path):
    path = tmp_path / "reward.py"
    path.write_text(VALID)
    for source in (path, str(path)):
        fn = load_reward_fn(source)
        assert fn.name == str(path)
        assert fn(*_states(0, 2)[:1], None, _states(0, 2)[1], {})[1]["speed"] == 2.0
    with pytest.raises(FileNotFoundError, match="missing.py"):
        load_reward_fn(tmp_path / "missing.py")


@pytest.mark.parametrize(
    ("code", "line", "message"),
    [
        ("def compute_reward(s, a, ns, info):\n    return 1.0, {}\n  x = (", 3, "syntax error"),
        ("import os\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}", 1, "import of 'os'"),
        ("import math\nimport subprocess\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}", 2, "import of 'subprocess'"),
        ("def compute_reward(s, a, ns, info):\n    import socket\n    return 0.0, {}", 2, "import of 'socket'"),
        ("from os import path\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}", 1, "import from 'os'"),
        ("import numpy.ctypeslib\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}", 1, "ctypeslib"),
        ("def compute_reward(s, a, ns):\n    return 0.0, {}", 1, "exactly 4 parameters"),
        ("def compute_reward(s, a, ns, info, extra):\n    return 0.0, {}", 1, "exactly 4 parameters"),
        ("def compute_reward(*args):\n    return 0.0, {}", 1, "exactly 4 parameters"),
        ("def compute_reward(s, a, ns, info):\n    f = open('/etc/passwd')\n    return 0.0, {}", 2, "'open'"),
        ("def compute_reward(s, a, ns, info):\n    m = __import__('os')\n    return 0.0, {}", 2, "'__import__'"),
        ("def compute_reward(s, a, ns, info):\n    return eval('1'), {}", 2, "'eval'"),
        ("def compute_reward(s, a, ns, info):\n    c = ().__class__.__bases__\n    return 0.0, {}", 2, "'__bases__'"),
        ("import numpy as np\ndef compute_reward(s, a, ns, info):\n    np.save('x', 1)\n    return 0.0, {}", 3, "'save'"),
        ("def compute_reward(s, a, ns, info):\n    global X\n    return 0.0, {}", 2, "global"),
    ],
)
def test_rejects_bad_code_naming_the_line(code, line, message):
    with pytest.raises(RewardCodeError) as err:
        load_reward_fn(code)
    assert err.value.lineno == line
    assert f"line {line}:" in str(err.value)
    assert message in str(err.value)


def test_rejects_a_missing_function():
    with pytest.raises(RewardCodeError, match="no top-level function named 'compute_reward'"):
        check_reward_code("def reward(s, a, ns, info):\n    return 0.0, {}")


def test_error_at_load_time_names_the_line():
    with pytest.raises(RewardCodeError, match=r"line 1: error while loading: ZeroDivisionError"):
        load_reward_fn("X = 1 / 0\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return 1.0", "must return \\(total"),
        ("return float('nan'), {}", "non-finite"),
        ("return 1.0, {'a': float('inf')}", "non-finite"),
        ("return 'high', {}", "must be numbers"),
        ("return 1.0 / 0, {}", "ZeroDivisionError"),
    ],
)
def test_results_outside_the_contract_raise(body, message):
    fn = load_reward_fn(f"def compute_reward(s, a, ns, info):\n    {body}")
    with pytest.raises(RewardFnError, match=message):
        fn({}, None, {}, {})


def test_numpy_results_become_floats():
    fn = load_reward_fn("import numpy as np\ndef compute_reward(s, a, ns, info):\n    return np.float32(2), {'a': np.int64(3)}")
    total, parts = fn({}, None, {}, {})
    assert type(total) is float and type(parts["a"]) is float and (total, parts["a"]) == (2.0, 3.0)


def test_batched_applies_row_by_row():
    fn = load_reward_fn(VALID)
    states = {"x": np.array([0.0, 1.0]), "angle": np.zeros(2)}
    nexts = {"x": np.array([0.5, 0.0]), "angle": np.zeros(2)}
    totals, parts = fn.batched(states, [None, None], nexts, [{}, {}])
    np.testing.assert_allclose(parts["speed"], [0.5, -1.0])
    np.testing.assert_allclose(totals, [1.5, 0.0])


class Walk(gym.Env):
    """A 1-d walk whose compact state is its position."""

    observation_space = gym.spaces.Box(-10, 10, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x = 0.0
        return np.array([self.x], np.float32), {}

    def step(self, action):
        self.x += 1.0 if action == 1 else -1.0
        return np.array([self.x], np.float32), 10.0, False, False, {"env_info": True}

    def compact_state(self):
        return {"x": np.array(self.x)}


def test_wrapper_replaces_or_adds_and_logs_components():
    code = "def compute_reward(s, a, ns, info):\n    d = float(ns['x'] - s['x'])\n    return d, {'dx': d}"
    env = RewardWrapper(Walk(), code, mode="replace")
    env.reset(seed=0)
    _, reward, _, _, info = env.step(1)
    assert reward == 1.0 and info["reward_components"] == {"dx": 1.0} and info["env_info"]
    _, reward, _, _, info = env.step(0)
    assert reward == -1.0

    env = RewardWrapper(Walk(), load_reward_fn(code), mode="add", scale=2.0)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(1)
    assert reward == 12.0 and info["reward_components"] == {"dx": 1.0, "env": 10.0}


def test_wrapper_rejects_bad_mode_and_step_before_reset():
    with pytest.raises(ValueError, match="replace' or 'add"):
        RewardWrapper(Walk(), lambda *a: (0.0, {}), mode="multiply")
    env = RewardWrapper(Walk(), RewardFn(lambda s, a, ns, i: (0.0, {})))
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_wrapper_on_an_env_without_compact_state_fails_clearly():
    with pytest.raises(AttributeError, match="compact_state"):
        RewardWrapper(gym.make("CartPole-v1"), lambda s, a, ns, i: (0.0, {}))


def test_a_long_one_line_code_string_is_code_not_a_path():
    body = " + ".join(["0.001"] * 120)
    code = f"def compute_reward(s, a, ns, info): return {body}, {{}}"
    assert len(code) > 300
    assert load_reward_fn(code)({}, None, {}, {})[0] == pytest.approx(0.12)


def test_batched_without_actions():
    fn = load_reward_fn("def compute_reward(s, a, ns, info):\n    return float(ns['x']), {}")
    totals, _ = fn.batched({"x": np.zeros(2)}, None, {"x": np.array([1.0, 2.0])}, [{}, {}])
    np.testing.assert_allclose(totals, [1.0, 2.0])


def test_runtime_errors_name_the_reward_line(tmp_path):
    import pickle

    path = tmp_path / "r.py"
    path.write_text("def compute_reward(s, a, ns, info):\n    x = 1.0\n    return x / 0.0, {}\n")
    fn = load_reward_fn(path)
    with pytest.raises(RewardFnError) as err:
        fn({}, None, {}, {})
    assert err.value.lineno == 3
    assert str(err.value).startswith(f"{path}, line 3: ZeroDivisionError")
    again = pickle.loads(pickle.dumps(err.value))  # as it crosses from a worker process
    assert again.lineno == 3 and str(again) == str(err.value)
