"""Every registered env: registration, the TaskSpec contract, the checkers and seeding."""

from __future__ import annotations

import random
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym
from agentgym.core import TaskSpec, get_compact_state, get_task_spec
from agentgym.envs.registration import CATALOG, UnknownEnvError, resolve_env_id

ALL_IDS = list(CATALOG)
# Upstream layouts that do not depend on the seed (the agent always starts in the same cell), and
# Twenty Questions, whose seeded hidden object shows only through answers that may coincide.
SEED_INDEPENDENT = ("MiniGrid-Empty-5x5", "MiniGrid-Empty-8x8", "TwentyQuestions")
CLASSIC_IDS = [i for i in ALL_IDS if not CATALOG[i].text]


def test_both_families_are_registered():
    fams = {e.family for e in CATALOG.values()}
    assert {"minigrid", "mujoco"} <= fams
    assert all(i.startswith("agentgym/") and i in gym.registry for i in ALL_IDS)
    assert any(CATALOG[i].text for i in ALL_IDS) and CLASSIC_IDS


def test_make_works_without_a_prior_import():
    code = (
        "import sys, gymnasium as gym\n"
        "assert 'agentgym' not in sys.modules\n"
        "env = gym.make('agentgym:agentgym/MiniGrid-DoorKey-5x5-Text-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(type(obs).__name__, info['task'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("str use the key to open the door")


def test_resolve_env_id_accepts_short_forms_and_suggests():
    full = "agentgym/MiniGrid-DoorKey-5x5-Text-v0"
    for form in ("MiniGrid-DoorKey-5x5-Text-v0", full, f"agentgym:{full}", full.lower()):
        assert resolve_env_id(form) == full
    with pytest.raises(UnknownEnvError, match="Did you mean: .*MiniGrid-DoorKey-5x5"):
        resolve_env_id("MiniGrid-DoorKey-5x5-Txt-v0")
    with pytest.raises(UnknownEnvError, match="agentgym list"):
        agentgym.make("Nothing-like-it-v9")


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_task_spec_and_compact_state(env_id):
    env = gym.make(env_id)
    spec = get_task_spec(env)
    assert isinstance(spec, TaskSpec) and spec.task and spec.success_criterion and spec.action_meaning
    _, info = env.reset(seed=0)
    assert isinstance(info["task"], str) and info["task"]
    get_task_spec(env).validate_state(get_compact_state(env))
    env.action_space.seed(0)
    action = _first_action(env, info)
    *_, info = env.step(action)
    spec.validate_state(get_compact_state(env))
    assert isinstance(info["success"], bool)
    if "progress" in info:
        assert 0.0 <= info["progress"] <= 1.0
    env.close()


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_gymnasium_checker(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env.unwrapped, skip_render_check=True)
    env.close()


@pytest.mark.parametrize("env_id", CLASSIC_IDS)
def test_sb3_checker(env_id):
    from stable_baselines3.common.env_checker import check_env as sb3_check

    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sb3_check(env.unwrapped, warn=False)
    env.close()


#: An always-valid action of text envs whose actions are unbounded (no admissible list).
FREE_TEXT_ACTIONS = {"swe": ["```bash\nls\n```", "```bash\ngit status --short\n```", "```bash\nwc -l README.md\n```"]}


@pytest.fixture(autouse=True)
def _docker_for_swe(request):
    """SWE envs need a Docker engine and their images (see tests/conftest.py)."""
    env_id = getattr(request.node, "callspec", None) and request.node.callspec.params.get("env_id")
    if env_id and CATALOG[env_id].family == "swe":
        request.getfixturevalue("swe_images")


def _first_action(env, info):
    if CATALOG[env.spec.id].text:
        if "admissible_actions" not in info:
            return FREE_TEXT_ACTIONS[CATALOG[env.spec.id].family][0]
        return info["admissible_actions"][0]
    return env.action_space.sample()


def _trajectory(env_id: str, seed: int, steps: int = 25) -> list:
    env = gym.make(env_id)
    obs, info = env.reset(seed=seed)
    env.action_space.seed(123)
    rng = random.Random(123)
    out = [_freeze(obs)]
    for _ in range(steps):
        if CATALOG[env_id].text:
            action = rng.choice(info.get("admissible_actions") or FREE_TEXT_ACTIONS[CATALOG[env_id].family])
        else:
            action = env.action_space.sample()
        obs, reward, terminated, truncated, info = env.step(action)
        out.append((_freeze(obs), float(reward)))
        if terminated or truncated:
            obs, info = env.reset()
    env.close()
    return out


def _freeze(obs):
    if isinstance(obs, dict):
        return tuple((k, _freeze(v)) for k, v in sorted(obs.items()))
    if isinstance(obs, np.ndarray):
        return obs.tobytes()
    return obs


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_same_seed_same_trajectory_different_seed_differs(env_id):
    a, b = _trajectory(env_id, 7), _trajectory(env_id, 7)
    assert a == b
    if any(name in env_id for name in SEED_INDEPENDENT):
        return
    others = [_trajectory(env_id, s, steps=3) for s in (8, 9, 10)]
    assert any(o != a[: len(o)] for o in others)


def test_readme_lists_every_env():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [i for i in ALL_IDS if f"| `{i}` |" not in readme]
    assert not missing, f"README's env table lacks {missing}"
