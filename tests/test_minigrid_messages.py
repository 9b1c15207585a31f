"""Event messages of MiniGrid steps (info["message"])."""

from __future__ import annotations

import gymnasium as gym
import pytest
from minigrid.core.world_object import Ball, Box, Door, Key, Lava

import agentgym  # noqa: F401  (registers the envs)

LEFT, RIGHT, FORWARD, PICKUP, DROP, TOGGLE, DONE = range(7)


def _room(*objects):
    """An empty 8x8 room, agent at (1, 1) facing +x, with ``(obj, x, y)`` placed."""
    env = gym.make("agentgym/MiniGrid-Empty-8x8-v0")
    env.reset(seed=0)
    for obj, x, y in objects:
        env.unwrapped.grid.set(x, y, obj)
    return env


def _messages(env, actions):
    return [env.step(a)[4]["message"] for a in actions]


def test_reset_and_plain_moves_say_nothing():
    env = _room()
    _, info = env.reset(seed=0)
    assert info["message"] == ""
    assert _messages(env, [FORWARD, RIGHT, DONE]) == ["", "", ""]


def test_walls_and_blocking_objects():
    env = _room()
    assert _messages(env, [LEFT, FORWARD]) == ["", "You bump into a wall."]
    env = _room((Ball("blue"), 2, 1))
    assert _messages(env, [FORWARD]) == ["A blue ball blocks the way."]


def test_key_pickup_drop_and_full_hands():
    env = _room((Key("yellow"), 3, 1), (Ball("red"), 1, 2))
    assert _messages(env, [PICKUP]) == ["There is nothing to pick up."]
    assert _messages(env, [FORWARD]) == ["You face a yellow key."]
    assert _messages(env, [PICKUP, PICKUP]) == ["You pick up the yellow key.", "There is nothing to pick up."]
    env2 = _room((Key("yellow"), 2, 1), (Ball("red"), 1, 2))
    assert _messages(env2, [PICKUP, RIGHT, PICKUP]) == ["You pick up the yellow key.", "You face a red ball.",
                                                        "Your hands are full."]
    assert _messages(env2, [DROP]) == ["You cannot drop it here."]
    assert _messages(env2, [LEFT, DROP, DROP]) == ["", "You drop the yellow key.", "You carry nothing to drop."]


def test_doors_locked_unlocked_opened_closed_and_walked_through():
    env = _room((Door("yellow", is_locked=True), 2, 1), (Key("yellow"), 1, 2))
    assert _messages(env, [TOGGLE, FORWARD]) == ["The yellow door is locked; it needs the yellow key.",
                                                 "The yellow door is locked."]
    assert _messages(env, [PICKUP]) == ["You cannot pick up a locked yellow door."]
    assert _messages(env, [RIGHT, PICKUP, LEFT]) == ["You face a yellow key.", "You pick up the yellow key.",
                                                     "You face a locked yellow door."]
    assert _messages(env, [TOGGLE, TOGGLE, TOGGLE]) == ["You unlock the yellow door.", "You close the yellow door.",
                                                        "You open the yellow door."]
    assert _messages(env, [FORWARD]) == ["You walk through the yellow door."]
    env = _room((Door("red"), 2, 1))
    assert _messages(env, [FORWARD, TOGGLE]) == ["The red door is closed.", "You open the red door."]


def test_box_toggle_lava_and_goal():
    env = _room((Box("purple", contains=Key("blue")), 2, 1))
    assert _messages(env, [TOGGLE]) == ["You open the purple box: a blue key is inside."]
    env = _room((Lava(), 2, 1))
    _, _, terminated, _, info = env.step(FORWARD)
    assert terminated and info["message"] == "You step into lava and die."


@pytest.mark.parametrize("env_id", ["agentgym/MiniGrid-DoorKey-5x5-v0", "agentgym/MiniGrid-DoorKey-5x5-Text-v0"])
def test_the_oracle_path_tells_the_doorkey_story_in_both_views(env_id):
    env = gym.make(env_id)
    _, info = env.reset(seed=3)
    assert info["message"] == ""
    said = []
    for _ in range(100):
        action = env.unwrapped.oracle_action()
        _, _, terminated, _, info = env.step(action)
        said.append(info["message"])
        if terminated:
            break
    assert info["success"]
    events = [m for m in said if m and not m.startswith("You face")]
    assert events == ["You pick up the yellow key.", "You unlock the yellow door.",
                      "You walk through the yellow door.", "You reach the green goal square."]


def test_an_invalid_text_action_has_no_message():
    env = gym.make("agentgym/MiniGrid-DoorKey-5x5-Text-v0")
    env.reset(seed=0)
    _, _, _, _, info = env.step("fly")
    assert info["valid_action"] is False and info["message"] == ""
