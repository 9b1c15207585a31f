"""The compact-state fields of each robot, as :class:`~agentgym.core.StateField` declarations.

Three groups, in this order: raw fields (plain qpos/qvel entries, see
:attr:`~agentgym.envs.mujoco.robots.Robot.raw_fields`), derived fields (computed from the pose:
Euler angles, contacts, foot heights, health) and per-episode accumulators (declared by the
trackers in :mod:`agentgym.envs.mujoco.accumulators`).

Example:
    >>> from agentgym.envs.mujoco.robots import ROBOTS
    >>> [f.name for f in robot_fields(ROBOTS["Hopper"])][:4]
    ['x', 'z', 'pitch', 'x_velocity']
"""

from __future__ import annotations

from agentgym.core import StateField

from .robots import Robot


def _names(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(label for label, _ in pairs)


def raw_fields(robot: Robot) -> tuple[StateField, ...]:
    """Fields read straight from qpos/qvel (same names as ``robot.raw_fields``)."""
    n = len(robot.joints)
    joints = ", ".join(robot.joints)
    joint_fields = (
        StateField("joint_angles", (n,), "rad", f"angles of the joints, in order: {joints}"),
        StateField("joint_velocities", (n,), "rad/s", f"angular velocities of the joints, same order: {joints}"),
    )
    if robot.planar:
        return (
            StateField("x", (), "m", "torso x position (forward is +x); 0 at reset up to noise"),
            StateField("z", (), "m", f"torso height above the floor (about {robot.standing_z:g} at reset)"),
            StateField("pitch", (), "rad", "torso rotation about the +y axis, not wrapped (a full turn adds "
                       "2*pi); positive tips the front (+x end) down"),
            StateField("x_velocity", (), "m/s", "torso forward velocity"),
            StateField("z_velocity", (), "m/s", "torso vertical velocity (up is +)"),
            StateField("pitch_velocity", (), "rad/s", "d(pitch)/dt; positive rotates the front down"),
            *joint_fields,
        )
    return (
        StateField("x", (), "m", "torso x position in the world (forward is +x)"),
        StateField("y", (), "m", "torso y position in the world (left is +y)"),
        StateField("z", (), "m", f"torso height above the floor (about {robot.standing_z:g} at reset)"),
        StateField("quat", (4,), "1", "torso orientation quaternion (w, x, y, z) in the world frame"),
        StateField("x_velocity", (), "m/s", "torso velocity along world x"),
        StateField("y_velocity", (), "m/s", "torso velocity along world y"),
        StateField("z_velocity", (), "m/s", "torso velocity along world z (up is +)"),
        StateField("angular_velocity", (3,), "rad/s", "torso angular velocity about its own x, y, z axes "
                   "(body frame, as MuJoCo's free joint stores it)"),
        *joint_fields,
    )


def derived_fields(robot: Robot) -> tuple[StateField, ...]:
    """Fields computed from the pose: orientation angles, floor contacts, foot heights, health."""
    fields: list[StateField] = []
    if not robot.planar:
        fields += [
            StateField("roll", (), "rad", "torso roll about world x, from quat (Z-Y-X Euler angles), in [-pi, pi]"),
            StateField("pitch", (), "rad", "torso pitch about y, from quat (Z-Y-X Euler), in [-pi/2, pi/2]; "
                       "positive tips the front down"),
            StateField("yaw", (), "rad", "torso heading about world z, from quat (Z-Y-X Euler), in [-pi, pi]; "
                       "0 faces +x, positive turns left"),
            StateField("up_z", (), "1", "z component of the torso's up axis: 1 upright, 0 on its side, -1 upside down"),
            StateField("radius", (), "m", "distance of the torso from the world origin in the x-y plane: hypot(x, y)"),
        ]
    n = len(robot.feet)
    fields += [
        StateField("foot_contacts", (n,), "bool", f"1.0 where the foot touches the floor, else 0.0; "
                   f"order: {_names(robot.feet)}"),
        StateField("foot_heights", (n,), "m", f"height of each foot geom's centre above the floor; "
                   f"order: {_names(robot.feet)}"),
    ]
    if robot.knees:
        fields.append(StateField("knee_contacts", (len(robot.knees),), "bool",
                                 f"1.0 where the shin (knee) touches the floor; order: {_names(robot.knees)}"))
    fields.append(StateField("healthy", (), "bool", "1.0 while the robot is inside the env's healthy range "
                             "(height/angle limits of gymnasium's v5 env; always 1.0 for HalfCheetah)"))
    return tuple(fields)


def robot_fields(robot: Robot) -> tuple[StateField, ...]:
    """Raw then derived fields of a robot (accumulators come from the task's trackers)."""
    return raw_fields(robot) + derived_fields(robot)
