"""Tests of the MuJoCo family: registration, checkers, seeding, compact state, tasks, rewards."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import agentgym
from agentgym.core import RewardWrapper, get_compact_state, get_task_spec, load_reward_fn
from agentgym.envs.mujoco import TASKS, reference_reward_ids, reference_reward_path, reference_reward_source
from agentgym.envs.mujoco.accumulators import CircleTracker, HoldTimer, MotionTracker
from agentgym.envs.mujoco.robots import ROBOTS
from agentgym.envs.mujoco.state_reader import quat_to_euler, up_z
from agentgym.envs.registration import CATALOG

MUJOCO_IDS = [k for k, e in CATALOG.items() if e.family == "mujoco"]
BASE_IDS = [f"agentgym/{r}-v5" for r in ROBOTS]
VARIANT_IDS = [t.env_id for t in TASKS.values() if t.sparse]
ROBOT_OF = {t.env_id: t.robot for t in TASKS.values()}


def make(env_id: str, **kwargs) -> gym.Env:
    return gym.make(env_id, **kwargs)


# ----------------------------------------------------------------------------- registration
def test_catalog_holds_the_base_envs_and_variants() -> None:
    assert set(BASE_IDS) <= set(MUJOCO_IDS)
    assert set(VARIANT_IDS) == set(MUJOCO_IDS) - set(BASE_IDS)
    assert len(VARIANT_IDS) >= 6
    for env_id in MUJOCO_IDS:
        entry = CATALOG[env_id]
        assert entry.entry_point.startswith("agentgym.envs.mujoco.env:")
        assert gym.spec(env_id).max_episode_steps == entry.max_episode_steps
    assert all(CATALOG[i].max_episode_steps == 1000 for i in BASE_IDS)
    assert CATALOG["agentgym/HalfCheetah-Frontflip-v0"].max_episode_steps == 200


def test_importing_agentgym_does_not_load_mujoco() -> None:
    code = "import sys, agentgym; print('mujoco' in sys.modules, 'gymnasium.envs.mujoco.hopper_v5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.filterwarnings("ignore:.*Box observation space:UserWarning")  # v5 obs are unbounded by design
@pytest.mark.parametrize("env_id", MUJOCO_IDS)
def test_env_checkers_pass(env_id: str) -> None:
    env = make(env_id)
    gym_check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env.unwrapped, warn=False)
    env.close()


@pytest.mark.parametrize("env_id", MUJOCO_IDS)
def test_task_spec_describes_env(env_id: str) -> None:
    env = make(env_id)
    spec = get_task_spec(env)
    robot = ROBOTS[ROBOT_OF[env_id]]
    assert spec is env.unwrapped.task_spec
    assert spec.extra["max_episode_steps"] == env.spec.max_episode_steps
    assert f"dt = {robot.dt:g} s" in spec.notes
    assert all(joint in spec.action_meaning for joint, _ in robot.actuators)
    assert spec.field("joint_angles").shape == (len(robot.joints),)
    _, info = env.reset(seed=0)
    assert info["task"] == spec.task and info["success"] is False and 0.0 <= info["progress"] <= 1.0
    spec.validate_state(get_compact_state(env))
    assert list(get_compact_state(env)) == spec.field_names


def test_unknown_task_is_rejected_with_choices() -> None:
    with pytest.raises(ValueError, match="Hopper-Backflip"):
        make("agentgym/Hopper-v5", task="Ant-Circle")


def test_pickled_variant_keeps_task_and_overrides() -> None:
    env = make("agentgym/Hopper-Backflip-v0", terminate_when_unhealthy=True).unwrapped
    copy = pickle.loads(pickle.dumps(env))
    assert copy.task.name == "Hopper-Backflip"
    assert copy._terminate_when_unhealthy is True  # the user's override beats the task default
    assert env._terminate_when_unhealthy is True
    assert make("agentgym/Hopper-Backflip-v0").unwrapped._terminate_when_unhealthy is False


# ----------------------------------------------------------------------------- seeding
def _rollout(env_id: str, seed: int, steps: int = 25) -> tuple[np.ndarray, np.ndarray]:
    env = make(env_id)
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(123)
    actions = [env.action_space.sample() for _ in range(steps)]
    observations, rewards = [obs], []
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        observations.append(obs)
        rewards.append(r)
        if term or trunc:
            break
    return np.array(observations), np.array(rewards)


@pytest.mark.parametrize("env_id", MUJOCO_IDS)
def test_same_seed_same_rollout_different_seed_differs(env_id: str) -> None:
    obs_a, rew_a = _rollout(env_id, seed=7)
    obs_b, rew_b = _rollout(env_id, seed=7)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(rew_a, rew_b)
    obs_c, _ = _rollout(env_id, seed=8)
    assert not np.array_equal(obs_a[0], obs_c[0])


@pytest.mark.parametrize("robot", list(ROBOTS))
def test_base_env_keeps_gymnasium_obs_reward_and_termination(robot: str) -> None:
    ours, theirs = make(f"agentgym/{robot}-v5"), gym.make(f"{robot}-v5")
    obs_a, _ = ours.reset(seed=3)
    obs_b, _ = theirs.reset(seed=3)
    np.testing.assert_array_equal(obs_a, obs_b)
    rng = np.random.default_rng(0)
    for _ in range(40):
        a = rng.uniform(ours.action_space.low, ours.action_space.high).astype(np.float32)
        out_a, out_b = ours.step(a), theirs.step(a)
        np.testing.assert_array_equal(out_a[0], out_b[0])
        assert out_a[1:4] == out_b[1:4]
        assert {"task", "success", "progress"} <= set(out_a[4])
        if out_a[2]:
            break


# ----------------------------------------------------------------------------- robot tables and state
@pytest.mark.parametrize("robot", list(ROBOTS))
def test_robot_table_matches_compiled_model(robot: str) -> None:
    layout = ROBOTS[robot]
    env = make(f"agentgym/{robot}-v5").unwrapped
    m = env.model
    names = [m.joint(j).name for j in range(m.njnt)]
    assert tuple(names[-len(layout.joints):]) == layout.joints
    assert m.nq == layout.root_qpos + len(layout.joints) and m.nv == layout.root_qvel + len(layout.joints)
    driven = tuple((m.joint(m.actuator_trnid[i][0]).name, float(m.actuator_gear[i][0])) for i in range(m.nu))
    assert driven == layout.actuators
    assert env.dt == pytest.approx(layout.dt)
    assert (env.action_space.low[0], env.action_space.high[0]) == pytest.approx(layout.action_range)
    for _, geom in layout.feet + layout.knees:
        assert m.geom(geom).id > 0


@pytest.mark.parametrize("robot", list(ROBOTS))
def test_compact_state_reads_qpos_and_qvel(robot: str) -> None:
    env = make(f"agentgym/{robot}-v5", terminate_when_unhealthy=False) if robot != "HalfCheetah" else make(
        "agentgym/HalfCheetah-v5")
    base = env.unwrapped
    env.reset(seed=1)
    env.action_space.seed(1)
    for _ in range(15):
        env.step(env.action_space.sample())
    state = base.compact_state()
    base.task_spec.validate_state(state)
    qpos, qvel = base.data.qpos, base.data.qvel
    for name, field in ROBOTS[robot].raw_fields.items():  # the table...
        raw = qpos if field.source == "qpos" else qvel
        np.testing.assert_array_equal(state[name], np.asarray(raw[field.index]) + field.offset, err_msg=name)
    # ...and independent checks against the model's own joint addresses and body positions.
    m = base.model
    for i, joint in enumerate(ROBOTS[robot].joints):
        assert state["joint_angles"][i] == qpos[m.jnt_qposadr[m.joint(joint).id]]
        assert state["joint_velocities"][i] == qvel[m.jnt_dofadr[m.joint(joint).id]]
    base.set_state(qpos.copy(), qvel.copy())  # runs mj_forward, so xpos matches qpos
    torso = base.data.body("torso").xpos
    assert float(state["x"]) == pytest.approx(torso[0], abs=1e-9)
    assert float(state["z"]) == pytest.approx(torso[2], abs=1e-9)
    if ROBOTS[robot].planar:
        assert state["pitch"] == qpos[2] and state["x_velocity"] == qvel[0]
    else:
        assert state["z"] == qpos[2] and state["y"] == qpos[1]
        np.testing.assert_array_equal(state["quat"], qpos[3:7])
        assert float(state["up_z"]) == pytest.approx(base.data.body("torso").xmat[8], abs=1e-9)
    if robot == "Hopper":
        assert state["z"] == qpos[1]


def _floor_touching(env) -> set[str]:
    d, m = env.data, env.model
    return {m.geom(g).name for pair in d.contact.geom for g in pair if m.geom(pair[0]).name == "floor"
            or m.geom(pair[1]).name == "floor"} - {"floor"}


def test_foot_contacts_and_heights_match_mujoco_contacts() -> None:
    env = make("agentgym/Walker2d-v5").unwrapped
    env.reset(seed=0)
    env.set_state(_walker_one_leg_qpos(env), np.zeros(env.model.nv))
    state = env.compact_state()
    touching = _floor_touching(env)
    assert touching == {"foot_geom"}
    np.testing.assert_array_equal(state["foot_contacts"], [1.0, 0.0])
    np.testing.assert_allclose(state["foot_heights"], [env.data.geom("foot_geom").xpos[2],
                                                      env.data.geom("foot_left_geom").xpos[2]])
    hum = make("agentgym/Humanoid-Kneel-v0").unwrapped
    hum.reset(seed=0)
    hum.set_state(_humanoid_kneel_qpos(hum), np.zeros(hum.model.nv))
    state = hum.compact_state()
    assert _floor_touching(hum) == {"right_shin1", "left_shin1"}
    np.testing.assert_array_equal(state["knee_contacts"], [1.0, 1.0])
    np.testing.assert_array_equal(state["foot_contacts"], [0.0, 0.0])


def test_quaternion_angles() -> None:
    yaw = np.array([math.cos(0.3), 0.0, 0.0, math.sin(0.3)])  # 0.6 rad about z
    assert quat_to_euler(yaw) == pytest.approx((0.0, 0.0, 0.6))
    assert up_z(yaw) == pytest.approx(1.0)
    nose_down = np.array([math.cos(0.2), 0.0, math.sin(0.2), 0.0])  # 0.4 rad about +y
    assert quat_to_euler(nose_down) == pytest.approx((0.0, 0.4, 0.0))
    assert up_z(np.array([0.0, 1.0, 0.0, 0.0])) == pytest.approx(-1.0)  # upside down


# ----------------------------------------------------------------------------- accumulators
def test_motion_tracker_windows_and_rotation() -> None:
    tracker = MotionTracker(dt=0.1, planar=True)
    tracker.reset({"x": np.array(0.0), "pitch": np.array(0.5)})
    assert float(tracker.values()["x_velocity_1s"]) == 0.0
    for k in range(1, 21):  # 1 m/s for 1 s, then -2 m/s for 1 s
        x = 0.1 * k if k <= 10 else 1.0 - 0.2 * (k - 10)
        tracker.update({"x": np.array(x), "pitch": np.array(0.5 - 0.35 * k)})
    values = tracker.values()
    assert int(values["step"]) == 20 and float(values["elapsed_time"]) == pytest.approx(2.0)
    assert float(values["x_velocity_1s"]) == pytest.approx(-2.0)
    assert float(values["x_velocity_avg"]) == pytest.approx(-0.5)
    assert float(values["pitch_rotation"]) == pytest.approx(-7.0)


def test_hold_timer_resets_on_a_break() -> None:
    timer = HoldTimer("t", lambda s: bool(s["ok"]), dt=0.25, meaning="")
    timer.reset({"ok": np.array(1)})
    for ok in (1, 1, 1, 0, 1, 1):
        timer.update({"ok": np.array(ok)})
    assert float(timer.values()["t"]) == 0.5


def test_circle_tracker_counts_laps_inside_the_band_only() -> None:
    def lap(radius: float, direction: float = 1.0, n: int = 16) -> float:
        tracker = CircleTracker(1.0, 5.0)
        tracker.reset({"x": np.array(radius), "y": np.array(0.0)})
        for k in range(1, n + 1):
            a = direction * 2 * math.pi * k / n
            tracker.update({"x": np.array(radius * math.cos(a)), "y": np.array(radius * math.sin(a))})
        return float(tracker.values()["circle_angle"])

    assert lap(2.0) == pytest.approx(2 * math.pi)
    assert lap(2.0, direction=-1.0) == pytest.approx(-2 * math.pi)
    assert lap(0.5) == 0.0 and lap(6.0) == 0.0


# ----------------------------------------------------------------------------- variants: success + sparse reward
def _walker_one_leg_qpos(env) -> np.ndarray:
    q = env.init_qpos.copy()
    q[1] = 1.209  # right foot just touching the floor
    q[6], q[7] = -1.2, -1.0  # left thigh and knee raised
    return q


def _humanoid_kneel_qpos(env) -> np.ndarray:
    q = env.init_qpos.copy()
    q[2] = 0.885  # shins resting on the floor
    q[13] = q[17] = -2.2  # both knees bent
    return q


def _teleport_x(speed: float) -> Callable:
    """Keep the start pose and move it along x at ``speed`` m/s."""
    def pose(env, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = env.init_qpos.copy()
        q[0] = speed * env.dt * k
        return q, np.zeros(env.model.nv)
    return pose


def _spin(pitch_rate: float) -> Callable:
    """Launch the robot high in the air spinning about y (the first step only)."""
    def pose(env, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        if k:
            return None
        q, v = env.init_qpos.copy(), np.zeros(env.model.nv)
        q[1] = 5.0 if env.robot.name == "Hopper" else 4.3
        v[2] = pitch_rate
        return q, v
    return pose


def _jump(env, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    if k:
        return None
    q, v = env.init_qpos.copy(), np.zeros(env.model.nv)
    q[1], v[1] = 1.5, 3.0
    return q, v


def _circle(env, k: int) -> tuple[np.ndarray, np.ndarray]:
    q = env.init_qpos.copy()
    angle = k * (math.pi / 4 + 0.01)  # a little over an eighth of a lap, so 8 steps surely make 2*pi
    q[0], q[1] = 2.0 * math.cos(angle), 2.0 * math.sin(angle)
    return q, np.zeros(env.model.nv)


def _hold(qpos_fn: Callable) -> Callable:
    return lambda env, k: (qpos_fn(env), np.zeros(env.model.nv))


#: Per variant: a scripted path to success (the pose to set before each step, or None to let the
#: physics run) and the number of steps after which success must first hold (None: not pinned).
SCENARIOS: dict[str, tuple[Callable, int | None]] = {
    "agentgym/HalfCheetah-Backward-v0": (_teleport_x(-3.0), 20),  # 1 s at dt 0.05
    "agentgym/HalfCheetah-Frontflip-v0": (_spin(40.0), None),
    "agentgym/Hopper-Backflip-v0": (_spin(-40.0), None),
    "agentgym/Hopper-Jump-v0": (_jump, None),
    "agentgym/Walker2d-StandOneLeg-v0": (_hold(_walker_one_leg_qpos), 250),  # 2 s at dt 0.008
    "agentgym/Walker2d-Backward-v0": (_teleport_x(-1.5), 125),  # 1 s at dt 0.008
    "agentgym/Ant-Circle-v0": (_circle, 9),  # the first step only enters the band; 8 more make a lap
    "agentgym/Humanoid-Kneel-v0": (_hold(_humanoid_kneel_qpos), 67),  # 67 * 0.015 s >= 1 s
}


def test_every_variant_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(VARIANT_IDS)


@pytest.mark.parametrize("env_id", VARIANT_IDS)
def test_variant_success_pays_one_sparse_reward_and_terminates(env_id: str) -> None:
    scenario, expected_step = SCENARIOS[env_id]
    env = make(env_id)
    base = env.unwrapped
    _, info = env.reset(seed=0)
    assert not base.task.is_success(base.compact_state()) and info["success"] is False
    zero = np.zeros(env.action_space.shape, dtype=np.float32)
    first_success = None
    for k in range(env.spec.max_episode_steps):
        pose = scenario(base, k)
        if pose is not None:
            base.set_state(*pose)
        _, reward, terminated, truncated, info = env.step(zero)
        assert 0.0 <= info["progress"] <= 1.0 and "reward_forward" not in info
        if info["success"]:
            first_success = k + 1
            break
        assert reward == 0.0 and not terminated, f"step {k}"
    assert first_success is not None, "the scripted path never reached success"
    if expected_step is not None:
        assert first_success == expected_step
    assert reward == 1.0 and terminated and info["progress"] == 1.0
    assert base.task.is_success(base.compact_state())
    _, reward, *_ = env.step(zero)  # stepping past the end pays nothing more
    assert reward == 0.0


@pytest.mark.parametrize("env_id", VARIANT_IDS)
def test_variant_pays_nothing_under_random_actions(env_id: str) -> None:
    env = make(env_id)
    env.reset(seed=5)
    env.action_space.seed(5)
    for _ in range(30):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert reward == 0.0 and info["success"] is False
        if terminated or truncated:
            break


def test_base_success_needs_the_speed_and_health() -> None:
    env = make("agentgym/Hopper-v5")
    base = env.unwrapped
    env.reset(seed=0)
    for k in range(130):  # 1.04 s moving at 1.5 m/s in the start pose
        base.set_state(*_teleport_x(1.5)(base, k + 1))
        _, _, terminated, _, info = env.step(np.zeros(3, dtype=np.float32))
    assert info["success"] is True and not terminated
    slow = base.compact_state() | {"x_velocity_avg": np.array(0.5)}
    fallen = base.compact_state() | {"healthy": np.array(0.0)}
    assert not base.task.is_success(slow) and not base.task.is_success(fallen)


# ----------------------------------------------------------------------------- reference rewards
#: Per variant: compact-state overrides for a next state the reward should prefer, and a worse one.
PREFERENCES: dict[str, tuple[dict, dict]] = {
    "agentgym/HalfCheetah-Backward-v0": ({"x_velocity": -3.0}, {"x_velocity": 3.0}),
    "agentgym/HalfCheetah-Frontflip-v0": ({"pitch_velocity": 5.0}, {"pitch_velocity": -5.0}),
    "agentgym/Hopper-Backflip-v0": ({"pitch_velocity": -5.0}, {"pitch_velocity": 5.0}),
    "agentgym/Hopper-Jump-v0": ({"z": 1.6, "z_velocity": 1.0}, {"z": 1.0, "z_velocity": -1.0}),
    "agentgym/Walker2d-StandOneLeg-v0": ({"foot_contacts": [1.0, 0.0], "foot_heights": [0.06, 0.5]},
                                         {"foot_contacts": [1.0, 1.0], "foot_heights": [0.06, 0.06]}),
    "agentgym/Walker2d-Backward-v0": ({"x_velocity": -2.0}, {"x_velocity": 2.0}),
    "agentgym/Ant-Circle-v0": ({"x": 2.0, "y": 0.0, "x_velocity": 0.0, "y_velocity": 1.0},
                               {"x": 2.0, "y": 0.0, "x_velocity": 0.0, "y_velocity": -1.0}),
    "agentgym/Humanoid-Kneel-v0": ({"z": 0.9, "knee_contacts": [1.0, 1.0]}, {"z": 1.4, "knee_contacts": [0.0, 0.0]}),
}


def test_reference_rewards_exist_for_variants_only() -> None:
    assert sorted(reference_reward_ids()) == sorted(VARIANT_IDS) == sorted(PREFERENCES)
    assert "def compute_reward" in reference_reward_source("Hopper-Backflip-v0")
    with pytest.raises(KeyError, match="no reference reward"):
        reference_reward_path("agentgym/Hopper-v5")
    with pytest.raises(KeyError, match="unknown"):
        reference_reward_path("agentgym/Hopper-Moonwalk-v0")


@pytest.mark.parametrize("env_id", VARIANT_IDS)
def test_reference_reward_prefers_the_task(env_id: str) -> None:
    fn = load_reward_fn(reference_reward_path(env_id))
    env = make(env_id)
    env.reset(seed=0)
    state = get_compact_state(env)
    action = np.zeros(env.action_space.shape, dtype=np.float32)
    good, bad = ({**state, **{k: np.asarray(v, dtype=np.float64) for k, v in o.items()}} for o in PREFERENCES[env_id])
    r_good, parts = fn(state, action, good, {"success": False})
    r_bad, _ = fn(state, action, bad, {"success": False})
    assert math.isfinite(r_good) and math.isfinite(r_bad)
    assert r_good > r_bad
    assert r_good == pytest.approx(sum(parts.values()))


@pytest.mark.parametrize("env_id", VARIANT_IDS)
def test_reference_reward_drives_reward_wrapper(env_id: str) -> None:
    fn = load_reward_fn(reference_reward_path(env_id))
    env = RewardWrapper(make(env_id), fn)
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(3):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        parts = info["reward_components"]
        assert parts and all(math.isfinite(v) for v in parts.values())
        assert reward == pytest.approx(sum(parts.values()))
        if terminated or truncated:
            break


def test_agentgym_make_resolves_short_ids() -> None:
    env = agentgym.make("Ant-Circle-v0")
    assert env.unwrapped.task.name == "Ant-Circle"


# ----------------------------------------------------------------------------- per-step cost: a lazy state
@pytest.mark.parametrize("env_id", MUJOCO_IDS)
def test_step_info_agrees_with_the_full_compact_state(env_id: str) -> None:
    """A step computes only the fields its task reads; its verdict must match the full state's."""
    env = make(env_id)
    base = env.unwrapped
    env.reset(seed=2)
    env.action_space.seed(2)
    for _ in range(60):
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        state = base.compact_state()
        assert info["success"] == base.task.is_success(state)
        assert info["progress"] == base.task.progress(state)
        if terminated or truncated:
            break


