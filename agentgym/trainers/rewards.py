"""Reward code in training: sandboxed, and evaluated a whole rollout per call.

Reward code given as source (``--reward-code FILE``, an LLM's candidate) never runs in the
trainer's process: it runs in a :class:`~agentgym.core.sandbox.Sandbox` worker. Calling that
worker once per env step would cost a process round trip per step, so the native PPO defers
rewards: each env reports its compact state in ``info["compact_state"]``
(:class:`StateReporter`), :class:`RolloutReward` records the transitions of a rollout, and
computes all their rewards in one batched call when the rollout ends. (PPO needs rewards only
then: GAE, reward normalization and episode statistics are computed afterwards, in step order,
exactly as if the rewards had arrived step by step.)

Other paths (SB3, evaluation) wrap each env in :class:`~agentgym.core.RewardWrapper` with the
same sandboxed function, one round trip per step.

The trainer takes any object with :class:`RolloutRewardLike`'s methods: the LLM-feedback
intrinsic reward (:mod:`agentgym.reward_synth.intrinsic`) is one, and wraps a
:class:`RolloutReward` when both are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from agentgym.core import RewardFn
from agentgym.core.task_spec import compact_state_fn

#: The info key under which :class:`StateReporter` puts the compact state.
STATE_KEY = "compact_state"
#: Info keys that are bookkeeping, not information for a reward function.
_SKIP_INFO = {STATE_KEY, "reward_components", "final_obs", "final_info"}


class RolloutRewardLike(Protocol):
    """What the native PPO calls on a rollout reward (optional extras: ``metrics()``, ``close()``)."""

    def reset(self, infos: Mapping[str, Any]) -> None: ...

    def record(self, actions: np.ndarray, dones: np.ndarray, infos: Mapping[str, Any]) -> None: ...

    def flush(self, env_rewards: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]: ...


class StateReporter(gym.Wrapper):
    """Puts the env's compact state (see its TaskSpec) in ``info["compact_state"]`` at reset and every step."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._read_state = compact_state_fn(env)  # fails now if the env has no compact state

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        return obs, {**info, STATE_KEY: self._read_state()}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated, truncated, {**info, STATE_KEY: self._read_state()}


