"""The MuJoCo tasks: the five standard ones and the Text2Reward-style variants.

A :class:`Task` names its robot, says what to do, and carries its success test as a pure
function of the compact state (``is_success(state) -> bool``), so the test can be checked on
constructed states. Variants are sparse: reward 1.0 on the step where success first becomes
true, and the episode then terminates; every other step pays 0. Their dense hand-written
reference rewards live in :mod:`agentgym.envs.mujoco.reference_rewards`.

Example:
    >>> import numpy as np
    >>> task = TASKS["HalfCheetah-Backward"]
    >>> task.env_id, task.max_episode_steps
    ('agentgym/HalfCheetah-Backward-v0', 1000)
    >>> task.is_success({"elapsed_time": np.array(2.0), "x_velocity_1s": np.array(-2.5)})
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .accumulators import Accumulator, CircleTracker, HoldTimer, MotionTracker
from .robots import ROBOTS

# The compact state (arrays), or an env's per-step view of it, which holds numpy scalars for
# one-entry pose fields and plain numbers for accumulators: tests read both alike.
State = Mapping[str, np.ndarray | np.generic | float]
TWO_PI = 2.0 * math.pi


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


@dataclass(frozen=True)
class Task:
    """One registered MuJoCo task.

    Attributes:
        name: task name, e.g. "Hopper-Backflip"; the env id is ``agentgym/<name>-v<version>``.
        robot: key of :data:`~agentgym.envs.mujoco.robots.ROBOTS`.
        instruction: the task in plain words (``info["task"]``).
        success_criterion: the success test as a formula over compact-state fields.
        is_success: that test as a pure function of the compact state.
        progress: ground-truth progress in [0, 1] (``info["progress"]``).
        max_episode_steps: the TimeLimit; ``episode_note`` says why.
        sparse: True for variants (1.0 on first success, then terminate); False keeps
            gymnasium's dense reward and termination.
        env_kwargs: defaults for gymnasium's v5 constructor (a user's kwargs override them).
        trackers: builds the task-specific accumulators from the env's dt.
        reference_reward: file stem of the dense reference reward, "" for none.
    """

    name: str
    robot: str
    instruction: str
    success_criterion: str
    is_success: Callable[[State], bool]
    progress: Callable[[State], float]
    max_episode_steps: int
    episode_note: str
    sparse: bool = True
    version: int = 0
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    trackers: Callable[[float], tuple[Accumulator, ...]] = lambda dt: ()
    reference_reward: str = ""

    @property
    def env_id(self) -> str:
        return f"agentgym/{self.name}-v{self.version}"

    def make_trackers(self, dt: float) -> tuple[Accumulator, ...]:
        """The motion tracker every task has, then the task's own trackers."""
        return (MotionTracker(dt, ROBOTS[self.robot].planar), *self.trackers(dt))


# ----------------------------------------------------------------------------- standard tasks
#: Episode-average forward speed (m/s) a standard run must reach for ``info["success"]``.
BASE_SPEED = {"HalfCheetah": 2.0, "Hopper": 1.0, "Walker2d": 1.0, "Ant": 1.0, "Humanoid": 1.0}


def _base_task(robot: str) -> Task:
    speed = BASE_SPEED[robot]

    def is_success(state: State) -> bool:
        return bool(state["elapsed_time"] >= 1.0 and state["healthy"] > 0.5 and state["x_velocity_avg"] >= speed)

    def progress(state: State) -> float:
        return _clip01(float(state["x_velocity_avg"]) / speed) if state["healthy"] > 0.5 else 0.0

    return Task(
        name=robot,
        robot=robot,
        version=5,
        sparse=False,
        instruction=f"Run forward (+x) as fast as possible without falling; succeed by averaging at least "
                    f"{speed:g} m/s over the episode.",
        success_criterion=f"elapsed_time >= 1.0 and healthy == 1 and x_velocity_avg >= {speed:g}  "
                          "(judged on the final step; gymnasium's v5 reward and termination are unchanged)",
        is_success=is_success,
        progress=progress,
        max_episode_steps=1000,
        episode_note="1000 steps, gymnasium's standard horizon for v5 locomotion",
    )


# ----------------------------------------------------------------------------- variants
CHEETAH_BACKWARD_SPEED = 2.0  # m/s; PPO-level policies run forward at ~1.5-6 m/s
WALKER_BACKWARD_SPEED = 1.0
HOPPER_JUMP_Z = 1.6  # m; the torso stands at 1.25 m, so this is a 0.35 m jump
WALKER_ONE_LEG_S = 2.0
HUMANOID_KNEEL_S = 1.0
CIRCLE_R = (1.0, 5.0)