@pytest.mark.parametrize("robot", ["Hopper", "Walker2d", "Ant", "Humanoid"])
@pytest.mark.parametrize("terminate", [True, False])
def test_base_progress_sees_health_with_and_without_unhealthy_termination(robot: str, terminate: bool) -> None:
    def forward_jump(**kwargs) -> tuple[float, bool, float]:
        env = make(f"agentgym/{robot}-v5", terminate_when_unhealthy=terminate, **kwargs)
        base = env.unwrapped
        env.reset(seed=0)
        qpos = base.data.qpos.copy()
        qpos[0] += 0.5  # a fast step forward: progress is 1.0 unless health zeroes it
        base.set_state(qpos, base.data.qvel.copy())
        _, _, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
        state = base.compact_state()
        assert info["progress"] == base.task.progress(state)
        return info["progress"], terminated, float(state["healthy"])

    assert forward_jump() == (1.0, False, 1.0)
    assert forward_jump(healthy_z_range=(5.0, 6.0)) == (0.0, terminate, 0.0)


def test_steps_compute_contacts_only_when_the_task_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import mujoco

    calls: list[int] = []
    collide = mujoco.mj_collision
    monkeypatch.setattr(mujoco, "mj_collision", lambda m, d: (calls.append(1), collide(m, d))[1])
    env = make("agentgym/HalfCheetah-v5")  # success reads speed and health only
    env.reset(seed=0)
    for _ in range(20):
        env.step(env.action_space.sample())
    assert calls == []
    env.unwrapped.compact_state()
    assert len(calls) == 1

    calls.clear()
    walker = make("agentgym/Walker2d-StandOneLeg-v0")  # its pose test reads contacts and heights
    base = walker.unwrapped
    walker.reset(seed=0)
    for _ in range(5):
        base.set_state(_walker_one_leg_qpos(base), np.zeros(base.model.nv))
        walker.step(np.zeros(6, dtype=np.float32))
    assert len(calls) == 5  # once per step: contacts and foot heights come from one collision pass


