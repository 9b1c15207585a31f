"""Static layout of each gymnasium v5 MuJoCo robot: joints, actuators, feet, and where each raw
compact-state field lives in ``data.qpos`` / ``data.qvel``.

This module is pure data (no MuJoCo import), so TaskSpecs can be built and the catalogue listed
without loading a model; ``tests/test_mujoco.py`` checks every table against the compiled model.

Example:
    >>> hopper = ROBOTS["Hopper"]
    >>> hopper.raw_fields["z"]
    RawField(source='qpos', index=1, offset=0.0)
    >>> ROBOTS["Ant"].raw_fields["joint_angles"].index
    slice(7, 15, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np


@dataclass(frozen=True)
class RawField:
    """A compact-state field read straight from the simulator: ``data.<source>[index] + offset``."""

    source: Literal["qpos", "qvel"]
    index: int | slice
    offset: float = 0.0

    def read(self, data: Any) -> np.float64 | np.ndarray:
        """The field's value from ``data.qpos`` / ``data.qvel`` (a ``MjData``): a ``np.float64``
        for one entry (numpy scalars compare ~10x faster than 0-d arrays), else a fresh array."""
        raw = data.qpos if self.source == "qpos" else data.qvel
        value = raw[self.index] if isinstance(self.index, int) else np.array(raw[self.index], dtype=np.float64)
        return value + self.offset if self.offset else value


@dataclass(frozen=True)
class Robot:
    """One robot model as gymnasium's v5 env builds it.

    Attributes:
        name: robot name, also the base task name ("Hopper").
        class_name: name of the agentgym env class in :mod:`agentgym.envs.mujoco.env`.
        planar: True for the 2-d robots (slide x, slide z, hinge y root); False for a free joint.
        dt: seconds per env step (``frame_skip * timestep``).
        joints: the non-root joints, in qpos order.
        actuators: ``(joint driven, gear)`` per action component, in action order.
        action_range: bounds of every action component.
        feet: ``(label, geom name)`` of the geoms whose floor contact counts as a foot contact.
        knees: ``(label, geom name)`` of shin geoms whose floor contact means a knee is down.
        z_offset: world height of the torso when the root z joint reads 0 (HalfCheetah's torso
            sits 0.7 m above its rootz origin; Hopper/Walker2d use ``ref`` so qpos[1] is the height).
        standing_z: torso height in the initial pose, m.
    """

    name: str
    class_name: str
    planar: bool
    dt: float
    joints: tuple[str, ...]
    actuators: tuple[tuple[str, float], ...]
    action_range: tuple[float, float]
    feet: tuple[tuple[str, str], ...]
    knees: tuple[tuple[str, str], ...] = ()
    z_offset: float = 0.0
    standing_z: float = 0.0

    @property
    def root_qpos(self) -> int:
        """qpos entries of the root joint(s): 3 planar slides/hinge, or 7 for a free joint."""
        return 3 if self.planar else 7

    @property
    def root_qvel(self) -> int:
        return 3 if self.planar else 6

    @property
    def raw_fields(self) -> dict[str, RawField]:
        """Every compact-state field that is a plain qpos/qvel entry, with its index."""
        nq, nv = self.root_qpos + len(self.joints), self.root_qvel + len(self.joints)
        joints = {
            "joint_angles": RawField("qpos", slice(self.root_qpos, nq)),
            "joint_velocities": RawField("qvel", slice(self.root_qvel, nv)),
        }
        if self.planar:
            return {
                "x": RawField("qpos", 0),
                "z": RawField("qpos", 1, self.z_offset),
                "pitch": RawField("qpos", 2),
                "x_velocity": RawField("qvel", 0),
                "z_velocity": RawField("qvel", 1),
                "pitch_velocity": RawField("qvel", 2),
                **joints,
            }
        return {
            "x": RawField("qpos", 0),
            "y": RawField("qpos", 1),
            "z": RawField("qpos", 2, self.z_offset),
            "quat": RawField("qpos", slice(3, 7)),
            "x_velocity": RawField("qvel", 0),
            "y_velocity": RawField("qvel", 1),
            "z_velocity": RawField("qvel", 2),
            "angular_velocity": RawField("qvel", slice(3, 6)),
            **joints,
        }

    def describe_action(self) -> str:
        """The action in words: shape, range and the joint each component drives."""
        lo, hi = self.action_range
        parts = ", ".join(f"{i}: {joint} (gear {gear:g})" for i, (joint, gear) in enumerate(self.actuators))
        return (
            f"float32 array of shape ({len(self.actuators)},) in [{lo:g}, {hi:g}]; component i is the "
            f"torque command of one motor (torque = gear * action, N*m): {parts}"
        )


_LEG = ("thigh_joint", "leg_joint", "foot_joint")
_HUMANOID_JOINTS = (
    "abdomen_z", "abdomen_y", "abdomen_x",
    "right_hip_x", "right_hip_z", "right_hip_y", "right_knee",
    "left_hip_x", "left_hip_z", "left_hip_y", "left_knee",
    "right_shoulder1", "right_shoulder2", "right_elbow",
    "left_shoulder1", "left_shoulder2", "left_elbow",
)  # fmt: skip
# The humanoid's motors list abdomen_y before abdomen_z (see humanoid.xml), unlike its joints.
_HUMANOID_GEARS = {"right_hip_y": 300.0, "left_hip_y": 300.0, "right_knee": 200.0, "left_knee": 200.0}
_HUMANOID_ACTUATED = ("abdomen_y", "abdomen_z") + _HUMANOID_JOINTS[2:]

ROBOTS: dict[str, Robot] = {
    r.name: r
    for r in (
        Robot(
            name="HalfCheetah",
            class_name="HalfCheetahEnv",
            planar=True,
            dt=0.05,
            joints=("bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"),
            actuators=(("bthigh", 120.0), ("bshin", 90.0), ("bfoot", 60.0),
                       ("fthigh", 120.0), ("fshin", 60.0), ("ffoot", 30.0)),
            action_range=(-1.0, 1.0),
            feet=(("back", "bfoot"), ("front", "ffoot")),
            z_offset=0.7,
            standing_z=0.7,
        ),
        Robot(
            name="Hopper",
            class_name="HopperEnv",
            planar=True,
            dt=0.008,
            joints=_LEG,
            actuators=tuple((j, 200.0) for j in _LEG),
            action_range=(-1.0, 1.0),
            feet=(("foot", "foot_geom"),),
            standing_z=1.25,
        ),
        Robot(
            name="Walker2d",
            class_name="Walker2dEnv",
            planar=True,
            dt=0.008,
            joints=_LEG + ("thigh_left_joint", "leg_left_joint", "foot_left_joint"),
            actuators=tuple((j, 100.0) for j in _LEG + ("thigh_left_joint", "leg_left_joint", "foot_left_joint")),
            action_range=(-1.0, 1.0),
            feet=(("right", "foot_geom"), ("left", "foot_left_geom")),
            standing_z=1.25,
        ),
        Robot(
            name="Ant",
            class_name="AntEnv",
            planar=False,
            dt=0.05,
            joints=("hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3", "hip_4", "ankle_4"),
            # ant.xml lists the motors of leg 4 first.
            actuators=tuple((j, 150.0) for j in
                            ("hip_4", "ankle_4", "hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3")),
            action_range=(-1.0, 1.0),
            # Leg directions in the torso frame at rest (x forward): leg 1 +x+y, 2 -x+y, 3 -x-y, 4 +x-y.
            feet=(("leg1_front_left", "left_ankle_geom"), ("leg2_back_left", "right_ankle_geom"),
                  ("leg3_back_right", "third_ankle_geom"), ("leg4_front_right", "fourth_ankle_geom")),
            standing_z=0.75,
        ),
        Robot(
            name="Humanoid",
            class_name="HumanoidEnv",
            planar=False,
            dt=0.015,
            joints=_HUMANOID_JOINTS,
            actuators=tuple((j, _HUMANOID_GEARS.get(j, 25.0 if "shoulder" in j or "elbow" in j else 100.0))
                            for j in _HUMANOID_ACTUATED),
            action_range=(-0.4, 0.4),
            feet=(("right", "right_foot"), ("left", "left_foot")),
            knees=(("right", "right_shin1"), ("left", "left_shin1")),
            standing_z=1.4,
        ),
    )
}
