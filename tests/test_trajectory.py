import numpy as np

from agentgym.core import Trajectory, load_trajectories, rollout, save_trajectories
from tests.test_text_env import Lock


def _solve(obs, info):
    return "open" if "open" in info["admissible_actions"] else "turn"


def test_rollout_records_every_step_and_the_outcome():
    env = Lock()
    traj = rollout(env, _solve, seed=3, group_id="g0")
    code = env.code
    assert len(traj) == code + 1
    assert traj.actions == ["turn"] * code + ["open"]
    assert traj.observations[0].startswith("The dial shows 0.")
    assert traj.final_observation == "The lock opens."
    np.testing.assert_array_equal(traj.rewards, [0.0] * code + [1.0])
    assert traj.success and traj.done and traj.outcome == 1.0 and traj.group_id == "g0" and traj.seed == 3
    assert traj.progress[-1] == 1.0 and np.all(np.diff(traj.progress) > 0)


def test_max_steps_cuts_the_episode():
    traj = rollout(Lock(), lambda o, i: "turn", seed=3, max_steps=2)
    assert len(traj) == 2 and not traj.done and not traj.success


def test_outcome_can_be_set_apart_from_rewards():
    traj = Trajectory(metadata={"outcome": 0.5})
    traj.append("o", "a", 1.0)
    assert traj.total_reward == 1.0 and traj.outcome == 0.5


def test_json_round_trip(tmp_path):
    trajs = [rollout(Lock(), _solve, seed=s, group_id=s % 2) for s in range(3)]
    trajs[0].steps[0].info["array"] = np.arange(3)
    path = tmp_path / "t.jsonl"
    save_trajectories(trajs, path)
    back = load_trajectories(path)
    assert [len(t) for t in back] == [len(t) for t in trajs]
    assert back[0].steps[0].info["array"] == [0, 1, 2]
    assert [t.actions for t in back] == [t.actions for t in trajs]
    np.testing.assert_array_equal(back[2].rewards, trajs[2].rewards)
    assert back[1].group_id == 1 and back[1].success
