"""Multi-turn GRPO, RLOO and PPO for LLM policies on any agentgym text env.

One update:

1. draw ``tasks_per_step`` task seeds (from the train split) and play each ``group_size`` times
   with the current policy (:func:`~.rollout.collect_episodes`: batched generation across all
   episodes each turn, token ids and log-probs kept exactly as sampled);
2. advantages from :mod:`agentgym.credit`: GRPO (group mean, optionally over the group std) or
   RLOO (leave-one-out) of each episode's return, given to every token the policy sampled in
   that episode; PPO: a value head on the hidden state of each turn's last prompt token and GAE
   over turns (:func:`~agentgym.credit.turn_gae`);
3. ``epochs`` passes of the clipped surrogate (:func:`~.losses.policy_loss`) over every turn's
   response tokens (prompt tokens carry no loss), accumulated over micro-batches and scaled so
   that the aggregation (token mean or sequence mean) is over the whole batch; optional KL to the
   initial policy (k1/k2/k3); one optimizer step per pass.

The run folder holds ``config.json`` (``kind: llm``), ``metrics.jsonl`` and ``tb/``,
``transcripts/`` (sample episodes every ``transcripts_every`` updates), ``checkpoints/step_N/``
(the weights or the LoRA adapter, the value head, the optimizer and the update count),
``status.json`` and ``eval.json``. Resuming from a checkpoint continues identically: task seeds,
sampling seeds and minibatch order derive from ``(seed, update)``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentgym import credit
from agentgym.core.records import unknown_fields
from agentgym.core.trajectory import Trajectory

from .prompting import PromptConfig
from .rollout import EpisodeBatch, accepts_split, collect_episodes, evaluate_llm, render_transcript
from .types import Episode, SamplingConfig

logger = logging.getLogger(__name__)

ALGOS = ("grpo", "rloo", "ppo")
CONFIG_FILE = "config.json"


class LLMTrainError(RuntimeError):
    """A bad configuration, or a run folder that cannot be used or resumed."""


@dataclass
class LLMTrainConfig:
    """Settings of an LLM-policy run (``agentgym train --env TEXT_ENV --algo grpo|rloo|ppo``).

    ``steps`` counts policy updates; each plays ``tasks_per_step * group_size`` episodes.
    """

    env_id: str
    algo: str = "grpo"
    model: str = "smollm2"
    steps: int = 20
    group_size: int = 8
    tasks_per_step: int = 2
    seed: int = 0
    learning_rate: float = 2e-6
    weight_decay: float = 0.0
    lora_r: int = 0  # 0: full fine-tuning
    lora_alpha: int = 32
    train_layers: int = 0  # train only the top N transformer blocks (0: all); the rest stay frozen
    kl_coef: float = 0.0
    kl_kind: str = "k3"
    clip_low: float = 0.2
    clip_high: float = 0.2
    aggregation: str = "token-mean"
    normalize_std: bool = True  # GRPO: divide by the group std (False: Dr. GRPO)
    epochs: int = 1
    micro_batch: int = 8
    max_grad_norm: float = 1.0
    temperature: float = 1.0
    max_new_tokens: int = 48
    max_turns: int | None = None
    history_turns: int = 2
    action_format: str = "tag"
    format_penalty: float = -0.1
    match_admissible: bool = False  # send the admissible action a reply names inside other words
    invalid_penalty: float = 0.0  # reward of a turn the env rejected as invalid
    example_turn: bool = True  # show a made-up well-formed exchange before each episode's turns
    constrain_actions: bool = False  # decode only admissible actions (PromptConfig.constrain_to_admissible)
    gamma: float = 1.0  # PPO: discount over turns
    lam: float = 0.95  # PPO: GAE lambda over turns
    vf_coef: float = 0.5
    eval_episodes: int = 20
    transcripts_every: int = 5
    checkpoint_every: int = 5
    keep_checkpoints: int = 2
    device: str = "auto"
    dtype: str = "auto"
    gradient_checkpointing: bool = False
    reuse_frozen_states: bool = True  # with train_layers: run the frozen lower blocks once per sample, not per pass
    entropy_coef: float = 0.0  # add -entropy_coef * (mean entropy of the sampled tokens' distributions) to the loss
    time_budget_s: float | None = None  # stop after the update that passes this many seconds of training
    progress_shaping: float = 0.0  # add coef * (progress after - before) to each turn (env's info["progress"])
    credit: str = "none"  # per-turn credit: none | gigpo | salt | spa | prime | istar | pbrs | gra | progress
    credit_settings: dict[str, Any] = field(default_factory=dict)  # agentgym.credit.CreditConfig fields
    intrinsic: dict[str, Any] | None = None  # the intrinsic reward's settings (saved; see train_llm)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    kind: str = "llm"

    def validate(self) -> None:
        if self.algo not in ALGOS:
            raise LLMTrainError(f"algo must be one of {', '.join(ALGOS)} for an LLM policy, got {self.algo!r}")
        for name in ("steps", "group_size", "tasks_per_step", "epochs", "micro_batch", "max_new_tokens",
                     "checkpoint_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise LLMTrainError(f"{name} must be a positive integer, got {value!r}")
        if self.algo in ("grpo", "rloo") and self.group_size < 2:
            raise LLMTrainError(f"{self.algo} compares episodes within a group: group_size must be at least 2")
        if not self.temperature > 0:
            raise LLMTrainError("training samples from the policy: temperature must be > 0")
        if not self.learning_rate > 0:
            raise LLMTrainError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.kl_kind not in ("k1", "k2", "k3"):
            raise LLMTrainError(f"kl_kind must be k1, k2 or k3, got {self.kl_kind!r}")
        from .losses import AGGREGATIONS

        if self.aggregation not in AGGREGATIONS:
            raise LLMTrainError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {self.aggregation!r}")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise LLMTrainError(f"time_budget_s must be > 0 (or None), got {self.time_budget_s}")
        if self.lora_r < 0 or self.train_layers < 0 or self.kl_coef < 0 or self.eval_episodes < 0 or self.keep_checkpoints < 0 \
                or self.entropy_coef < 0:
            raise LLMTrainError("lora_r, train_layers, kl_coef, entropy_coef, eval_episodes and keep_checkpoints "
                                "must be >= 0")
        _ = self.prompt  # PromptConfig checks its own fields
        try:
            self.credit_config().validate()
        except ValueError as exc:
            raise LLMTrainError(str(exc)) from None
        if self.algo == "ppo" and self.credit in ("gigpo", "salt"):
            raise LLMTrainError(f"--credit {self.credit} compares the episodes of a group: use --algo grpo or rloo "
                                f"(with ppo, use a step-reward method: spa, prime, istar, pbrs, gra, progress)")

    def credit_config(self) -> credit.CreditConfig:
        """The credit method's settings: ``credit``, ``credit_settings``, and the algo's episode-level base."""
        settings = {"base": self.algo if self.algo in ("grpo", "rloo") else "grpo",
                    "normalize_std": self.normalize_std, **self.credit_settings, "method": self.credit}
        return credit.CreditConfig.from_dict(settings)

    @property
    def prompt(self) -> PromptConfig:
        return PromptConfig(history_turns=self.history_turns, action_format=self.action_format,  # type: ignore[arg-type]
                            format_penalty=self.format_penalty, match_admissible=self.match_admissible,
                            invalid_penalty=self.invalid_penalty, example_turn=self.example_turn,
                            constrain_to_admissible=self.constrain_actions)

    def train_env_kwargs(self) -> dict[str, Any]:
        """The env kwargs of training: the train split where the env has splits."""
        kwargs = dict(self.env_kwargs)
        if accepts_split(self.env_id):
            kwargs.setdefault("split", "train")
        return kwargs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LLMTrainConfig:
        unknown, _ = unknown_fields(cls, data)
        if unknown:
            raise LLMTrainError(f"unknown LLM training settings: {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")


def is_llm_run(folder: str | Path) -> bool:
    """Whether ``folder`` is an LLM-policy run (its config says ``kind: llm``)."""
    path = Path(folder) / CONFIG_FILE
    try:
        return json.loads(path.read_text()).get("kind") == "llm"
    except (OSError, ValueError):
        return False


# ------------------------------------------------------------------------------------- the policy


class Policy:
    """The trained LM (optionally with LoRA adapters), its engine, its value head and the reference for KL."""

    def __init__(self, cfg: LLMTrainConfig) -> None:
        import torch

        from .engines import HFEngine
        from .losses import ValueHead
        from .models import apply_lora, enable_gradient_checkpointing, freeze_below, load_causal_lm, top_layers

        self.cfg = cfg
        self.loaded = load_causal_lm(cfg.model, device=cfg.device, dtype=cfg.dtype, for_training=True)
        model = self.loaded.model
        if cfg.lora_r > 0:
            model = apply_lora(model, r=cfg.lora_r, alpha=cfg.lora_alpha,
                               layers=top_layers(model, cfg.train_layers) if cfg.train_layers else None)
        elif cfg.train_layers:
            freeze_below(model, cfg.train_layers)
        if cfg.gradient_checkpointing:
            enable_gradient_checkpointing(model)
        self.model = model
        self.tokenizer = self.loaded.tokenizer
        self.pad_id = self.loaded.pad_id
        self.device = self.loaded.device
        self.engine = HFEngine(model, self.tokenizer, eos_ids=self.loaded.eos_ids, pad_id=self.pad_id,
                               name=f"hf:{self.loaded.name}")
        self.reference = None
        if cfg.kl_coef > 0 and cfg.lora_r == 0:  # with LoRA the reference is the base with adapters off
            import copy

            self.reference = copy.deepcopy(self.loaded.model).eval().requires_grad_(False)
        self.value_head = None
        params = [p for p in model.parameters() if p.requires_grad]
        if cfg.algo == "ppo":
            hidden = int(model.config.hidden_size)
            self.value_head = ValueHead(hidden).to(self.device)
            params += list(self.value_head.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.credit = make_credit(cfg, self)  # built from the initial weights (the implicit PRM copies them)
        # With the lower blocks frozen, the states entering the lowest trained block depend only on
        # the tokens: the rollout records them (the engine's block sink) and every training pass
        # runs the trained blocks alone from there (``skip_blocks``).
        self.frozen_blocks = 0
        self.states: dict[tuple[int, ...], Any] = {}
        if cfg.train_layers and cfg.reuse_frozen_states:
            from .models import decoder_layers

            below = len(decoder_layers(model)) - cfg.train_layers
            if below > 0 and self._states_reproduce_logprobs(below):
                self.frozen_blocks = below

    def _states_reproduce_logprobs(self, below: int) -> bool:
        """Whether running the upper blocks from recorded states gives a full pass's log-probs on this model."""
        import torch

        from .logprobs import block_inputs, sequence_logprobs

        prompt = [int(i) for i in self.tokenizer("Check the frozen blocks.")["input_ids"]][:8] or [self.pad_id]
        response = [int(i) for i in self.tokenizer(" They agree.")["input_ids"]][:4] or [self.pad_id]
        try:
            with torch.no_grad():
                full = sequence_logprobs(self.model, [prompt], [response], pad_id=self.pad_id)[0]
                states = block_inputs(self.model, [prompt], [response], below, pad_id=self.pad_id)
                upper = sequence_logprobs(self.model, [prompt], [response], pad_id=self.pad_id, block_inputs=states,
                                          skip=below)[0]
        except Exception as exc:  # an architecture whose blocks do not take the embeddings as they are
            logger.info("not reusing frozen-block states on %s: %s", self.loaded.name, exc)
            return False
        tolerance = 1e-3 if self.loaded.dtype == torch.float32 else 5e-2
        agree = bool(torch.allclose(full, upper, atol=tolerance))
        if not agree:
            logger.info("not reusing frozen-block states on %s: the log-probs differ", self.loaded.name)
        return agree

    @contextlib.contextmanager
    def recording_states(self) -> Iterator[None]:
        """During a training rollout: keep the frozen blocks' output of every generation for the update."""
        self.states.clear()
        if self.frozen_blocks:
            self.engine.block_sink = (self.frozen_blocks, self.states.__setitem__)
        try:
            yield
        finally:
            self.engine.block_sink = None

    def block_inputs_for(self, samples: list[Sample]) -> list[Any] | None:
        """The recorded frozen-block states of each sample (computed now for any the rollout did not record)."""
        if not self.frozen_blocks:
            return None
        from .logprobs import block_inputs

        keys = [tuple(s.prompt_ids) + tuple(s.response_ids[:-1]) for s in samples]
        missing = [i for i, key in enumerate(keys) if key not in self.states]
        for start in range(0, len(missing), self.cfg.micro_batch):
            chunk = [samples[i] for i in missing[start: start + self.cfg.micro_batch]]
            states = block_inputs(self.model, [s.prompt_ids for s in chunk], [s.response_ids for s in chunk],
                                  self.frozen_blocks, pad_id=self.pad_id)
            for i, row in zip(missing[start: start + self.cfg.micro_batch], states, strict=True):
                self.states[keys[i]] = row
        return [self.states[key] for key in keys]

    # ----------------------------------------------------------------------------- checkpoints
    def save(self, folder: Path, update: int) -> None:
        import torch

        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        from .models import quiet_transformers

        with quiet_transformers():
            self.model.save_pretrained(tmp / "model")  # a LoRA model writes only its adapter
        state: dict[str, Any] = {"update": update, "optimizer": self.optimizer.state_dict()}
        if self.value_head is not None:
            state["value_head"] = self.value_head.state_dict()
        if self.credit is not None:
            state["credit"] = self.credit.state_dict()
        torch.save(state, tmp / "trainer.pt")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def load(self, folder: Path) -> int:
        import torch

        model_dir = folder / "model"
        if self.cfg.lora_r > 0:
            from peft import set_peft_model_state_dict
            from peft.utils import load_peft_weights

            set_peft_model_state_dict(self.model, load_peft_weights(str(model_dir), device=self.device))
        else:
            from transformers import AutoModelForCausalLM

            from .models import quiet_transformers

            with quiet_transformers():
                saved = AutoModelForCausalLM.from_pretrained(model_dir, dtype=self.loaded.dtype)
            self.model.load_state_dict(saved.state_dict())
            del saved
        state = torch.load(folder / "trainer.pt", map_location=self.device, weights_only=False)
        self.optimizer.load_state_dict(state["optimizer"])
        if self.value_head is not None:
            self.value_head.load_state_dict(state["value_head"])
        if self.credit is not None and "credit" in state:
            self.credit.load_state_dict(state["credit"])
        return int(state["update"])

    # ----------------------------------------------------------------------------- forward passes
    def logprobs(self, prompts: list[list[int]], responses: list[list[int]], *, entropy: bool = False,
                 block_inputs: list[Any] | None = None, allowed: list[Any] | None = None) -> Any:
        from .logprobs import sequence_logprobs, sequence_logprobs_and_entropies

        upper: dict[str, Any] = {"allowed": allowed}
        if block_inputs is not None:
            upper.update(block_inputs=block_inputs, skip=self.frozen_blocks)
        if entropy:
            return sequence_logprobs_and_entropies(self.model, prompts, responses, self.cfg.temperature,
                                                   pad_id=self.pad_id, **upper)
        return sequence_logprobs(self.model, prompts, responses, self.cfg.temperature, pad_id=self.pad_id,
                                 **upper), None

    def reference_logprobs(self, prompts: list[list[int]], responses: list[list[int]],
                           allowed: list[Any] | None = None) -> list[Any]:
        import torch

        from .logprobs import sequence_logprobs

        with torch.no_grad():
            if self.reference is not None:
                return sequence_logprobs(self.reference, prompts, responses, self.cfg.temperature, pad_id=self.pad_id,
                                         allowed=allowed)
            with self.model.disable_adapter():
                return sequence_logprobs(self.model, prompts, responses, self.cfg.temperature, pad_id=self.pad_id,
                                         allowed=allowed)

    def values(self, prompts: list[list[int]]) -> Any:
        """The value head on the hidden state of each prompt's last token, shape (B,)."""
        import torch

        assert self.value_head is not None
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros_like(ids)
        for row, p in enumerate(prompts):
            ids[row, : len(p)] = torch.tensor(p)
            attention[row, : len(p)] = 1
        out = self.model(input_ids=ids.to(self.device), attention_mask=attention.to(self.device),
                         output_hidden_states=True, use_cache=False)
        last = torch.tensor([len(p) - 1 for p in prompts], device=self.device)
        return self.value_head(out.hidden_states[-1], last)


