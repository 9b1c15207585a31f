"""Read a robot's compact state (raw and derived fields) from a MuJoCo model and data.

Contacts and foot heights come from a private scratch ``MjData``: gymnasium's step leaves
``data.contact`` and ``data.geom_xpos`` one sub-step behind ``qpos``, and recomputing them in the
simulation's own data would change what gymnasium's next reward reads (Ant's ``xpos``).

Example:
    >>> import gymnasium as gym
    >>> from agentgym.envs.mujoco.robots import ROBOTS
    >>> env = gym.make("Hopper-v5").unwrapped
    >>> _ = env.reset(seed=0)
    >>> state = StateReader(env.model, ROBOTS["Hopper"]).read(env.data, healthy=True)
    >>> bool(state["z"] == env.data.qpos[1])
    True
"""

from __future__ import annotations

import math

import mujoco
import numpy as np

from .robots import Robot


def quat_to_euler(quat: np.ndarray) -> tuple[float, float, float]:
    """Roll, pitch, yaw (Z-Y-X Euler angles, rad) of a (w, x, y, z) quaternion.

    Example:
        >>> [round(a, 6) for a in quat_to_euler(np.array([math.cos(0.25), 0.0, 0.0, math.sin(0.25)]))]
        [0.0, 0.0, 0.5]
    """
    w, x, y, z = (float(q) for q in quat / np.linalg.norm(quat))
    roll = math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2.0 * (w * y - z * x))))
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return roll, pitch, yaw


def up_z(quat: np.ndarray) -> float:
    """World z component of the body's local z axis (1 upright, -1 upside down)."""
    w, x, y, z = (float(q) for q in quat / np.linalg.norm(quat))
    return 1.0 - 2.0 * (x * x + y * y)


class StateReader:
    """Turns ``(model, data)`` into the robot's raw and derived compact-state fields."""

    def __init__(self, model: mujoco.MjModel, robot: Robot) -> None:
        self.model = model
        self.robot = robot
        self._scratch = mujoco.MjData(model)
        self._floor = model.geom("floor").id
        self._feet = np.array([model.geom(g).id for _, g in robot.feet])
        self._knees = np.array([model.geom(g).id for _, g in robot.knees], dtype=int)
        self._raw = tuple(robot.raw_fields.items())  # the property builds a new dict each call

    def _floor_contacts(self) -> np.ndarray:
        """Ids of the geoms touching the floor in the scratch data (the floor itself included)."""
        pairs = self._scratch.contact.geom
        return pairs[(pairs == self._floor).any(axis=1)].ravel()

    def read(self, data: mujoco.MjData, healthy: bool) -> dict[str, np.ndarray]:
        """The raw fields (per ``robot.raw_fields``) and derived fields, as fresh arrays."""
        qpos, qvel = data.qpos, data.qvel
        state = {name: f.read(qpos, qvel) for name, f in self._raw}
        if not self.robot.planar:
            roll, pitch, yaw = quat_to_euler(state["quat"])
            state.update(roll=np.array(roll), pitch=np.array(pitch), yaw=np.array(yaw),
                         up_z=np.array(up_z(state["quat"])),
                         radius=np.array(math.hypot(float(state["x"]), float(state["y"]))))
        scratch = self._scratch
        scratch.qpos[:] = qpos
        mujoco.mj_kinematics(self.model, scratch)
        mujoco.mj_collision(self.model, scratch)
        touching = self._floor_contacts()
        state["foot_contacts"] = np.isin(self._feet, touching).astype(np.float64)
        state["foot_heights"] = scratch.geom_xpos[self._feet, 2].copy()
        if self.robot.knees:
            state["knee_contacts"] = np.isin(self._knees, touching).astype(np.float64)
        state["healthy"] = np.array(float(healthy))
        return state