class RolloutReward:
    """A batched reward function applied to a vector env's transitions, a rollout per call.

    Args:
        fn: the reward function (its :meth:`~agentgym.core.RewardFn.batched` is called once per
            :meth:`flush`).
        mode: ``"replace"`` the env reward, or ``"add"`` to it (then component ``env`` is the env's part).
        num_envs: the vector env's size.
        scale: factor on the function's total.

    The vector env must autoreset in the same step (``infos["final_info"]`` holds the last
    step's info of an episode that ended) and its envs must be wrapped in :class:`StateReporter`.
    """

    def __init__(self, fn: RewardFn, mode: str, num_envs: int, scale: float = 1.0) -> None:
        if mode not in ("replace", "add"):
            raise ValueError(f"reward mode must be 'replace' or 'add', got {mode!r}")
        self.fn, self.mode, self.num_envs, self.scale = fn, mode, num_envs, float(scale)
        self._state: dict[str, np.ndarray] | None = None
        self._clear()

    def _clear(self) -> None:
        self._states: list[dict[str, np.ndarray]] = []
        self._next_states: list[dict[str, np.ndarray]] = []
        self._actions: list[np.ndarray] = []
        self._infos: list[dict[str, Any]] = []

    def reset(self, infos: Mapping[str, Any]) -> None:
        """Start from a vector reset's infos (forgets transitions not yet flushed)."""
        self._state = self._states_of(infos)
        self._clear()

    def _states_of(self, infos: Mapping[str, Any]) -> dict[str, np.ndarray]:
        if STATE_KEY not in infos:
            raise RuntimeError(f"the envs do not report info[{STATE_KEY!r}]: wrap them in StateReporter")
        return {key: np.array(value) for key, value in infos[STATE_KEY].items()}

    def record(self, actions: np.ndarray, dones: np.ndarray, infos: Mapping[str, Any]) -> None:
        """Record one vector step: the actions the envs took, which episodes ended, the infos."""
        if self._state is None:
            raise RuntimeError("call reset() with the vector reset's infos first")
        after = self._states_of(infos)  # for envs that reset: the next episode's first state
        ended = np.flatnonzero(dones)
        final = infos.get("final_info", {}) if len(ended) else {}
        ended_set = set(ended.tolist())
        reached = after
        if len(ended):
            reached = {key: value.copy() for key, value in after.items()}
            final_states = final[STATE_KEY]
            for key, value in reached.items():
                value[ended] = np.asarray(final_states[key])[ended]
        self._states.append(self._state)
        self._next_states.append(reached)
        self._actions.append(np.array(actions))
        for i in range(self.num_envs):
            source = final if i in ended_set else infos
            self._infos.append({key: _value_at(source, key, i) for key in source
                                if not key.startswith("_") and key not in _SKIP_INFO and _present(source, key, i)})
        self._state = after

    @property
    def pending(self) -> int:
        """Vector steps recorded since the last flush."""
        return len(self._states)

    def flush(self, env_rewards: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Rewards (T, N) of the recorded steps and each component (T, N); ``env_rewards`` is (T, N).

        Raises :class:`~agentgym.core.RewardFnError` if the function fails on any transition.
        """
        steps = len(self._states)
        env_rewards = np.asarray(env_rewards, dtype=np.float64).reshape(steps, self.num_envs)
        if steps == 0:
            return env_rewards, {}
        states = {key: np.concatenate([s[key] for s in self._states]) for key in self._states[0]}
        next_states = {key: np.concatenate([s[key] for s in self._next_states]) for key in self._next_states[0]}
        actions = np.concatenate(self._actions)
        infos = self._infos
        self._clear()
        totals, parts = self.fn.batched(states, actions, next_states, infos)
        shape = (steps, self.num_envs)
        totals = np.asarray(totals, dtype=np.float64).reshape(shape) * self.scale
        comps = {name: np.asarray(value, dtype=np.float64).reshape(shape) for name, value in parts.items()}
        if self.mode == "add":
            comps["env"] = env_rewards
            return env_rewards + totals, comps
        return totals, comps


def _present(infos: Mapping[str, Any], key: str, i: int) -> bool:
    mask = infos.get(f"_{key}")
    return mask is None or bool(mask[i])


def _value_at(infos: Mapping[str, Any], key: str, i: int) -> Any:
    value = infos[key]
    if isinstance(value, Mapping):
        return {k: _value_at(value, k, i) for k in value if not k.startswith("_") and _present(value, k, i)}
    return value[i]


#: The credit methods a classic (vector-env, streaming) trainer can use: they need one step, not a whole group.
CLASSIC_CREDIT = ("none", "pbrs", "progress")


class ProgressCredit(gym.Wrapper):
    """Step credit from the env's ``info["progress"]`` for classic trainers (``--credit pbrs|progress``).

    - ``progress``: each step earns ``coef * (progress after − progress before)`` (turn-level dense
      rewards; an episode's extra rewards sum to ``coef`` times its final progress).
    - ``pbrs``: potential-based shaping ``coef * (γ Φ(s') − Φ(s))`` with Φ the progress and
      Φ(terminal) = 0, which leaves the optimal policy unchanged (Ng et al. 1999).

    Progress at reset is ``info["progress"]`` there, else 0. The added amount is ``info["credit"]``.
    The formula is :func:`agentgym.credit.potential_shaping`'s.
    """

    def __init__(self, env: gym.Env, kind: str, coef: float = 1.0, gamma: float = 1.0) -> None:
        super().__init__(env)
        if kind not in ("pbrs", "progress"):
            raise ValueError(f"ProgressCredit kind must be pbrs or progress, got {kind!r}")
        self.kind, self.coef, self.gamma = kind, float(coef), float(gamma)
        self._before = 0.0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._before = float(info.get("progress", 0.0))
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        from agentgym.credit import potential_shaping

        obs, reward, terminated, truncated, info = self.env.step(action)
        if "progress" not in info:
            spec = getattr(self.env, "spec", None)
            raise ValueError(f"--credit {self.kind} needs info['progress'], which {getattr(spec, 'id', 'this env')} "
                             f"does not report (MiniGrid envs report it with env_kwargs with_progress=true)")
        after = float(info["progress"])
        target = 0.0 if self.kind == "pbrs" and terminated else after
        gamma = self.gamma if self.kind == "pbrs" else 1.0
        (extra,) = potential_shaping([[target]], coef=self.coef, gamma=gamma, initial=self._before)
        self._before = after
        info = dict(info)
        info["credit"] = float(extra[0])
        return obs, float(reward) + float(extra[0]), terminated, truncated, info