# --------------------------------------------------------------------------------------- the update


@dataclass
class Sample:
    """One turn as a training sample: its exact ids, rollout log-probs, advantage and (PPO) return."""

    prompt_ids: list[int]
    response_ids: list[int]
    old_logprobs: list[float]
    advantage: float
    ret: float = 0.0
    old_value: float = 0.0
    allowed: list[list[int]] | None = None  # constrained decoding: the allowed ids at each response token


def episodes_to_trajectories(episodes: list[Episode]) -> list[Trajectory]:
    """The core trajectory records of LLM episodes, as :mod:`agentgym.credit` reads them.

    A step per turn: the observation the turn answered, the action sent, the turn's reward; the
    info is the env's, plus ``valid_action`` (false for a reply the parser or the env rejected) and
    the turn's exact ``prompt_ids`` / ``response_ids``. The outcome is the episode's total reward.
    """
    out = []
    for e in episodes:
        traj = Trajectory(env_id=e.env_id, seed=e.seed, group_id=e.group_id, metadata={"outcome": e.total_reward})
        for k, turn in enumerate(e.turns):
            info = dict(turn.info)
            info["valid_action"] = bool(turn.format_ok and turn.info.get("valid_action", True))
            info["prompt_ids"], info["response_ids"] = turn.prompt_ids, turn.response_ids
            last = k == len(e.turns) - 1
            traj.append(turn.observation, turn.action, turn.reward, terminated=last and e.terminated,
                        truncated=last and e.truncated, info=info)
        out.append(traj)
    return out