def cheetah_backward_success(state: State) -> bool:
    """Backward run: mean velocity over the last second at or below -2 m/s."""
    return bool(state["elapsed_time"] >= 1.0 and state["x_velocity_1s"] <= -CHEETAH_BACKWARD_SPEED)


def cheetah_frontflip_success(state: State) -> bool:
    """One full forward (front-down) rotation of the torso."""
    return bool(state["pitch_rotation"] >= TWO_PI)


def hopper_backflip_success(state: State) -> bool:
    """One full backward rotation, completed with the torso above 0.7 m (not rolling on the floor)."""
    return bool(state["pitch_rotation"] <= -TWO_PI and state["z"] > 0.7)


def hopper_jump_success(state: State) -> bool:
    """Torso at or above 1.6 m with the foot off the floor, while healthy (upright)."""
    return bool(state["z"] >= HOPPER_JUMP_Z and state["foot_contacts"].sum() == 0 and state["healthy"] > 0.5)


def walker_one_leg_pose(state: State) -> bool:
    """Upright on exactly one foot with the other foot's centre at least 0.2 m above the standing one."""
    return bool(
        state["z"] >= 1.0  # the qpos tests first: an env computes contacts only when they are read
        and abs(float(state["pitch"])) <= 0.3
        and state["foot_contacts"].sum() == 1
        and state["foot_heights"].max() - state["foot_heights"].min() >= 0.2
    )


def walker_stand_one_leg_success(state: State) -> bool:
    return bool(state["one_leg_time"] >= WALKER_ONE_LEG_S)


def walker_backward_success(state: State) -> bool:
    return bool(
        state["elapsed_time"] >= 1.0 and state["healthy"] > 0.5 and state["x_velocity_1s"] <= -WALKER_BACKWARD_SPEED
    )


def ant_circle_success(state: State) -> bool:
    """One counter-clockwise lap around the origin."""
    return bool(state["circle_angle"] >= TWO_PI)


def humanoid_kneel_pose(state: State) -> bool:
    """Both shins on the floor, torso upright (up_z >= 0.8) and between 0.6 m and 1.1 m high."""
    # The qpos tests first: an env computes contacts only when they are read.
    return bool(0.6 <= state["z"] <= 1.1 and state["up_z"] >= 0.8 and state["knee_contacts"].sum() == 2)


def humanoid_kneel_success(state: State) -> bool:
    return bool(state["kneel_time"] >= HUMANOID_KNEEL_S)