def test_pose_state_computes_each_field_on_first_read() -> None:
    from agentgym.envs.mujoco.state_fields import robot_fields
    from agentgym.envs.mujoco.state_reader import StateReader

    env = make("agentgym/Humanoid-v5").unwrapped
    env.reset(seed=0)
    reader = StateReader(env.model, ROBOTS["Humanoid"])
    pose = reader.view(env.data, healthy=lambda: pytest.fail("health was never read"))
    assert pose["z"] == env.data.qpos[2] and list(pose) == ["z"]
    heights = pose["foot_heights"]
    assert sorted(pose) == ["foot_contacts", "foot_heights", "knee_contacts", "z"]
    assert pose["foot_heights"] is heights  # kept, not computed again
    with pytest.raises(KeyError, match="no_such_field"):
        pose["no_such_field"]
    full = reader.read(env.data, healthy=True)
    assert list(full) == [f.name for f in robot_fields(ROBOTS["Humanoid"])]
    for name, value in full.items():
        np.testing.assert_array_equal(value, env.compact_state()[name], err_msg=name)


@pytest.mark.parametrize("env_id", MUJOCO_IDS)
def test_compact_state_holds_fresh_arrays_of_the_declared_dtypes(env_id: str) -> None:
    env = make(env_id)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    base = env.unwrapped
    state = base.compact_state()
    for field in base.task_spec.state_fields:
        assert isinstance(state[field.name], np.ndarray), field.name
        assert state[field.name].dtype == np.dtype(field.dtype), field.name
    qpos = base.data.qpos.copy()
    state["joint_angles"][:] = 123.0
    state["x"][...] = 123.0
    np.testing.assert_array_equal(base.data.qpos, qpos)


def test_quaternion_angles_match_the_numpy_formula_bit_for_bit() -> None:
    for quat in np.random.default_rng(0).normal(size=(500, 4)):
        w, x, y, z = (float(q) for q in quat / np.linalg.norm(quat))
        assert up_z(quat) == 1.0 - 2.0 * (x * x + y * y)
        assert quat_to_euler(quat) == (
            math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y)),
            math.asin(max(-1.0, min(1.0, 2.0 * (w * y - z * x)))),
            math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z)),
        )


def test_making_envs_leaves_no_mujoco_log_file(tmp_path, monkeypatch) -> None:
    # MuJoCo's default warning handler appends to MUJOCO_LOG.TXT in the working directory.
    monkeypatch.chdir(tmp_path)
    for env_id in ("agentgym/HalfCheetah-v5", "agentgym/Humanoid-Kneel-v0"):
        gym.make(env_id).close()
    assert list(tmp_path.iterdir()) == []