def make_credit(cfg: LLMTrainConfig, policy: Policy | None = None) -> credit.CreditAssigner | None:
    """The run's credit assigner (``None`` for ``credit="none"``: the algo's own advantages).

    For ``prime`` / ``istar`` the implicit PRM is a copy of the policy's LM (top ``train_layers``
    blocks trainable, 2 by default) against a frozen copy of it, trained at the policy's learning
    rate unless ``credit_settings`` gives ``prm_lr``.
    """
    if cfg.credit == "none":
        return None
    prm_model = None
    if cfg.credit in ("prime", "istar"):
        if policy is None:
            raise LLMTrainError(f"--credit {cfg.credit} needs the policy (its LM is the implicit PRM's start)")
        from .prm import LMLogRatio

        prm_model = LMLogRatio(policy.model, pad_id=policy.pad_id, train_layers=cfg.train_layers or 2,
                               micro_batch=cfg.micro_batch, temperature=cfg.temperature)
    config = cfg.credit_config()
    if prm_model is not None and "prm_lr" not in cfg.credit_settings:
        config.prm_lr = cfg.learning_rate  # an LM's learning rate, not the linear PRM's default
    return credit.CreditAssigner(config, prm_model=prm_model, seed=cfg.seed)


def episode_advantages(episodes: list[Episode], cfg: LLMTrainConfig, policy: Policy | None = None) -> list[Sample]:
    """Training samples (one per turn) with their advantages, from :mod:`agentgym.credit`.

    GRPO / RLOO: the episode-level advantage on every turn, or the per-turn advantages of the
    policy's credit method. PPO: GAE over turns, on the turn rewards plus a step-reward method's
    process rewards (``weight`` times them) where one is set.
    """
    import torch

    assigner = policy.credit if policy is not None else None
    if cfg.algo in ("grpo", "rloo"):
        if assigner is not None:
            per_turn = assigner(episodes_to_trajectories(episodes))
        else:
            returns = np.array([e.total_reward for e in episodes], dtype=np.float64)
            groups = np.array([e.group_id for e in episodes])
            if cfg.algo == "grpo":
                adv = credit.grpo_advantages(returns, groups, normalize_std=cfg.normalize_std)
            else:
                adv = credit.rloo_advantages(returns, groups)
            per_turn = credit.broadcast_to_steps(adv, [len(e) for e in episodes])
        return [Sample(t.prompt_ids, t.response_ids, t.logprobs, float(a), 0.0, allowed=t.allowed)
                for e, advs in zip(episodes, per_turn, strict=True) for t, a in zip(e.turns, advs, strict=True)
                if t.response_ids]
    assert policy is not None
    process = assigner.step_rewards(episodes_to_trajectories(episodes)) if assigner is not None else None
    prompts = [t.prompt_ids for e in episodes for t in e.turns]
    with torch.no_grad():
        values = torch.cat([policy.values(prompts[i: i + cfg.micro_batch]).float().cpu()
                            for i in range(0, len(prompts), cfg.micro_batch)]).numpy() if prompts else np.zeros(0)
    rewards, vals, k = [], [], 0
    for i, e in enumerate(episodes):
        r = np.array([t.reward for t in e.turns], dtype=np.float64)
        if process is not None:
            r = r + assigner.config.weight * process[i]
        rewards.append(r)
        vals.append(values[k: k + len(e)].astype(np.float64))
        k += len(e)
    advs, rets = credit.turn_gae(rewards, vals, cfg.gamma, cfg.lam, truncated=[e.truncated for e in episodes])
    flat = np.concatenate(advs) if advs else np.zeros(0)
    if flat.size > 1:  # PPO normalizes advantages over the batch
        flat = (flat - flat.mean()) / (flat.std() + 1e-8)
    samples, k = [], 0
    for e, r, v in zip(episodes, rets, vals, strict=True):
        for i, t in enumerate(e.turns):
            if t.response_ids:
                samples.append(Sample(t.prompt_ids, t.response_ids, t.logprobs, float(flat[k + i]), float(r[i]),
                                      float(v[i]), allowed=t.allowed))
        k += len(e)
    return samples