VARIANTS: tuple[Task, ...] = (
    Task(
        name="HalfCheetah-Backward",
        robot="HalfCheetah",
        instruction=f"Run backward (towards -x) at {CHEETAH_BACKWARD_SPEED:g} m/s or faster.",
        success_criterion=f"elapsed_time >= 1.0 and x_velocity_1s <= -{CHEETAH_BACKWARD_SPEED:g}",
        is_success=cheetah_backward_success,
        progress=lambda s: _clip01(-float(s["x_velocity_1s"]) / CHEETAH_BACKWARD_SPEED),
        max_episode_steps=1000,
        episode_note="1000 steps (50 s), as the forward task: time to speed up from rest",
        reference_reward="half_cheetah_backward",
    ),
    Task(
        name="HalfCheetah-Frontflip",
        robot="HalfCheetah",
        instruction="Do a front flip: rotate the body one full turn forward (front end going down first).",
        success_criterion="pitch_rotation >= 2*pi",
        is_success=cheetah_frontflip_success,
        progress=lambda s: _clip01(float(s["pitch_rotation"]) / TWO_PI),
        max_episode_steps=200,
        episode_note="200 steps (10 s): a flip takes about 1-2 s, longer episodes only add idle time",
        reference_reward="half_cheetah_frontflip",
    ),
    Task(
        name="Hopper-Backflip",
        robot="Hopper",
        instruction="Do a backflip: jump and rotate one full turn backward (top of the torso moving to -x first), "
                    "finishing with the torso above 0.7 m.",
        success_criterion="pitch_rotation <= -2*pi and z > 0.7",
        is_success=hopper_backflip_success,
        progress=lambda s: _clip01(-float(s["pitch_rotation"]) / TWO_PI),
        max_episode_steps=500,
        episode_note="500 steps (4 s): room for a run-up and a flip (about 1 s in the air)",
        # A flip leaves the healthy angle range |pitch| < 0.2 by construction.
        env_kwargs={"terminate_when_unhealthy": False},
        reference_reward="hopper_backflip",
    ),
    Task(
        name="Hopper-Jump",
        robot="Hopper",
        instruction=f"Jump straight up: lift the torso to {HOPPER_JUMP_Z:g} m or higher with the foot off the "
                    "floor, staying upright.",
        success_criterion=f"z >= {HOPPER_JUMP_Z:g} and sum(foot_contacts) == 0 and healthy == 1",
        is_success=hopper_jump_success,
        progress=lambda s: _clip01((float(s["z"]) - 1.25) / (HOPPER_JUMP_Z - 1.25)),
        max_episode_steps=500,
        episode_note="500 steps (4 s): a jump takes well under 1 s; several tries fit",
        reference_reward="hopper_jump",
    ),
    Task(
        name="Walker2d-StandOneLeg",
        robot="Walker2d",
        instruction=f"Stand on one leg: keep one foot on the floor and the other lifted, upright, for "
                    f"{WALKER_ONE_LEG_S:g} s without a break.",
        success_criterion=f"one_leg_time >= {WALKER_ONE_LEG_S:g}, where one_leg_time grows by dt on every step with "
                          "sum(foot_contacts) == 1 and max(foot_heights) - min(foot_heights) >= 0.2 and z >= 1.0 "
                          "and abs(pitch) <= 0.3, and drops to 0 otherwise",
        is_success=walker_stand_one_leg_success,
        progress=lambda s: _clip01(float(s["one_leg_time"]) / WALKER_ONE_LEG_S),
        max_episode_steps=1000,
        episode_note="1000 steps (8 s): time to shift weight, lift a leg and hold it 2 s",
        trackers=lambda dt: (HoldTimer("one_leg_time", walker_one_leg_pose, dt,
                                       "seconds the one-leg pose has held without a break (see success)"),),
        reference_reward="walker2d_stand_one_leg",
    ),
    Task(
        name="Walker2d-Backward",
        robot="Walker2d",
        instruction=f"Walk backward (towards -x) at {WALKER_BACKWARD_SPEED:g} m/s or faster without falling.",
        success_criterion=f"elapsed_time >= 1.0 and healthy == 1 and x_velocity_1s <= -{WALKER_BACKWARD_SPEED:g}",
        is_success=walker_backward_success,
        progress=lambda s: _clip01(-float(s["x_velocity_1s"]) / WALKER_BACKWARD_SPEED),
        max_episode_steps=1000,
        episode_note="1000 steps (8 s), as the forward task",
        reference_reward="walker2d_backward",
    ),
    Task(
        name="Ant-Circle",
        robot="Ant",
        instruction=f"Walk one full counter-clockwise circle around the starting point, staying between "
                    f"{CIRCLE_R[0]:g} m and {CIRCLE_R[1]:g} m from it.",
        success_criterion="circle_angle >= 2*pi",
        is_success=ant_circle_success,
        progress=lambda s: _clip01(float(s["circle_angle"]) / TWO_PI),
        max_episode_steps=1000,
        episode_note="1000 steps (50 s): a lap of radius >= 1 m is >= 6.3 m long",
        trackers=lambda dt: (CircleTracker(*CIRCLE_R),),
        reference_reward="ant_circle",
    ),
    Task(
        name="Humanoid-Kneel",
        robot="Humanoid",
        instruction=f"Kneel: put both knees on the floor with the upper body upright, and hold it "
                    f"{HUMANOID_KNEEL_S:g} s.",
        success_criterion=f"kneel_time >= {HUMANOID_KNEEL_S:g}, where kneel_time grows by dt on every step with "
                          "sum(knee_contacts) == 2 and up_z >= 0.8 and 0.6 <= z <= 1.1, and drops to 0 otherwise",
        is_success=humanoid_kneel_success,
        progress=lambda s: _clip01(float(s["kneel_time"]) / HUMANOID_KNEEL_S),
        max_episode_steps=500,
        episode_note="500 steps (7.5 s): time to kneel down and hold 1 s",
        # Kneeling puts the torso near 0.9 m, below the standard healthy range (1, 2).
        env_kwargs={"healthy_z_range": (0.5, 2.0)},
        trackers=lambda dt: (HoldTimer("kneel_time", humanoid_kneel_pose, dt,
                                       "seconds the kneeling pose has held without a break (see success)"),),
        reference_reward="humanoid_kneel",
    ),
)

#: Every MuJoCo task by name: the five standard tasks, then the variants.
TASKS: dict[str, Task] = {t.name: t for t in (*(_base_task(r) for r in ROBOTS), *VARIANTS)}
