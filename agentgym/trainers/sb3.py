"""Stable-Baselines3 as a trainer backend: PPO, A2C, DQN, SAC and TD3 over agentgym envs.

:class:`SB3Backend` implements :class:`~agentgym.trainers.backend.Backend` with the same env thunks
as the native PPO (reward code is applied inside each env by
:func:`~agentgym.trainers.envs.make_env_fn`), the same hyperparameter names where they mean the
same thing, and the same metric names.

Example:
    >>> from agentgym.trainers.envs import make_env_fn
    >>> fns = [make_env_fn("CartPole-v1", seed=0, index=i) for i in range(2)]
    >>> backend = SB3Backend(fns, "ppo", {"n_steps": 32, "batch_size": 32, "n_epochs": 1}, seed=0)
    >>> updates = []
    >>> backend.learn(128, on_update=updates.append)
    >>> backend.global_step, [m["global_step"] for m in updates]
    (128, [64, 128])
    >>> backend.predict(np.zeros((2, 4), dtype=np.float32)).shape
    (2,)
    >>> backend.close()
"""

from __future__ import annotations

import inspect
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from gymnasium.wrappers import FilterObservation
from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.noise import NormalActionNoise
from stable_baselines3.common.preprocessing import get_flattened_obs_dim
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecNormalize

from .backend import UpdateCallback
from .episodes import EpisodeTracker

#: The algorithms this backend runs, by lower-case name.
ALGOS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C, "dqn": DQN, "sac": SAC, "td3": TD3}
ON_POLICY = frozenset({"ppo", "a2c"})
#: Action spaces each algorithm can act in.
ACTION_SPACES: dict[str, tuple[type[spaces.Space], ...]] = {
    "ppo": (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary),
    "a2c": (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary),
    "dqn": (spaces.Discrete,),
    "sac": (spaces.Box,),
    "td3": (spaces.Box,),
}
_NUMERIC_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)

#: Native-PPO (CleanRL) names for on-policy SB3 arguments; the off-policy ``n_steps`` is n-step
#: returns, not a rollout length, so these aliases apply to PPO/A2C only.
ON_POLICY_ALIASES = {"num_steps": "n_steps", "update_epochs": "n_epochs", "clip_coef": "clip_range",
                     "norm_adv": "normalize_advantage"}
#: Keys this backend handles itself instead of passing them to the SB3 constructor.
NORMALIZE_KEYS = ("norm_obs", "norm_reward", "clip_obs", "clip_reward")
POLICY_KEYS = ("hidden_sizes", "activation")
# Constructor arguments the backend sets itself.
_RESERVED = frozenset({"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log", "_init_setup_model"})
_ACTIVATIONS: dict[str, type[th.nn.Module]] = {
    "tanh": th.nn.Tanh, "relu": th.nn.ReLU, "elu": th.nn.ELU, "gelu": th.nn.GELU, "silu": th.nn.SiLU,
    "leaky_relu": th.nn.LeakyReLU,
}
# SB3 logger keys with a documented agentgym name; other logged values appear as ``sb3/<name>``.
# ``loss/entropy`` is the policy's entropy (SB3's entropy_loss with its sign flipped).
# The actor/critic losses of SAC/TD3 and the TD loss of DQN take the policy/value names so that
# one dashboard reads every algorithm.
LOSS_NAMES = {
    "train/policy_gradient_loss": "loss/policy", "train/policy_loss": "loss/policy",
    "train/actor_loss": "loss/policy", "train/value_loss": "loss/value", "train/critic_loss": "loss/value",
    "train/loss": "loss/value", "train/entropy_loss": "loss/entropy", "train/approx_kl": "stats/approx_kl",
    "train/learning_rate": "lr",
}
#: Env steps per second below which "auto" vectorization moves envs into subprocesses.
EXPENSIVE_STEP_SECONDS = 150e-6


def algo_name(algo: str) -> str:
    """The lower-case name of a supported algorithm; a ValueError listing the choices otherwise."""
    name = str(algo).lower()
    if name not in ALGOS:
        raise ValueError(f"unknown SB3 algo {algo!r}; choose one of: {', '.join(a.upper() for a in ALGOS)}")
    return name