def add_progress_shaping(episodes: list[Episode], coef: float) -> None:
    """Potential-based shaping on the env's progress: turn t gets ``coef * (progress_t - progress_{t-1})``.

    ``progress`` is the ``info["progress"]`` the env reports after each step (0 at reset, 1 at
    the goal; the text games and the MiniGrid text views compute it from an exact planner). The
    potential difference telescopes: an episode's shaping sums to ``coef`` times its final
    progress, so it ranks episodes by how far they got without changing which policy is optimal
    (Ng et al., 1999; :func:`agentgym.credit.potential_shaping`). Raises :class:`LLMTrainError`
    when a turn's info has no progress.
    """
    progress = []
    for episode in episodes:
        values = [turn.info.get("progress") for turn in episode.turns]
        if any(v is None for v in values):
            raise LLMTrainError(f"progress_shaping needs info['progress'], which {episode.env_id} does not report")
        progress.append([float(v) for v in values])
    for episode, shaping in zip(episodes, credit.potential_shaping(progress, coef), strict=True):
        for turn, value in zip(episode.turns, shaping, strict=True):
            turn.shaping_reward = float(value)


def add_intrinsic(reward: Any, episodes: list[Episode]) -> None:
    """Give each turn its intrinsic reward from a rollout reward (``reset/record/flush``, e.g. LLM feedback).

    The episodes stand for the columns of a vector env and their turns for its steps: each turn's
    ``info["message"]`` is recorded (an episode's last turn ends it), and the ``intrinsic``
    component of :meth:`flush` becomes the turn's ``intrinsic_reward``.
    """
    n = len(episodes)
    horizon = max((len(e) for e in episodes), default=0)
    if not n or not horizon:
        return
    tasks = np.array([e.task for e in episodes], dtype=object)
    reward.reset({"message": np.array([""] * n, dtype=object), "task": tasks})
    env_rewards = np.zeros((horizon, n))
    for t in range(horizon):
        messages = np.array([str(e.turns[t].info.get("message", "") or "") if t < len(e) else "" for e in episodes],
                            dtype=object)
        dones = np.array([t >= len(e) - 1 for e in episodes])
        infos = {"message": messages, "task": tasks, "final_info": {"message": messages}}
        reward.record(None, dones, infos)
        env_rewards[t] = [e.turns[t].env_reward if t < len(e) else 0.0 for e in episodes]
    _, parts = reward.flush(env_rewards)
    intrinsic = np.asarray(parts.get("intrinsic", np.zeros_like(env_rewards)))
    for i, e in enumerate(episodes):
        for t, turn in enumerate(e.turns):
            turn.intrinsic_reward = float(intrinsic[t, i])


