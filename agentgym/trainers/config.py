"""Training configuration: per-family defaults, overridden by a YAML/TOML file, overridden by flags.

The effective configuration is a :class:`TrainConfig`; it is saved as ``config.json`` in the
run folder, so a run can be resumed, evaluated and reproduced from the folder alone.

Example:
    >>> cfg = resolve_config("agentgym/MiniGrid-DoorKey-5x5-v0", overrides={"seed": 3})
    >>> cfg.family, cfg.algo, cfg.seed, cfg.hyperparams["num_steps"]
    ('minigrid', 'ppo', 3, 128)
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentgym.core.records import unknown_fields

#: Native PPO defaults per env family. Tuned on this project's 2-core CI machine.
PPO_DEFAULTS: dict[str, dict[str, Any]] = {
    "default": {},
    # DoorKey-5x5 solved (mean return >= 0.9) in ~60k frames with 8 envs.
    "minigrid": {"num_steps": 128, "learning_rate": 1e-3, "ent_coef": 0.01, "gamma": 0.99,
                 "num_minibatches": 4, "update_epochs": 4},
    # CleanRL's continuous-control settings (2048 steps per update), spread over 4 envs.
    "mujoco": {"num_steps": 512, "learning_rate": 3e-4, "ent_coef": 0.0, "gamma": 0.99,
               "gae_lambda": 0.95, "num_minibatches": 32, "update_epochs": 10, "norm_obs": True,
               "norm_reward": True},
}
#: Run-level defaults per family: environment count and step budget.
RUN_DEFAULTS: dict[str, dict[str, Any]] = {
    "default": {"num_envs": 8, "steps": 100_000},
    # Argmax policies loop forever in grid worlds (turning in place); sampled actions do not.
    "minigrid": {"num_envs": 8, "steps": 100_000, "eval_deterministic": False},
    "mujoco": {"num_envs": 4, "steps": 1_000_000},
}
ALGOS = ("ppo", "sb3:PPO", "sb3:A2C", "sb3:DQN", "sb3:SAC", "sb3:TD3")


@dataclass
class TrainConfig:
    """Everything a run needs; saved as the run folder's ``config.json``.

    Attributes:
        env_id: a registered env id (agentgym ids may omit the ``agentgym/`` namespace).
        algo: ``ppo`` (native) or ``sb3:PPO|A2C|DQN|SAC|TD3``.
        steps: total env steps (all envs together).
        seed: seeds torch, numpy and the envs (env i gets seed + i).
        num_envs: parallel envs.
        device: ``auto``, ``cpu`` or ``cuda``.
        vectorization: ``auto`` (by env cost), ``sync`` or ``async``.
        reward_code: path of a ``compute_reward`` file (copied into the run folder), or None.
        reward_mode: ``replace`` or ``add`` the env reward.
        intrinsic: the intrinsic reward's settings (e.g. ``{"kind": "llm-feedback", ...}``), or None.
        env_kwargs: keyword arguments for ``gym.make``.
        checkpoint_every: env steps between checkpoints.
        keep_checkpoints: how many of the newest checkpoints the run folder keeps (0: all of
            them, e.g. to evaluate a learning curve afterwards).
        eval_episodes: episodes of the evaluation at the end of training (0: none).
        eval_seed: first seed of evaluation episodes (far from training seeds).
        eval_deterministic: evaluate with the most likely action (True) or sampled actions.
        credit: step credit from the env's progress (``none``, ``pbrs`` or ``progress``; see
            :class:`agentgym.trainers.rewards.ProgressCredit`). The group methods (GiGPO, SALT, ...)
            need whole groups of episodes: the LLM trainer takes them.
        credit_coef: the weight of that credit.
        torch_threads: torch CPU threads (small policies run fastest on one; 0 keeps torch's default).
        hyperparams: the backend's hyperparameters (see ``PPOConfig`` or the SB3 backend).
        family: the env family the defaults came from.
    """

    env_id: str
    algo: str = "ppo"
    steps: int = 100_000
    seed: int = 0
    num_envs: int = 8
    device: str = "auto"
    vectorization: str = "auto"
    reward_code: str | None = None
    reward_mode: str = "replace"
    intrinsic: dict[str, Any] | None = None
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    checkpoint_every: int = 50_000
    keep_checkpoints: int = 3
    eval_episodes: int = 20
    eval_seed: int = 1_000_000
    eval_deterministic: bool = True
    hyperparams: dict[str, Any] = field(default_factory=dict)
    torch_threads: int = 1
    credit: str = "none"
    credit_coef: float = 1.0
    family: str = "default"

    def validate(self) -> None:
        algo_names = {a.lower(): a for a in ALGOS}
        if self.algo.lower() not in algo_names:
            raise ValueError(f"unknown algo {self.algo!r}; choose one of {', '.join(ALGOS)}")
        self.algo = algo_names[self.algo.lower()]
        for name in ("steps", "num_envs", "checkpoint_every"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.keep_checkpoints < 0:
            raise ValueError(f"keep_checkpoints must be >= 0 (0 keeps all), got {self.keep_checkpoints}")
        if self.eval_episodes < 0:
            raise ValueError(f"eval_episodes must be >= 0, got {self.eval_episodes}")
        if self.reward_mode not in ("replace", "add"):
            raise ValueError(f"reward_mode must be 'replace' or 'add', got {self.reward_mode!r}")
        if self.intrinsic is not None and self.algo != "ppo":
            raise ValueError(f"intrinsic rewards need the native PPO (algo ppo), not {self.algo}")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be auto, cpu or cuda[:N], got {self.device!r}")
        from .rewards import CLASSIC_CREDIT

        if self.credit not in CLASSIC_CREDIT:
            from agentgym.credit import METHODS

            hint = (" it needs whole groups of episodes of one task, which the LLM trainer (text envs) plays"
                    if self.credit in METHODS else "")
            raise ValueError(f"credit for a classic policy must be one of {', '.join(CLASSIC_CREDIT)}, got "
                             f"{self.credit!r};{hint or ' unknown method'}")
        if self.vectorization not in ("auto", "sync", "async"):
            raise ValueError(f"vectorization must be auto, sync or async, got {self.vectorization!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        unknown, known = unknown_fields(cls, data)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; valid keys: {known}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        return cls.from_dict(json.loads(path.read_text()))


def env_family(env_id: str) -> str:
    """The agentgym family of ``env_id`` (``default`` for other gymnasium envs)."""
    from agentgym.envs.registration import CATALOG

    entry = CATALOG.get(env_id)
    return entry.family if entry is not None and entry.family in RUN_DEFAULTS else "default"


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A YAML (``.yaml``/``.yml``) or TOML (``.toml``) file of TrainConfig keys; ``hyperparams`` nested."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    text = path.read_text()
    if path.suffix == ".toml":
        data = tomllib.loads(text)
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        raise ValueError(f"config file must be .yaml, .yml or .toml, got {path.name}")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping of config keys")
    return data


def default_hyperparams(algo: str, family: str) -> dict[str, Any]:
    """Per-family defaults: native PPO's tuned values; SB3 algorithms start from SB3's own."""
    if algo == "ppo":
        return dict(PPO_DEFAULTS.get(family, {}))
    return {}


def resolve_config(env_id: str, *, file: str | Path | None = None,
                   overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Family defaults, then the file's values, then ``overrides`` (flags); ``hyperparams`` merge key by key."""
    from agentgym.trainers.envs import resolve_any_env_id

    env_id = resolve_any_env_id(env_id)
    family = env_family(env_id)
    data: dict[str, Any] = {"env_id": env_id, "family": family, **RUN_DEFAULTS[family]}
    layers = [read_config_file(file) if file is not None else {}, dict(overrides or {})]
    hyper: dict[str, Any] = {}
    for layer in layers:
        hyper.update(layer.pop("hyperparams", None) or {})
        data.update({k: v for k, v in layer.items() if v is not None})
    data["env_id"], data["family"] = env_id, family
    algo = str(data.get("algo", "ppo"))
    data["hyperparams"] = {**default_hyperparams(algo.lower() if algo.lower() == "ppo" else algo, family), **hyper}
    cfg = TrainConfig.from_dict(data)
    cfg.validate()
    return cfg