def valid_hyperparams(algo: str) -> list[str]:
    """Every hyperparameter name :func:`translate_hyperparams` accepts for ``algo``, sorted.

    Example:
        >>> "clip_coef" in valid_hyperparams("PPO"), "buffer_size" in valid_hyperparams("ppo")
        (True, False)
    """
    name = algo_name(algo)
    own = set(inspect.signature(ALGOS[name].__init__).parameters) - _RESERVED
    extra = {*NORMALIZE_KEYS, *POLICY_KEYS, "anneal_lr"}
    if name in ON_POLICY:
        extra |= {alias for alias, target in ON_POLICY_ALIASES.items() if target in own}
        if "batch_size" in own:
            extra.add("num_minibatches")
    if "action_noise" in own:
        extra.add("action_noise_std")
    return sorted(own | extra)


def _default(name: str, key: str) -> Any:
    return inspect.signature(ALGOS[name].__init__).parameters[key].default


def translate_hyperparams(algo: str, hyperparams: Mapping[str, Any], *, num_envs: int,
                          action_space: spaces.Space | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn an agentgym hyperparameter dict into SB3 constructor kwargs and VecNormalize kwargs.

    Accepted on top of the SB3 constructor's own names: the native PPO's ``num_steps``,
    ``update_epochs``, ``clip_coef``, ``norm_adv``, ``num_minibatches`` (PPO: batch size =
    rollout size / num_minibatches), ``anneal_lr`` (linear decay to 0), ``hidden_sizes`` and
    ``activation`` (the policy's MLP), ``norm_obs`` / ``norm_reward`` / ``clip_obs`` / ``clip_reward``
    (VecNormalize, with the algorithm's ``gamma``) and ``action_noise_std`` (SAC/TD3 Gaussian noise).
    The VecNormalize dict is empty when nothing is normalized.

    Raises:
        ValueError: an unknown key (the message lists the valid ones), or an alias given together
            with the name it stands for.

    Example:
        >>> kwargs, norm = translate_hyperparams("ppo", {"num_steps": 64, "num_minibatches": 4,
        ...     "clip_coef": 0.1, "hidden_sizes": [32, 32], "norm_obs": True}, num_envs=2)
        >>> kwargs["n_steps"], kwargs["batch_size"], kwargs["clip_range"], kwargs["policy_kwargs"]
        (64, 32, 0.1, {'net_arch': [32, 32]})
        >>> norm
        {'norm_obs': True, 'norm_reward': False, 'gamma': 0.99}
    """
    name = algo_name(algo)
    valid = valid_hyperparams(name)
    unknown = sorted(set(hyperparams) - set(valid))
    if unknown:
        elsewhere = [f"{key} applies to {', '.join(a.upper() for a in ALGOS if key in valid_hyperparams(a))}"
                     for key in unknown if any(key in valid_hyperparams(a) for a in ALGOS)]
        hint = f" ({'; '.join(elsewhere)})" if elsewhere else ""
        raise ValueError(f"unknown hyperparameter(s) for SB3 {name.upper()}: {', '.join(unknown)}{hint}. "
                         f"Valid: {', '.join(valid)}")
    params = dict(hyperparams)
    for alias, target in ON_POLICY_ALIASES.items():
        if alias in params:
            if target in params:
                raise ValueError(f"give either {alias!r} or {target!r}, not both (they are the same setting)")
            params[target] = params.pop(alias)

    norm = {key: params.pop(key) for key in NORMALIZE_KEYS if key in params}
    vecnorm: dict[str, Any] = {}
    if norm.get("norm_obs") or norm.get("norm_reward"):
        vecnorm = {"norm_obs": bool(norm.get("norm_obs", False)), "norm_reward": bool(norm.get("norm_reward", False)),
                   "gamma": float(params.get("gamma", _default(name, "gamma")))}
        vecnorm.update({key: float(norm[key]) for key in ("clip_obs", "clip_reward") if key in norm})

    policy_kwargs = dict(params.pop("policy_kwargs", None) or {})
    if "hidden_sizes" in params:
        policy_kwargs["net_arch"] = [int(size) for size in params.pop("hidden_sizes")]
    if "activation" in params:
        activation = str(params.pop("activation")).lower()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of: {', '.join(_ACTIVATIONS)}")
        policy_kwargs["activation_fn"] = _ACTIVATIONS[activation]
    if policy_kwargs:
        params["policy_kwargs"] = policy_kwargs

    if "num_minibatches" in params:
        if "batch_size" in params:
            raise ValueError("give either 'num_minibatches' or 'batch_size', not both")
        rollout = int(params.get("n_steps", _default(name, "n_steps"))) * num_envs
        params["batch_size"] = max(1, rollout // int(params.pop("num_minibatches")))
    if params.pop("anneal_lr", False):
        start = params.get("learning_rate", _default(name, "learning_rate"))
        if callable(start):
            raise ValueError("anneal_lr needs a constant learning_rate to anneal from")
        # SB3 calls schedules with the fraction of training left (1 -> 0)
        params["learning_rate"] = LinearSchedule(float(start), 0.0, 1.0)
    if "action_noise_std" in params:
        std = float(params.pop("action_noise_std"))
        if not isinstance(action_space, spaces.Box):
            raise ValueError("action_noise_std needs a Box action space")
        params["action_noise"] = NormalActionNoise(np.zeros(action_space.shape), std * np.ones(action_space.shape))
    if isinstance(params.get("train_freq"), list):  # JSON/TOML configs have no tuples
        params["train_freq"] = tuple(params["train_freq"])
    return params, vecnorm


def choose_vectorization(mode: str, *, num_envs: int, step_seconds: float | None, cores: int) -> str:
    """``"sync"`` (DummyVecEnv) or ``"async"`` (SubprocVecEnv, one process per env) for ``mode``.

    ``"auto"`` goes async only when an env step costs more than :data:`EXPENSIVE_STEP_SECONDS`
    and every env gets its own core: below that, pipes cost more than they save. An explicit
    ``"async"`` with more envs than cores falls back to sync with a warning, as SB3 runs one
    process per env.

    Example:
        >>> choose_vectorization("auto", num_envs=4, step_seconds=1e-5, cores=8)
        'sync'
        >>> choose_vectorization("auto", num_envs=4, step_seconds=1e-3, cores=8)
        'async'
    """
    if mode not in ("auto", "sync", "async"):
        raise ValueError(f"vectorization must be 'auto', 'sync' or 'async', got {mode!r}")
    if mode == "sync" or num_envs < 2:
        return "sync"
    if num_envs > cores:
        if mode == "async":
            warnings.warn(f"vectorization='async' would start {num_envs} processes on {cores} cores; "
                          "using 'sync' (use at most as many envs as cores for async)", stacklevel=3)
        return "sync"
    if mode == "async":
        return "async"
    return "async" if step_seconds is not None and step_seconds > EXPENSIVE_STEP_SECONDS else "sync"


class FlatDictExtractor(BaseFeaturesExtractor):
    """Flattens and concatenates every entry of a Dict observation (after SB3's one-hot encoding).

    SB3's default CombinedExtractor sends 3-D uint8 entries through NatureCNN, whose 8x8 kernels
    do not fit MiniGrid's 7x7 symbolic view; an MLP over the flat view is the usual choice there.

    Example:
        >>> space = spaces.Dict({"image": spaces.Box(0, 255, (7, 7, 3), np.uint8), "direction": spaces.Discrete(4)})
        >>> FlatDictExtractor(space).features_dim
        151
    """

    def __init__(self, observation_space: spaces.Dict) -> None:
        super().__init__(observation_space, features_dim=sum(get_flattened_obs_dim(s) for s in observation_space.spaces.values()))
        self._keys = list(observation_space.spaces)

    def forward(self, observations: dict[str, th.Tensor]) -> th.Tensor:
        return th.cat([observations[key].flatten(start_dim=1) for key in self._keys], dim=1)


def _numeric_view(env_fn: Callable[[], gym.Env], keys: list[str]) -> gym.Env:
    return FilterObservation(env_fn(), keys)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _probe(env_fn: Callable[[], gym.Env], time_steps: bool) -> tuple[str, spaces.Space, spaces.Space, float | None]:
    """Env id, spaces and (if asked) seconds per step of one throwaway env."""
    env = env_fn()
    try:
        env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        seconds = None
        if time_steps and isinstance(env.observation_space, (*_NUMERIC_SPACES, spaces.Dict)):
            env.reset(seed=0)
            steps, start = 0, time.perf_counter()
            while steps < 200 and time.perf_counter() - start < 0.1:
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                if terminated or truncated:
                    env.reset()
                steps += 1
            seconds = (time.perf_counter() - start) / steps
        return env_id, env.observation_space, env.action_space, seconds
    finally:
        env.close()


class _StopTraining(Exception):
    """Raised by the metrics callback between updates; SB3 callbacks can otherwise only stop mid-rollout."""


class _MetricsCallback(BaseCallback):
    """Feeds the episode tracker every env step and reports metrics after each update.

    Reports happen at the start of a rollout (on-policy: after every update; off-policy: once
    ``every`` env steps have passed) and at the end of training. A stop request raises
    :class:`_StopTraining` there, before any env is stepped, so ``num_timesteps``, the envs and
    the model's last observation stay consistent; ``on_step`` returning False would lose a step.
    """

    def __init__(self, backend: SB3Backend, on_update: UpdateCallback | None, every: int) -> None:
        super().__init__()
        self._backend = backend
        self._on_update = on_update
        self._every = every
        self._on_policy = backend.algo in ON_POLICY
        self._pending = False

    def _on_training_start(self) -> None:
        self._last_step, self._last_time = self.model.num_timesteps, time.perf_counter()

    def _on_step(self) -> bool:
        vecnorm = self._backend.vecnorm
        # VecNormalize hands the algorithm scaled rewards; episode returns must be the env's own
        rewards = vecnorm.get_original_reward() if vecnorm is not None and vecnorm.norm_reward else self.locals["rewards"]
        self._backend.tracker.step(np.asarray(rewards, dtype=np.float64), self.locals["dones"], self.locals["infos"])
        return True

    def _on_rollout_end(self) -> None:
        self._pending = self._on_policy  # an update follows every on-policy rollout

    def _on_rollout_start(self) -> None:
        due = self._pending if self._on_policy else self.model.num_timesteps - self._last_step >= self._every
        if due and self._report():
            raise _StopTraining

    def _on_training_end(self) -> None:
        if self._pending or (not self._on_policy and self.model.num_timesteps > self._last_step):
            self._report()

    def _report(self) -> bool:
        step, now = self.model.num_timesteps, time.perf_counter()
        metrics: dict[str, float] = {"global_step": step,
                                     "time/steps_per_s": (step - self._last_step) / max(now - self._last_time, 1e-9)}
        metrics.update(self._backend.tracker.pop())
        metrics.update(sb3_metrics(self.model.logger.name_to_value))
        self._last_step, self._last_time, self._pending = step, now, False
        return bool(self._on_update(metrics)) if self._on_update is not None else False


def sb3_metrics(logged: Mapping[str, Any]) -> dict[str, float]:
    """SB3 logger values under agentgym's names (:data:`LOSS_NAMES`, else ``sb3/<name>``).

    SB3's own episode and timing keys are left out: the backend computes those itself.

    Example:
        >>> sb3_metrics({"train/value_loss": 0.5, "train/clip_fraction": 0.1, "time/fps": 900})
        {'loss/value': 0.5, 'sb3/clip_fraction': 0.1}
    """
    out: dict[str, float] = {}
    for key, value in logged.items():
        if key.startswith(("time/", "rollout/ep_")) or not isinstance(value, (int, float, np.number)):
            continue
        # SB3 logs minus the entropy; the native PPO (and CleanRL) log the entropy itself.
        sign = -1.0 if key == "train/entropy_loss" else 1.0
        out[LOSS_NAMES.get(key, "sb3/" + key.removeprefix("train/"))] = sign * float(value)
    return out


class SB3Backend:
    """A Stable-Baselines3 algorithm over a vector of envs built from agentgym thunks.

    Args:
        env_fns: one thunk per sub-env (:func:`~agentgym.trainers.envs.make_env_fn`).
        algo: ``"PPO"``, ``"A2C"``, ``"DQN"``, ``"SAC"`` or ``"TD3"`` (any case).
        hyperparams: see :func:`translate_hyperparams`; unknown keys raise a ValueError.
        seed: seeds the model (torch, numpy, action space) and env ``i`` with ``seed + i``.
        device: torch device for the policy (``"auto"``: CUDA when available).
        vectorization: ``"sync"`` (DummyVecEnv), ``"async"`` (SubprocVecEnv) or ``"auto"``
            (see :func:`choose_vectorization`); the choice is in :attr:`vectorization`.
        log_every: off-policy algorithms report metrics every this many env steps (on-policy
            ones after every update).

    Dict observations (MiniGrid) get ``MultiInputPolicy`` with :class:`FlatDictExtractor`;
    text entries of a Dict observation are dropped with a warning. Box observations get
    ``MlpPolicy``. Saved checkpoints hold the weights, optimizer, normalizer statistics and
    ``global_step``; not the replay buffer, and RNG streams restart from ``seed + global_step``.

    Example:
        >>> from agentgym.trainers.envs import make_env_fn
        >>> backend = SB3Backend([make_env_fn("CartPole-v1", seed=0)], "dqn", {"learning_starts": 10}, seed=0)
        >>> backend.policy_name, backend.vectorization
        ('MlpPolicy', 'sync')
        >>> backend.close()
    """

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], algo: str, hyperparams: Mapping[str, Any] | None = None,
                 *, seed: int, device: str = "auto", vectorization: str = "auto", log_every: int = 1000) -> None:
        if not env_fns:
            raise ValueError("env_fns is empty: give one thunk per sub-env")
        self.algo = algo_name(algo)
        self.seed = int(seed)
        self.device = device
        self.log_every = int(log_every)
        cores = _cpu_count()
        wants_timing = vectorization == "auto" and 1 < len(env_fns) <= cores
        env_id, obs_space, action_space, step_seconds = _probe(env_fns[0], wants_timing)
        self.env_id = env_id

        env_fns = self._numeric_observations(list(env_fns), obs_space)
        fits = ACTION_SPACES[self.algo]
        if not isinstance(action_space, fits):
            kind = type(action_space).__name__
            fitting = [a.upper() for a, ok in ACTION_SPACES.items() if isinstance(action_space, ok)]
            raise ValueError(f"SB3 {self.algo.upper()} cannot act in {env_id}'s action space {action_space} "
                             f"({kind}); algos that fit {kind} actions: {', '.join(fitting) or 'none'}")
        model_kwargs, vecnorm_kwargs = translate_hyperparams(self.algo, hyperparams or {}, num_envs=len(env_fns),
                                                             action_space=action_space)

        self.vectorization = choose_vectorization(vectorization, num_envs=len(env_fns), step_seconds=step_seconds,
                                                  cores=cores)
        self._venv: VecEnv = SubprocVecEnv(env_fns) if self.vectorization == "async" else DummyVecEnv(env_fns)
        self._vecnorm_kwargs = vecnorm_kwargs
        dict_obs = isinstance(self._venv.observation_space, spaces.Dict)
        self.policy_name = "MultiInputPolicy" if dict_obs else "MlpPolicy"
        if dict_obs:
            # agentgym images are symbolic codes (object, colour, state <= 10): dividing by 255 hides them
            model_kwargs["policy_kwargs"] = {"features_extractor_class": FlatDictExtractor, "normalize_images": False,
                                             **model_kwargs.get("policy_kwargs", {})}
        try:
            self.vecnorm = self._make_vecnorm(self._venv) if vecnorm_kwargs else None
            self.model: BaseAlgorithm = ALGOS[self.algo](self.policy_name, self.vecnorm or self._venv, seed=self.seed,
                                                         device=device, verbose=0, **model_kwargs)
        except Exception:  # a bad SB3 argument value: do not leave worker processes behind
            self._venv.close()
            raise
        self.tracker = EpisodeTracker(self._venv.num_envs)

    @property
    def global_step(self) -> int:
        """Env steps so far, all envs together (SB3's ``num_timesteps``)."""
        return int(self.model.num_timesteps)

    @property
    def num_envs(self) -> int:
        return self._venv.num_envs

    def _numeric_observations(self, env_fns: list[Callable[[], gym.Env]], obs_space: spaces.Space) -> list[Callable[[], gym.Env]]:
        """The thunks, wrapped to drop non-numeric Dict entries (a MiniGrid mission string)."""
        if isinstance(obs_space, _NUMERIC_SPACES):
            return env_fns
        keys = [k for k, s in obs_space.spaces.items() if isinstance(s, _NUMERIC_SPACES)] if isinstance(obs_space, spaces.Dict) else []
        if not keys:
            kinds = ({k: type(s).__name__ for k, s in obs_space.spaces.items()} if isinstance(obs_space, spaces.Dict)
                     else type(obs_space).__name__)
            raise ValueError(f"SB3 policies need numeric observations (Box, Discrete, or a Dict of them); {self.env_id} "
                             f"observes {kinds}. Text envs train with the LLM trainers.")
        dropped = [k for k in obs_space.spaces if k not in keys]
        if dropped:
            warnings.warn(f"{self.env_id}: SB3 ignores the non-numeric observation entries {dropped}", stacklevel=3)
            return [partial(_numeric_view, fn, keys) for fn in env_fns]
        return env_fns

    def _make_vecnorm(self, venv: VecEnv) -> VecNormalize:
        space = venv.observation_space
        # VecNormalize only scales Box entries; Discrete ones (MiniGrid's direction) stay one-hot
        keys = [k for k, s in space.spaces.items() if isinstance(s, spaces.Box)] if isinstance(space, spaces.Dict) else None
        return VecNormalize(venv, norm_obs_keys=keys, **self._vecnorm_kwargs)

    def learn(self, total_steps: int, on_update: UpdateCallback | None = None) -> None:
        """Train until ``global_step >= total_steps`` (rounded up to whole rollouts) or ``on_update`` returns True.

        Calling again continues from the current step with the same envs and episode tracker.
        """
        remaining = int(total_steps) - self.global_step
        if remaining <= 0:
            return
        callback = _MetricsCallback(self, on_update, self.log_every)
        try:
            # log_interval=None: SB3 never clears its logger, so the callback reads the latest losses
            self.model.learn(remaining, callback=callback, reset_num_timesteps=False, log_interval=None)  # type: ignore[arg-type]
        except _StopTraining:
            pass

    def _paths(self, path: Path) -> tuple[Path, Path]:
        path = Path(path)
        return path.with_suffix(".zip"), path.with_suffix(".vecnorm.pkl")

    def save(self, path: Path) -> None:
        """Write ``path.zip`` (weights, optimizer, ``global_step``) and ``path.vecnorm.pkl`` (normalizer stats, if any)."""
        model_path, vecnorm_path = self._paths(path)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        self.model.save(model_path)
        if self.vecnorm is not None:
            self.vecnorm.save(str(vecnorm_path))

    def load(self, path: Path) -> None:
        """Restore what :meth:`save` wrote into this backend's envs; the envs restart their episodes."""
        model_path, vecnorm_path = self._paths(path)
        if not model_path.is_file():
            raise FileNotFoundError(f"no SB3 checkpoint at {model_path}")
        if self.vecnorm is not None and not vecnorm_path.is_file():
            raise FileNotFoundError(f"{model_path} was saved without normalizer stats ({vecnorm_path}), "
                                    "but this backend normalizes (norm_obs / norm_reward)")
        env: VecEnv = self._venv
        if self.vecnorm is not None:
            env = self.vecnorm = VecNormalize.load(str(vecnorm_path), self._venv)
        self.model = ALGOS[self.algo].load(model_path, env=env, device=self.device)
        # SB3 does not save RNG states: restart them deterministically, distinct from the first run's
        self.model.set_random_seed(self.seed + self.global_step)
        self.tracker = EpisodeTracker(self.num_envs)

    def predict(self, obs: Any, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of raw observations (normalized here if the backend normalizes)."""
        if self.vecnorm is not None and self.vecnorm.norm_obs:
            obs = self.vecnorm.normalize_obs(obs)
        actions, _ = self.model.predict(obs, deterministic=deterministic)
        return np.asarray(actions)

    def close(self) -> None:
        """Close the envs (and their worker processes)."""
        self._venv.close()
