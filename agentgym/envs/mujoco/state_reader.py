"""Read a robot's compact state (raw and derived fields) from a MuJoCo model and data.

Fields are computed on demand: :meth:`StateReader.view` returns a :class:`PoseState` that fills
each field the first time it is read and keeps it, so a step pays only for the fields that its
trackers and success test read (a forward-running task reads ``x`` and ``healthy``; contacts
are computed only when something asks for them). :meth:`StateReader.read` fills every field.

Contacts and foot heights come from a private scratch ``MjData``: gymnasium's step leaves
``data.contact`` and ``data.geom_xpos`` one sub-step behind ``qpos``, and recomputing them in the
simulation's own data would change what gymnasium's next reward reads (Ant's ``xpos``).

Example:
    >>> import gymnasium as gym
    >>> from agentgym.envs.mujoco.robots import ROBOTS
    >>> env = gym.make("Hopper-v5").unwrapped
    >>> _ = env.reset(seed=0)
    >>> reader = StateReader(env.model, ROBOTS["Hopper"])
    >>> state = reader.read(env.data, healthy=True)
    >>> bool(state["z"] == env.data.qpos[1])
    True
    >>> pose = reader.view(env.data, healthy=True)
    >>> bool(pose["z"] == state["z"]), sorted(pose)  # only what was read has been computed
    (True, ['z'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import mujoco
import numpy as np

from .robots import RawField, Robot
from .state_fields import robot_fields


def _unit(quat: np.ndarray) -> list[float]:
    """``quat / np.linalg.norm(quat)`` as floats, bit for bit, without the overhead of either."""
    norm = math.sqrt(float(quat.dot(quat)))  # what np.linalg.norm computes for a 1-d float array
    return [q / norm for q in quat.tolist()]


def quat_to_euler(quat: np.ndarray) -> tuple[float, float, float]:
    """Roll, pitch, yaw (Z-Y-X Euler angles, rad) of a (w, x, y, z) quaternion.

    Example:
        >>> [round(a, 6) for a in quat_to_euler(np.array([math.cos(0.25), 0.0, 0.0, math.sin(0.25)]))]
        [0.0, 0.0, 0.5]
    """
    w, x, y, z = _unit(quat)
    roll = math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2.0 * (w * y - z * x))))
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return roll, pitch, yaw


def up_z(quat: np.ndarray) -> float:
    """World z component of the body's local z axis (1 upright, -1 upside down)."""
    w, x, y, z = _unit(quat)
    return 1.0 - 2.0 * (x * x + y * y)


class PoseState(dict):
    """The pose fields of one moment, each computed the first time it is read, then kept.

    A plain ``dict`` of what has been computed so far (iteration, ``in`` and ``get`` see only
    that); ``pose[name]`` computes a missing field. One-entry fields are ``np.float64``
    scalars. Fields are read from the simulator when first asked for, so use a ``PoseState``
    before the simulation moves on (the env makes a fresh one each step, and adds the trackers'
    values to it before its success test reads it).
    """

    __slots__ = ("_fillers", "data", "healthy")

    def __init__(self, fillers: Mapping[str, Callable[[PoseState], None]], data: mujoco.MjData,
                 healthy: bool | Callable[[], bool]) -> None:
        self._fillers = fillers
        self.data = data
        self.healthy = healthy  # a callable is asked only if "healthy" is read

    def __missing__(self, name: str) -> np.float64 | np.ndarray:
        self._fillers[name](self)  # an unknown name raises KeyError(name), as a dict does
        return dict.__getitem__(self, name)


class StateReader:
    """Turns ``(model, data)`` into the robot's raw and derived compact-state fields."""

    def __init__(self, model: mujoco.MjModel, robot: Robot) -> None:
        self.model = model
        self.robot = robot
        self._scratch = mujoco.MjData(model)
        self._floor = int(model.geom("floor").id)
        self._feet = [int(model.geom(g).id) for _, g in robot.feet]
        self._knees = [int(model.geom(g).id) for _, g in robot.knees]
        self._feet_index = np.array(self._feet, dtype=int)
        # One filler per field; a filler may store several fields that come out of one computation.
        fillers: dict[str, Callable[[PoseState], None]] = {
            name: _raw_filler(name, field) for name, field in robot.raw_fields.items()
        }
        if not robot.planar:
            fillers.update(roll=_fill_euler, pitch=_fill_euler, yaw=_fill_euler, up_z=_fill_up_z, radius=_fill_radius)
        fillers.update(foot_contacts=self._fill_contacts, foot_heights=self._fill_contacts)
        if robot.knees:
            fillers["knee_contacts"] = self._fill_contacts
        fillers["healthy"] = _fill_healthy
        #: Every pose field, in TaskSpec order.
        self.field_names: tuple[str, ...] = tuple(f.name for f in robot_fields(robot))
        if sorted(fillers) != sorted(self.field_names):
            raise AssertionError(f"{robot.name}: fillers {sorted(fillers)} != fields {sorted(self.field_names)}")
        self._fillers = fillers

    def view(self, data: mujoco.MjData, healthy: bool | Callable[[], bool]) -> PoseState:
        """The pose of ``data`` now, each field computed when first read."""
        return PoseState(self._fillers, data, healthy)

    def read(self, data: mujoco.MjData, healthy: bool | Callable[[], bool]) -> dict[str, np.ndarray]:
        """Every raw and derived field (``robot.raw_fields``, then the derived ones) as fresh arrays."""
        pose = PoseState(self._fillers, data, healthy)
        for name in self.field_names:
            if name not in pose:
                self._fillers[name](pose)
        return {name: np.asarray(pose[name]) for name in self.field_names}

    def _fill_contacts(self, pose: PoseState) -> None:
        """Floor contacts and foot heights, from the scratch data posed at ``qpos``."""
        scratch, model = self._scratch, self.model
        scratch.qpos[:] = pose.data.qpos
        mujoco.mj_kinematics(model, scratch)
        mujoco.mj_collision(model, scratch)
        touching: set[int] = set()
        if scratch.ncon:
            floor = self._floor
            for a, b in scratch.contact.geom.tolist():
                if a == floor:
                    touching.add(b)
                elif b == floor:
                    touching.add(a)
        pose["foot_contacts"] = np.array([g in touching for g in self._feet], dtype=np.float64)
        pose["foot_heights"] = scratch.geom_xpos[:, 2][self._feet_index]
        if self._knees:
            pose["knee_contacts"] = np.array([g in touching for g in self._knees], dtype=np.float64)


def _raw_filler(name: str, field: RawField) -> Callable[[PoseState], None]:
    def fill(pose: PoseState) -> None:
        pose[name] = field.read(pose.data)
    return fill


def _fill_euler(pose: PoseState) -> None:
    roll, pitch, yaw = quat_to_euler(pose.data.qpos[3:7])
    pose.update(roll=np.float64(roll), pitch=np.float64(pitch), yaw=np.float64(yaw))


def _fill_up_z(pose: PoseState) -> None:
    pose["up_z"] = np.float64(up_z(pose.data.qpos[3:7]))


def _fill_radius(pose: PoseState) -> None:
    qpos = pose.data.qpos
    pose["radius"] = np.float64(math.hypot(float(qpos[0]), float(qpos[1])))


def _fill_healthy(pose: PoseState) -> None:
    healthy = pose.healthy() if callable(pose.healthy) else pose.healthy
    pose["healthy"] = np.float64(1.0 if healthy else 0.0)