def _pad(rows: list[Any], width: int, value: float) -> Any:
    import torch

    out = torch.full((len(rows), width), value, dtype=torch.float32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def update(policy: Policy, samples: list[Sample], cfg: LLMTrainConfig, rng: np.random.Generator) -> dict[str, float]:
    """``cfg.epochs`` optimizer steps over ``samples``; returns loss statistics and the seconds spent
    in each phase (``time/update_reference_s``, ``time/update_frozen_blocks_s`` (the frozen lower
    blocks' states of samples the rollout did not record), ``time/update_forward_backward_s``,
    ``time/update_optimizer_s``)."""
    import torch

    def clock() -> float:  # phase boundaries wait for the device, so the split is honest on a GPU
        if str(policy.device).startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter()

    from .losses import aggregate, kl_penalty, policy_loss, value_loss

    if cfg.algo != "ppo" and cfg.kl_coef == 0:
        samples = [s for s in samples if s.advantage != 0.0]  # no gradient from them: skip their forward
    stats: dict[str, list[float]] = {}
    if not samples:
        return {"update/samples": 0.0}
    ref = None
    phase = {"reference": 0.0, "frozen_blocks": 0.0, "forward_backward": 0.0, "optimizer": 0.0}
    t0 = clock()
    policy.model.train()
    states = policy.block_inputs_for(samples)
    phase["frozen_blocks"] = clock() - t0
    t0 = clock()
    if cfg.kl_coef > 0:
        ref = []
        for i in range(0, len(samples), cfg.micro_batch):
            chunk = samples[i: i + cfg.micro_batch]
            ref += policy.reference_logprobs([s.prompt_ids for s in chunk], [s.response_ids for s in chunk],
                                             [s.allowed for s in chunk])
    total_tokens = sum(len(s.response_ids) for s in samples)
    max_len = cfg.max_new_tokens
    policy.model.train()
    phase["reference"] = clock() - t0
    for _ in range(cfg.epochs):
        t0 = clock()
        order = rng.permutation(len(samples))
        policy.optimizer.zero_grad(set_to_none=True)
        for start in range(0, len(order), cfg.micro_batch):
            idx = order[start: start + cfg.micro_batch]
            chunk = [samples[i] for i in idx]
            logps, ents = policy.logprobs([s.prompt_ids for s in chunk], [s.response_ids for s in chunk], entropy=True,
                                          block_inputs=[states[i] for i in idx] if states is not None else None,
                                          allowed=[s.allowed for s in chunk])
            width = max(len(s.response_ids) for s in chunk)
            new = torch.nn.utils.rnn.pad_sequence(logps, batch_first=True, padding_value=0.0)
            new = torch.nn.functional.pad(new, (0, width - new.shape[1]))
            old = _pad([torch.tensor(s.old_logprobs) for s in chunk], width, 0.0).to(new.device)
            adv = torch.tensor([s.advantage for s in chunk], dtype=torch.float32, device=new.device)
            mask = _pad([torch.ones(len(s.response_ids)) for s in chunk], width, 0.0).to(new.device) > 0
            loss, pstats = policy_loss(new, old, adv, mask, clip_low=cfg.clip_low, clip_high=cfg.clip_high,
                                       aggregation=cfg.aggregation, max_length=max_len)
            share = (sum(len(s.response_ids) for s in chunk) / total_tokens if cfg.aggregation == "token-mean"
                     else len(chunk) / len(samples))
            loss = loss * share
            if cfg.entropy_coef and ents is not None:
                ent = torch.nn.utils.rnn.pad_sequence(list(ents), batch_first=True, padding_value=0.0)
                ent = torch.nn.functional.pad(ent, (0, width - ent.shape[1]))
                entropy = aggregate(ent, mask, cfg.aggregation, max_length=max_len)
                loss = loss - cfg.entropy_coef * entropy * share
            if ref is not None:
                ref_rows = _pad([ref[i] for i in idx], width, 0.0).to(new.device)
                kl = aggregate(kl_penalty(new, ref_rows, mask, kind=cfg.kl_kind), mask, cfg.aggregation,
                               max_length=max_len)
                loss = loss + cfg.kl_coef * kl * share
                stats.setdefault("update/kl_ref", []).append(float(kl.detach()))
            if cfg.algo == "ppo":
                values = policy.values([s.prompt_ids for s in chunk]).float()
                returns = torch.tensor([s.ret for s in chunk], dtype=torch.float32, device=values.device)
                vloss, vstats = value_loss(values, returns, torch.ones_like(values, dtype=torch.bool))
                loss = loss + cfg.vf_coef * vloss * len(chunk) / len(samples)
                stats.setdefault("update/value_loss", []).append(float(vloss.detach()))
            loss.backward()
            for key, value in pstats.items():
                if isinstance(value, float) and math.isfinite(value):
                    stats.setdefault(f"update/{key}", []).append(value)
            if ents is not None:
                stats.setdefault("update/entropy", []).append(float(torch.cat(ents).mean().detach()))
        t1 = clock()
        params = [p for group in policy.optimizer.param_groups for p in group["params"]]
        norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        stats.setdefault("update/grad_norm", []).append(float(norm))
        policy.optimizer.step()
        t2 = clock()
        phase["forward_backward"] += t1 - t0
        phase["optimizer"] += t2 - t1
    out = {k: float(np.mean(v)) for k, v in stats.items()}
    out.update({f"time/update_{k}_s": v for k, v in phase.items()})
    out["update/samples"] = float(len(samples))
    out["update/tokens"] = float(total_tokens)
    return out


# --------------------------------------------------------------------------------------- the run


def _task_seeds(cfg: LLMTrainConfig, update: int) -> list[int]:
    rng = np.random.default_rng([cfg.seed, update, 17])
    return [int(s) for s in rng.integers(0, 2**31 - 1, size=cfg.tasks_per_step)]


def _sampling(cfg: LLMTrainConfig, update: int) -> SamplingConfig:
    return SamplingConfig(max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature,
                          seed=int(np.random.default_rng([cfg.seed, update, 29]).integers(2**31 - 1)),
                          stop=cfg.prompt.stop)


def _checkpoints(folder: Path) -> list[tuple[int, Path]]:
    found = []
    for path in (folder / "checkpoints").glob("step_*"):
        if path.is_dir() and path.name[5:].isdigit() and (path / "trainer.pt").is_file():
            found.append((int(path.name[5:]), path))
    return sorted(found)


def _write_status(folder: Path, state: str, update: int, **extra: Any) -> None:
    (folder / "status.json").write_text(json.dumps({"state": state, "update": update, **extra}, indent=2) + "\n")


def train_llm(cfg: LLMTrainConfig, out: str | Path, *, resume: bool = False, overwrite: bool = False,
              on_update: Callable[[dict[str, Any]], None] | None = None,
              on_turn: Callable[[int, int], None] | None = None, intrinsic: Any = None) -> dict[str, Any]:
    """Train and evaluate; returns the final evaluation (see :func:`~.rollout.evaluate_llm`).

    ``on_update(row)`` gets every metrics row; ``on_turn(finished, total)`` the rollout progress.
    ``intrinsic`` (e.g. :class:`agentgym.reward_synth.intrinsic.LLMFeedback`; anything with
    ``to_dict()`` and ``build(num_envs, folder)`` returning a rollout reward) adds an intrinsic
    reward to every turn from its ``info["message"]`` (:func:`add_intrinsic`); its settings are
    saved in config.json, and a resumed run must be given it again.
    """
    import torch

    from agentgym.trainers.run import MetricsLog

    from .models import check_model_spec

    folder = Path(out)
    if resume:
        if not (folder / CONFIG_FILE).is_file():
            raise LLMTrainError(f"cannot resume: {folder} has no {CONFIG_FILE}")
        saved = LLMTrainConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text()))
        if saved.env_id != cfg.env_id or saved.algo != cfg.algo or saved.model != cfg.model:
            raise LLMTrainError(f"{folder} trained {saved.algo} {saved.model} on {saved.env_id}; "
                                "resume with the same env, algo and model")
        cfg = LLMTrainConfig.from_dict({**saved.to_dict(), "steps": cfg.steps})
        if cfg.intrinsic and intrinsic is None:
            raise LLMTrainError(f"{folder} was trained with an intrinsic reward ({cfg.intrinsic.get('kind')}); "
                                "pass it again to resume")
    if intrinsic is not None:
        cfg.intrinsic = intrinsic.to_dict()
    cfg.validate()
    check_model_spec(cfg.model)  # a bad model path fails here, before any work
    if not resume:
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise LLMTrainError(f"run folder {folder} exists and is not empty; use resume or overwrite")
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        cfg.save(folder / CONFIG_FILE)
    torch.manual_seed(cfg.seed)
    policy = Policy(cfg)
    start = 0
    checkpoints = _checkpoints(folder)
    if resume and checkpoints:
        start = policy.load(checkpoints[-1][1])
    (folder / "transcripts").mkdir(exist_ok=True)
    log = MetricsLog(folder)
    _write_status(folder, "running", start)
    env_kwargs = cfg.train_env_kwargs()
    bonus = intrinsic.build(cfg.tasks_per_step * cfg.group_size, folder) if intrinsic is not None else None
    episodes_done = 0
    started = time.perf_counter()
    last = cfg.steps
    try:
        for step in range(start, cfg.steps):
            t0 = time.perf_counter()
            seeds = [s for s in _task_seeds(cfg, step) for _ in range(cfg.group_size)]
            groups = [k for k in range(cfg.tasks_per_step) for _ in range(cfg.group_size)]
            with policy.recording_states():
                batch: EpisodeBatch = collect_episodes(
                    policy.engine, policy.tokenizer, cfg.env_id, seeds, group_ids=groups, env_kwargs=env_kwargs,
                    prompt=cfg.prompt, sampling=_sampling(cfg, step), max_turns=cfg.max_turns,
                    on_turn=(lambda done, total, _stats: on_turn(done, total)) if on_turn else None)
            t_rollout = time.perf_counter() - t0
            if bonus is not None:
                add_intrinsic(bonus, list(batch))
            if cfg.progress_shaping:
                add_progress_shaping(list(batch), cfg.progress_shaping)
            samples = episode_advantages(list(batch), cfg, policy)
            t1 = time.perf_counter()
            ustats = update(policy, samples, cfg, np.random.default_rng([cfg.seed, step, 41]))
            policy.states.clear()
            t_update = time.perf_counter() - t1
            episodes_done += len(batch)
            s = batch.stats
            row: dict[str, Any] = {
                "global_step": step + 1, "time": time.perf_counter() - t0,
                "episode/success": s.success_rate, "episode/return": s.mean_return,
                "episode/total_reward": s.mean_total_reward,
                "episode/turns": s.turns / max(1, s.episodes), "episode/format_error_rate": s.format_error_rate,
                "episode/invalid_action_rate": s.invalid_action_rate,
                "rollout/episodes_per_s": s.episodes / max(1e-9, t_rollout),
                "rollout/tokens_per_s": s.tokens_per_second, "rollout/generated_tokens": s.generated_tokens,
                "time/generation_s": s.generation_seconds, "time/env_s": s.env_seconds,
                "time/rollout_s": t_rollout, "time/update_s": t_update, **ustats,
            }
            if policy.credit is not None:
                row.update(policy.credit.metrics)
            if cfg.progress_shaping:
                row["reward/shaping"] = float(np.mean([sum(t.shaping_reward for t in e.turns) for e in batch]))
            if bonus is not None:
                row["reward/intrinsic"] = float(np.mean([sum(t.intrinsic_reward for t in e.turns) for e in batch]))
                row.update(bonus.metrics() if hasattr(bonus, "metrics") else {})
            log.write(row)
            if on_update is not None:
                on_update(row)
            if cfg.transcripts_every and (step + 1) % cfg.transcripts_every == 0 or step == 0:
                best = max(batch, key=lambda e: e.total_reward)
                worst = min(batch, key=lambda e: e.total_reward)
                text = "\n\n---\n\n".join(render_transcript(e) for e in (best, worst))
                (folder / "transcripts" / f"step_{step + 1:05d}.md").write_text(text)
            out_of_time = cfg.time_budget_s is not None and time.perf_counter() - started >= cfg.time_budget_s
            if (step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.steps or out_of_time:
                policy.save(folder / "checkpoints" / f"step_{step + 1:06d}", step + 1)
                kept = _checkpoints(folder)
                if cfg.keep_checkpoints:
                    for _, old in kept[: -cfg.keep_checkpoints]:
                        shutil.rmtree(old, ignore_errors=True)
            _write_status(folder, "running", step + 1)
            if out_of_time:
                last = step + 1
                break
    except BaseException as exc:
        done = _checkpoints(folder)
        _write_status(folder, "failed" if not isinstance(exc, KeyboardInterrupt) else "stopped",
                      done[-1][0] if done else 0, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        log.close()
        if bonus is not None and hasattr(bonus, "close"):
            bonus.close()
    result: dict[str, Any] = {}
    if cfg.eval_episodes:
        result = _evaluate(policy, cfg, cfg.env_id, cfg.eval_episodes, 10**6, None)
        (folder / "eval.json").write_text(json.dumps({"update": last, **result}, indent=2, default=str) + "\n")
    _write_status(folder, "finished", last, **({"stopped_by": "time_budget_s"} if last < cfg.steps else {}))
    return result


def evaluate_run(folder: str | Path, *, env_id: str | None = None, episodes: int = 20, seed: int = 10**6,
                 split: str | None = None, temperature: float = 0.0) -> dict[str, Any]:
    """Evaluate a run's latest checkpoint on ``env_id`` (default: the run's env), on the held-out split.

    ``temperature`` 0 decodes greedily; above 0 the policy samples as in training (seeded by ``seed``).
    """
    folder = Path(folder)
    if not is_llm_run(folder):
        raise LLMTrainError(f"{folder} is not an LLM-policy run")
    cfg = LLMTrainConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text()))
    checkpoints = _checkpoints(folder)
    if not checkpoints:
        raise LLMTrainError(f"{folder} has no checkpoint to evaluate")
    cfg.kl_coef = 0.0  # no reference model needed
    policy = Policy(cfg)
    policy.load(checkpoints[-1][1])
    target = env_id or cfg.env_id
    return _evaluate(policy, cfg, target, episodes, seed, None if split is None else {"split": split}, temperature)


def _evaluate(policy: Policy, cfg: LLMTrainConfig, env_id: str, episodes: int, seed: int,
              env_kwargs: dict[str, Any] | None, temperature: float = 0.0) -> dict[str, Any]:
    """Held-out evaluation with the run's prompts (env_kwargs None: the test split where there is one),
    greedy at temperature 0, else sampled (seeded)."""
    sampling = SamplingConfig(max_new_tokens=cfg.max_new_tokens, temperature=temperature, stop=cfg.prompt.stop,
                              seed=seed if temperature > 0 else None)
    return evaluate_llm(policy.engine, policy.tokenizer, env_id, episodes, seed=seed, env_kwargs=env_kwargs,
                        prompt=cfg.prompt, sampling=sampling, max_turns=cfg.max_turns)
