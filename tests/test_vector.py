"""Vector envs: sync vs batched async trajectories, the auto choice, worker errors, shutdown."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from agentgym.core import load_reward_fn
from agentgym.trainers.envs import make_env_fn
from agentgym.trainers.vector import BatchedAsyncVectorEnv, make_vector_env

MINIGRID = "agentgym/MiniGrid-Empty-5x5-v0"


def thunks(env_id: str, n: int, **kwargs):
    return [make_env_fn(env_id, seed=0, index=i, **kwargs) for i in range(n)]


def rollout(envs, steps: int, seed: int = 0):
    """Observations, rewards, dones and final observations under a fixed action sequence."""
    rng = np.random.default_rng(seed)
    obs, _ = envs.reset(seed=7)
    record = [obs]
    finals = []
    for _ in range(steps):
        obs, reward, terminated, truncated, infos = envs.step(rng.integers(0, 3, envs.num_envs))
        record.append((obs, reward, terminated, truncated))
        if "final_obs" in infos:
            finals.append((np.flatnonzero(infos["_final_obs"]).tolist(),
                           [infos["final_obs"][i]["image"] for i in np.flatnonzero(infos["_final_obs"])],
                           infos["final_info"]["success"][infos["_final_info"]].tolist()))
    return record, finals


def test_batched_async_matches_sync_step_for_step():
    sync = make_vector_env(thunks(MINIGRID, 5), mode="sync")
    batched = make_vector_env(thunks(MINIGRID, 5), mode="async", envs_per_worker=2)
    try:
        assert isinstance(batched, BatchedAsyncVectorEnv) and batched.num_workers == 3  # 2 + 2 + 1 envs
        a, finals_a = rollout(sync, 150)
        b, finals_b = rollout(batched, 150)
    finally:
        sync.close()
        batched.close()
    assert finals_a and len(finals_a) == len(finals_b)  # episodes ended (100-step limit) in both
    for (idx_a, img_a, succ_a), (idx_b, img_b, succ_b) in zip(finals_a, finals_b, strict=True):
        assert idx_a == idx_b and succ_a == succ_b
        assert all(np.array_equal(x, y) for x, y in zip(img_a, img_b, strict=True))
    for step_a, step_b in zip(a[1:], b[1:], strict=True):
        for key in ("image", "direction"):
            np.testing.assert_array_equal(step_a[0][key], step_b[0][key])
        for x, y in zip(step_a[1:], step_b[1:], strict=True):
            np.testing.assert_array_equal(x, y)


def test_auto_picks_sync_for_minigrid_on_this_machine():
    envs = make_vector_env(thunks(MINIGRID, 4), mode="auto")
    try:
        assert type(envs).__name__ == "SyncVectorEnv"
    finally:
        envs.close()


def test_a_single_env_is_always_sync():
    envs = make_vector_env(thunks("CartPole-v1", 1), mode="auto")
    assert type(envs).__name__ == "SyncVectorEnv"
    envs.close()


def test_worker_error_surfaces_with_its_message_and_closes_the_workers():
    fn = load_reward_fn("def compute_reward(s, a, ns, info):\n    raise ValueError('boom from reward')\n")
    envs = make_vector_env(thunks(MINIGRID, 4, reward_fn=fn), mode="async", envs_per_worker=2)
    envs.reset(seed=0)
    with pytest.raises(Exception, match="boom from reward") as excinfo:
        envs.step(np.zeros(4, dtype=np.int64))
    assert type(excinfo.value).__name__ == "RewardFnError"
    assert not any(p.is_alive() for p in envs._processes)  # the failure shut the workers down
    envs.close()  # and closing again is harmless


def test_close_leaves_no_child_processes():
    before = {p.pid for p in mp.active_children()}
    envs = make_vector_env(thunks("CartPole-v1", 4), mode="async", envs_per_worker=2)
    envs.reset(seed=0)
    envs.step(np.zeros(4, dtype=np.int64))
    assert len({p.pid for p in mp.active_children()} - before) == 2
    envs.close()
    assert {p.pid for p in mp.active_children()} - before == set()


def test_rejects_a_bad_mode():
    with pytest.raises(ValueError, match="'auto', 'sync' or 'async'"):
        make_vector_env(thunks("CartPole-v1", 2), mode="threads")  # type: ignore[arg-type]


def test_env_thunks_pickle_and_run_in_spawned_workers():
    import pickle

    fns = [make_env_fn("agentgym/MiniGrid-Empty-5x5-v0", seed=3, index=i, env_kwargs={"with_progress": True})
           for i in range(4)]
    copy = pickle.loads(pickle.dumps(fns[1]))
    assert copy == fns[1] and copy().spec.id == "agentgym/MiniGrid-Empty-5x5-v0"
    spawned = BatchedAsyncVectorEnv(fns, 2, context="spawn")  # macOS's default start method
    sync = make_vector_env(fns, "sync")
    try:
        a, _ = spawned.reset(seed=5)
        b, _ = sync.reset(seed=5)
        assert all(np.array_equal(a[k], b[k]) for k in a)
        actions = np.array([2, 1, 2, 0])
        a, ra, *_ = spawned.step(actions)
        b, rb, *_ = sync.step(actions)
        assert all(np.array_equal(a[k], b[k]) for k in a) and np.array_equal(ra, rb)
    finally:
        spawned.close()
        sync.close()
