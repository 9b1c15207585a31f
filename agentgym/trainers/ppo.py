"""Proximal Policy Optimization (Schulman et al. 2017) over a vector of envs, CleanRL-style.

One update = a rollout of ``num_steps`` steps in every env, GAE advantages
(:func:`agentgym.credit.gae`, bootstrapping truncated episodes from ``V(final_obs)``), then
``update_epochs`` epochs of minibatch SGD on the clipped surrogate, the (clipped) value loss
and an entropy bonus. Implements the :class:`~agentgym.trainers.backend.Backend` interface.

Example:
    >>> from agentgym.trainers.envs import make_env_fn
    >>> fns = [make_env_fn("CartPole-v1", seed=0, index=i) for i in range(2)]
    >>> ppo = PPO(fns, PPOConfig(num_steps=16), seed=0)
    >>> seen = []
    >>> ppo.learn(64, on_update=lambda m: seen.append(m["global_step"]))
    >>> seen, ppo.predict(ppo.envs.reset(seed=0)[0]).shape
    ([32.0, 64.0], (2,))
    >>> ppo.close()
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agentgym.credit import gae

from .backend import UpdateCallback
from .episodes import EpisodeTracker
from .networks import ActorCritic, flatten_obs, normalizable_shapes, stack_obs, to_tensors
from .normalize import ObsNormalizer, RewardNormalizer
from .rewards import RolloutRewardLike
from .vector import VectorMode, make_vector_env

CHECKPOINT_FORMAT = 1
#: Config keys that shape the network or its inputs: a checkpoint only loads into a PPO that agrees.
ARCHITECTURE_KEYS = ("hidden_sizes", "activation", "norm_obs", "norm_reward")


@dataclass
class PPOConfig:
    """PPO hyperparameters (CleanRL's defaults). ``num_steps`` is per env and per update.

    Example:
        >>> PPOConfig.from_dict({"num_steps": 256, "hidden_sizes": [32, 32]}).hidden_sizes
        (32, 32)
        >>> PPOConfig.from_dict({"learnin_rate": 1e-3})
        Traceback (most recent call last):
        ...
        ValueError: unknown PPO option 'learnin_rate' (did you mean 'learning_rate'?)
    """

    num_steps: int = 128
    learning_rate: float = 2.5e-4
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    num_minibatches: int = 4
    update_epochs: int = 4
    norm_adv: bool = True
    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None
    norm_obs: bool = False
    norm_reward: bool = False
    clip_obs: float = 10.0
    clip_reward: float = 10.0
    hidden_sizes: tuple[int, ...] = field(default=(64, 64))
    activation: str = "tanh"
    adam_eps: float = 1e-5

    def __post_init__(self) -> None:
        self.hidden_sizes = tuple(int(h) for h in self.hidden_sizes)
        for name in ("num_steps", "num_minibatches", "update_epochs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"PPO option {name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.gamma <= 1.0 or not 0.0 <= self.gae_lambda <= 1.0:
            raise ValueError(f"gamma and gae_lambda must lie in [0, 1], got {self.gamma}, {self.gae_lambda}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PPOConfig:
        """A config from a mapping (a config file's section); unknown keys are an error."""
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
                raise ValueError(f"unknown PPO option {key!r} ({hint})")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists, not tuples), ready for JSON or YAML."""
        out = dataclasses.asdict(self)
        out["hidden_sizes"] = list(self.hidden_sizes)
        return out


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` is CUDA when available, else the CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@dataclass
class Rollout:
    """One update's experience, every tensor shaped (num_steps, num_envs, ...)."""

    obs: dict[str, torch.Tensor]
    actions: torch.Tensor
    logprobs: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    next_values: torch.Tensor  # V(s_{t+1}) of the state reached: V(final_obs) at a truncation
    terminated: torch.Tensor
    truncated: torch.Tensor


class PPO:
    """PPO with a CleanRL actor-critic over the envs the thunks build.

    Args:
        env_fns: one thunk per env (:func:`~agentgym.trainers.envs.make_env_fn`).
        config: hyperparameters (a :class:`PPOConfig` or a mapping for :meth:`PPOConfig.from_dict`).
        seed: seeds torch, numpy, the envs' first reset (env ``i`` gets ``seed + i``).
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ...
        vectorization: ``"auto"``, ``"sync"`` or ``"async"`` (see :func:`~agentgym.trainers.vector.make_vector_env`).
        envs_per_worker: for async vectorization.
        torch_threads: torch's CPU threads (process-wide), set when training on the CPU; None
            leaves torch's setting alone. One by default: these small networks gain nothing from
            intra-op threads, and two threads competing with the env for two cores made PPO
            ~30x slower on CartPole.
        reward: rewards computed a rollout at a time outside the envs (sandboxed reward code, an
            intrinsic reward; see :mod:`agentgym.trainers.rewards`): any object with that protocol.
    """

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], config: PPOConfig | Mapping[str, Any] | None = None,
                 *, seed: int = 0, device: str | torch.device = "auto", vectorization: VectorMode = "auto",
                 envs_per_worker: int | None = None, torch_threads: int | None = 1,
                 reward: RolloutRewardLike | None = None) -> None:
        self.config = config if isinstance(config, PPOConfig) else PPOConfig.from_dict(config or {})
        cfg = self.config
        self.seed = seed
        self.device = resolve_device(device)
        if self.device.type == "cpu" and torch_threads is not None:
            torch.set_num_threads(torch_threads)
        # Own generators (not torch's global one), so that two trainers in a process do not
        # perturb each other: one for action sampling, one for minibatch shuffling.
        self.generator = torch.Generator(self.device).manual_seed(seed)
        self.rng = np.random.default_rng(seed)

        self.envs = make_vector_env(env_fns, vectorization, envs_per_worker)
        self.num_envs = self.envs.num_envs
        self.obs_space = self.envs.single_observation_space
        self.action_space = self.envs.single_action_space
        self.action_space.seed(seed)
        self.batch_size = self.num_envs * cfg.num_steps
        if self.batch_size % cfg.num_minibatches:
            self.envs.close()
            raise ValueError(f"num_envs * num_steps = {self.batch_size} is not divisible by "
                             f"num_minibatches = {cfg.num_minibatches}")
        self.minibatch_size = self.batch_size // cfg.num_minibatches

        try:
            with torch.random.fork_rng(devices=[]):  # seeded initialization, global RNG untouched
                torch.manual_seed(seed)
                self.agent = ActorCritic(self.obs_space, self.action_space, cfg.hidden_sizes, cfg.activation)
        except ValueError:
            self.envs.close()
            raise
        self.agent.to(self.device)
        # The fused kernel does Adam's per-parameter arithmetic in one call: ~30% less optimizer time
        # on small CPU networks, where hundreds of minibatch steps per update are the bottleneck.
        self._params = list(self.agent.parameters())
        self.optimizer = torch.optim.Adam(self._params, lr=cfg.learning_rate, eps=cfg.adam_eps, fused=True)
        self.obs_normalizer = ObsNormalizer(normalizable_shapes(self.obs_space), cfg.clip_obs) if cfg.norm_obs else None
        self.reward_normalizer = RewardNormalizer(self.num_envs, cfg.gamma, cfg.clip_reward) if cfg.norm_reward else None

        self.reward = reward
        self.global_step = 0
        self.updates = 0
        self.tracker = EpisodeTracker(self.num_envs)
        self._next_obs: dict[str, torch.Tensor] | None = None  # None: reset the envs before the next rollout
        self._reset_seed = seed

    # ------------------------------------------------------------------ training

    def learn(self, total_steps: int, on_update: UpdateCallback | None = None) -> None:
        """Train until ``global_step >= total_steps`` or ``on_update`` returns True.

        The learning rate anneals linearly from ``learning_rate`` at step 0 to 0 at
        ``total_steps``, so a resumed run (``global_step > 0``) continues the same schedule.
        """
        cfg = self.config
        if self._next_obs is None:
            obs, infos = self.envs.reset(seed=self._reset_seed)
            if self.reward is not None:
                self.reward.reset(infos)
            self._next_obs = self._observe(obs, update=cfg.norm_obs)
        start_time, start_step = time.perf_counter(), self.global_step
        while self.global_step < total_steps:
            lr = cfg.learning_rate * (1.0 - self.global_step / total_steps) if cfg.anneal_lr else cfg.learning_rate
            for group in self.optimizer.param_groups:
                group["lr"] = lr

            rollout = self._collect_rollout()
            advantages, returns = gae(rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
                                      rollout.truncated, gamma=cfg.gamma, lam=cfg.gae_lambda)
            losses = self._update(rollout, advantages, returns)
            self.updates += 1

            metrics = {
                "global_step": float(self.global_step),
                "update": float(self.updates),
                "time/steps_per_s": (self.global_step - start_step) / (time.perf_counter() - start_time),
                "lr": lr,
                **self.tracker.pop(),
                **losses,
            }
            if self.reward is not None and hasattr(self.reward, "metrics"):
                metrics.update(self.reward.metrics())
            if on_update is not None and on_update(metrics):
                break

    def _collect_rollout(self) -> Rollout:
        """Step every env ``num_steps`` times with the current policy."""
        assert self._next_obs is not None
        T, N = self.config.num_steps, self.num_envs
        # Per-step pieces go into lists and are stacked once at the end: one copy per buffer
        # instead of one indexed write per buffer and step.
        obs: dict[str, list[torch.Tensor]] = {k: [] for k in self._next_obs}
        actions, logprobs, values = [], [], []
        rewards = np.zeros((T, N), dtype=np.float32)
        terminated, truncated = np.zeros((T, N), dtype=bool), np.zeros((T, N), dtype=bool)
        final_values = torch.zeros((T, N), device=self.device)
        deferred: list[tuple[np.ndarray, dict[str, Any]]] = []  # (dones, infos) awaiting their rewards

        for step in range(T):
            for key, value in self._next_obs.items():
                obs[key].append(value)
            with torch.inference_mode():
                action, logprob, _, value = self.agent.act(self._next_obs, generator=self.generator)
            actions.append(action)
            logprobs.append(logprob)
            values.append(value)

            env_action = self._to_env(action)
            raw_obs, reward, term, trunc, infos = self.envs.step(env_action)
            self.global_step += N
            if self.reward is not None:  # rewards come at the end of the rollout, all in one call
                self.reward.record(env_action, term | trunc, infos)
                deferred.append((term | trunc, infos))
                rewards[step] = reward
            else:
                rewards[step] = self._account(reward, term | trunc, infos)
            terminated[step], truncated[step] = term, trunc
            self._next_obs = self._observe(raw_obs, update=self.config.norm_obs)

            # A time limit is not a terminal state: bootstrap from the value of the final observation
            # (the vector env has already reset that env, so raw_obs holds the next episode's start).
            cut = np.flatnonzero(trunc & ~term)
            if len(cut):
                final = stack_obs([infos["final_obs"][i] for i in cut], self.obs_space)
                with torch.inference_mode():
                    final_values[step, cut] = self.agent.value(self._tensors(final))

        if self.reward is not None:
            shaped, components = self.reward.flush(rewards)
            for step, (dones, infos) in enumerate(deferred):
                rewards[step] = self._account(shaped[step], dones, infos, {k: v[step] for k, v in components.items()})

        with torch.inference_mode():
            last_value = self.agent.value(self._next_obs)
        # inference-mode tensors cannot enter autograd; clone them out of it once, here
        values_t = torch.stack(values).clone()
        truncated_t = torch.as_tensor(truncated, device=self.device)
        next_values = torch.cat([values_t[1:], last_value.clone().unsqueeze(0)])
        next_values = torch.where(truncated_t, final_values, next_values)
        return Rollout({k: torch.stack(v).clone() for k, v in obs.items()}, torch.stack(actions).clone(),
                       torch.stack(logprobs).clone(), values_t, torch.as_tensor(rewards, device=self.device),
                       next_values, torch.as_tensor(terminated, device=self.device), truncated_t)

    def _account(self, reward: np.ndarray, dones: np.ndarray, infos: dict[str, Any],
                 components: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Episode stats (in the reward's own units), then the reward as training sees it (normalized)."""
        self.tracker.step(reward, dones, infos, components)
        if self.reward_normalizer is not None:
            reward = self.reward_normalizer(reward, dones)
        return reward

    def _update(self, rollout: Rollout, advantages: torch.Tensor, returns: torch.Tensor) -> dict[str, float]:
        """``update_epochs`` epochs of minibatch SGD on the PPO loss; returns the last epoch's stats."""
        cfg = self.config
        b_obs = {k: v.reshape(self.batch_size, *v.shape[2:]) for k, v in rollout.obs.items()}
        b_actions = rollout.actions.reshape(self.batch_size, *rollout.actions.shape[2:])
        b_logprobs, b_values = rollout.logprobs.reshape(-1), rollout.values.reshape(-1)
        b_advantages, b_returns = advantages.reshape(-1), returns.reshape(-1)

        indices = np.arange(self.batch_size)
        num_mb, mb_size = cfg.num_minibatches, self.minibatch_size
        clipfracs: list[torch.Tensor] = []
        epochs = 0
        for _epoch in range(cfg.update_epochs):
            epochs += 1
            self.rng.shuffle(indices)
            # Gather the whole batch in this epoch's order once; minibatches are then cheap slices.
            perm = torch.as_tensor(indices, device=self.device)
            e_obs = {k: v[perm] for k, v in b_obs.items()}
            e_actions, e_logprobs, e_values = b_actions[perm], b_logprobs[perm], b_values[perm]
            e_advantages, e_returns = b_advantages[perm], b_returns[perm]
            if cfg.norm_adv and mb_size > 1:
                # Every minibatch's advantages normalized by its own mean and std, all in one go.
                rows = e_advantages.view(num_mb, mb_size)
                e_advantages = ((rows - rows.mean(1, keepdim=True)) / (rows.std(1, keepdim=True) + 1e-8)).view(-1)
            logratios: list[torch.Tensor] = []
            for start in range(0, self.batch_size, mb_size):
                mb = slice(start, start + mb_size)
                _, newlogprob, entropy, newvalue = self.agent.act({k: v[mb] for k, v in e_obs.items()}, e_actions[mb])
                logratio = newlogprob - e_logprobs[mb]
                ratio = logratio.exp()
                logratios.append(logratio.detach())

                # Clipped surrogate: the pessimistic bound of the ratio-weighted advantage.
                mb_advantages = e_advantages[mb]
                pg_loss1 = -mb_advantages * ratio
                pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - cfg.clip_coef, 1 + cfg.clip_coef)
                pg_loss = torch.max(pg_loss1, pg_loss2).mean()

                if cfg.clip_vloss:
                    v_loss_unclipped = (newvalue - e_returns[mb]) ** 2
                    v_clipped = e_values[mb] + torch.clamp(newvalue - e_values[mb], -cfg.clip_coef, cfg.clip_coef)
                    v_loss_clipped = (v_clipped - e_returns[mb]) ** 2
                    v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
                else:
                    v_loss = 0.5 * ((newvalue - e_returns[mb]) ** 2).mean()

                entropy_loss = entropy.mean()
                loss = pg_loss - cfg.ent_coef * entropy_loss + cfg.vf_coef * v_loss

                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self._params, cfg.max_grad_norm, foreach=True)
                self.optimizer.step()

            # Diagnostics once per epoch (not per minibatch): clip fraction over all minibatches,
            # KL estimates of the last one (what the target-KL early stop looks at, as in CleanRL).
            with torch.no_grad():
                epoch_logratio = torch.stack(logratios)
                clipfracs.append(((epoch_logratio.exp() - 1.0).abs() > cfg.clip_coef).float().mean())
                logratio = epoch_logratio[-1]
                old_approx_kl = (-logratio).mean()
                approx_kl = ((logratio.exp() - 1) - logratio).mean()  # Schulman's low-variance k3 estimator
            if cfg.target_kl is not None and approx_kl.item() > cfg.target_kl:
                break

        var_returns = b_returns.var().item()
        explained_var = float("nan") if var_returns == 0 else 1 - (b_returns - b_values).var().item() / var_returns
        stats = {
            "loss/policy": pg_loss.item(),
            "loss/value": v_loss.item(),
            "loss/entropy": entropy_loss.item(),
            "stats/approx_kl": approx_kl.item(),
            "stats/old_approx_kl": old_approx_kl.item(),
            "stats/clipfrac": torch.stack(clipfracs).mean().item(),
            "stats/explained_variance": explained_var,
            "stats/epochs": float(epochs),
        }
        if self.agent.continuous:
            stats["stats/action_std"] = self.agent.log_std.exp().mean().item()
        return stats

    # ------------------------------------------------------------------ observations and actions

    def _observe(self, obs: Any, update: bool = False) -> dict[str, torch.Tensor]:
        """A vector env's observation batch as normalized tensors (``update`` folds it into the stats)."""
        return self._tensors(flatten_obs(obs, self.obs_space), update)

    def _tensors(self, flat: dict[str, np.ndarray], update: bool = False) -> dict[str, torch.Tensor]:
        if self.obs_normalizer is not None:
            flat = self.obs_normalizer(flat, update=update)
        return to_tensors(flat, self.obs_space, self.device)

    def _to_env(self, action: torch.Tensor) -> np.ndarray:
        """Actions as the env takes them; Gaussian samples are clipped to the bounds only here."""
        out = action.cpu().numpy()
        if self.agent.continuous:
            return np.clip(out, self.action_space.low, self.action_space.high).astype(self.action_space.dtype)
        return out

    def predict(self, obs: Any, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of observations (as a vector env returns them), normalized as in training.

        ``deterministic`` takes the Gaussian's mean or the most likely discrete action.
        """
        with torch.no_grad():
            tensors = self._observe(obs, update=False)
            action = self.agent.mode(tensors) if deterministic else self.agent.act(tensors, generator=self.generator)[0]
        return self._to_env(action)

    # ------------------------------------------------------------------ checkpoints

    def save(self, path: Path | str) -> None:
        """Write weights, optimizer, normalizers, counters, config and RNG states (atomically)."""
        path = Path(path)
        state = {
            "format": CHECKPOINT_FORMAT,
            "model": self.agent.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "obs_normalizer": self.obs_normalizer.state_dict() if self.obs_normalizer else None,
            "reward_normalizer": self.reward_normalizer.state_dict() if self.reward_normalizer else None,
            "global_step": self.global_step,
            "updates": self.updates,
            "seed": self.seed,
            "config": self.config.to_dict(),
            "rng": {"torch": self.generator.get_state(), "numpy": self.rng.bit_generator.state},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)  # a crash mid-write never leaves a truncated checkpoint behind

    def load(self, path: Path | str) -> None:
        """Restore :meth:`save`'s state; the envs restart with a seed derived from (seed, global_step)."""
        state = torch.load(Path(path), map_location=self.device, weights_only=True)
        saved = state["config"]
        mismatched = [k for k in ARCHITECTURE_KEYS if PPOConfig.from_dict(saved).to_dict()[k] != self.config.to_dict()[k]]
        if mismatched:
            diffs = ", ".join(f"{k}: checkpoint {saved[k]!r} vs {self.config.to_dict()[k]!r}" for k in mismatched)
            raise ValueError(f"checkpoint {path} does not fit this PPO's config ({diffs})")
        self.agent.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.obs_normalizer is not None:
            self.obs_normalizer.load_state_dict(state["obs_normalizer"])
        if self.reward_normalizer is not None:
            self.reward_normalizer.load_state_dict(state["reward_normalizer"])
        self.global_step, self.updates = int(state["global_step"]), int(state["updates"])
        self.generator.set_state(state["rng"]["torch"].cpu())
        self.rng.bit_generator.state = state["rng"]["numpy"]
        # The last observations are not saved: restart every env, with seeds no earlier run used.
        self._reset_seed = int(np.random.SeedSequence([self.seed, self.global_step]).generate_state(1)[0] >> 1)
        self._next_obs = None
        self.tracker = EpisodeTracker(self.num_envs)

    def close(self) -> None:
        """Close the envs (and their worker processes), and the rollout reward's resources."""
        self.envs.close()
        if self.reward is not None and hasattr(self.reward, "close"):
            self.reward.close()
