"""The TextEnv contract, the text space and printable-text helpers, on a small game defined here."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from agentgym.core import TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv, text_space, to_printable


class Lock(TextEnv):
    """Turn a dial to a seeded code, then open the lock."""

    task_spec = TaskSpec(
        name="Lock",
        task="Open the lock.",
        state_fields=TEXT_STATE_FIELDS + (StateField("dial", (), "digit", "the dial's value", "int64"),),
        action_meaning="'turn' or 'open'",
        success_criterion="the lock is open",
    )

    def _reset(self, options):
        self.code = int(self.np_random.integers(1, 6))
        self.dial = 0
        self.opened = False
        return f"The dial shows {self.dial}. The code is {self.code}."

    def _task(self):
        return f"Turn the dial to {self.code}, then open the lock."

    def _admissible(self):
        return ["turn", "open"] if self.dial == self.code else ["turn"]

    def _step(self, action):
        if action == "turn":
            self.dial += 1
            return f"The dial shows {self.dial}.", 0.0, False
        self.opened = True
        return "The lock opens.", 1.0, True

    def _success(self):
        return self.opened

    def _progress(self):
        return 1.0 if self.opened else self.dial / (self.code + 1)

    def _extra_state(self):
        return {"dial": np.array(self.dial, dtype=np.int64)}


def test_reset_info_has_the_standard_keys():
    env = Lock()
    obs, info = env.reset(seed=1)
    assert obs.startswith("The dial shows 0.")
    assert set(info) == {"task", "admissible_actions", "valid_action", "success", "progress", "message"}
    assert info["admissible_actions"] == ["turn"]
    assert info["valid_action"] is True and info["success"] is False and info["progress"] == 0.0
    assert info["message"] == ""
    assert env.observation_space.contains(obs)


def test_invalid_action_costs_a_step_changes_nothing_and_says_why():
    env = Lock()
    env.reset(seed=1)
    before = env.compact_state()
    obs, reward, terminated, truncated, info = env.step("open")
    assert info["valid_action"] is False
    assert obs.startswith("Invalid action: 'open' is not one of the admissible actions: turn")
    assert "The dial shows 0." in obs  # the unchanged state is shown again
    assert (reward, terminated, truncated) == (0.0, False, False)
    after = env.compact_state()
    assert after["dial"] == before["dial"] and after["steps"] == before["steps"] + 1
    assert after["valid_action"] == 0
    # a second invalid action does not nest the previous message
    obs2 = env.step("fly")[0]
    assert obs2.count("Invalid action") == 1


@pytest.mark.parametrize("bad", ["", "   ", 3, None, b"turn"])
def test_malformed_actions_are_invalid_not_exceptions(bad):
    env = Lock()
    env.reset(seed=0)
    obs, _, terminated, _, info = env.step(bad)
    assert info["valid_action"] is False and not terminated
    assert obs.startswith("Invalid action:")


def test_actions_are_normalized_and_episode_completes():
    env = Lock()
    _, info = env.reset(seed=4)
    code = env.code
    for _ in range(code):
        _, _, _, _, info = env.step("  TURN ")
        assert info["valid_action"]
    assert "open" in info["admissible_actions"]
    obs, reward, terminated, _, info = env.step("open")
    assert (obs, reward, terminated, info["success"], info["progress"]) == ("The lock opens.", 1.0, True, True, 1.0)
    with pytest.raises(RuntimeError, match="reset"):
        env.step("turn")


def test_step_before_reset_is_a_clear_error():
    with pytest.raises(RuntimeError, match="reset"):
        Lock().step("turn")


def test_compact_state_matches_task_spec():
    env = Lock()
    env.reset(seed=2)
    env.step("turn")
    state = env.compact_state()
    env.task_spec.validate_state(state)
    assert state["dial"] == 1 and state["steps"] == 1 and state["success"] == 0


def test_seeds_reproduce_and_differ():
    env = Lock()
    codes = [env.reset(seed=s)[1]["task"] for s in range(20)]
    assert codes == [env.reset(seed=s)[1]["task"] for s in range(20)]
    assert len(set(codes)) > 1


def test_gymnasium_checker_passes():
    check_env(Lock(), skip_render_check=True)


def test_render_modes():
    env = Lock(render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert env.render() == obs
    with pytest.raises(ValueError, match="render_mode"):
        Lock(render_mode="rgb_array")


def test_observations_are_cut_to_the_space():
    env = Lock(max_observation_length=12)
    obs, _ = env.reset(seed=0)
    assert len(obs) == 12 and obs.endswith("...") and env.observation_space.contains(obs)


def test_text_space_holds_all_printable_text():
    space = text_space(64)
    for s in ["search[red shirt]", "click[< prev]", "x = {'a': 1}\n\tok", ""]:
        assert space.contains(s), s
    assert not space.contains("caf\u00e9")
    assert not space.contains("x" * 65)
    assert isinstance(space, gym.spaces.Text)


def test_to_printable():
    assert to_printable("caf\u00e9 \u2192 na\u00efve \u201cquote\u201d") == 'cafe -> naive "quote"'
    assert to_printable("snow \u2603") == "snow ?"
    assert to_printable("abcdef", 5) == "ab..."
    assert text_space(100).contains(to_printable("\u00bd \u4e2d \r\n"))


class ShortLock(Lock):
    """Lock with its own step limit of three actions."""

    def _truncated(self):
        return self._steps >= 3


def test_truncation_hook_ends_the_episode():
    env = ShortLock()
    env.reset(seed=0)
    flags = [env.step("fly")[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    with pytest.raises(RuntimeError, match="reset"):
        env.step("turn")
