"""Training runs: the run folder, metrics, checkpoints, resume, evaluation, and ``agentgym.train``.

A run folder holds everything about one run::

    runs/NAME/
      config.json        the effective TrainConfig (defaults < config file < flags)
      reward.py          the reward code, when one was plugged in
      metrics.jsonl      one row per update (global_step, time, steps/s, episode stats, losses, reward/<term>)
      tb/                the same metrics for TensorBoard
      checkpoints/       the last few checkpoints and latest.json (written after each checkpoint is complete)
      status.json        running | finished | stopped | interrupted | failed (with the error)
      eval.json          the last evaluation
      plots/             learning curves (``agentgym plot``)

Example:
    >>> import tempfile, agentgym
    >>> run = agentgym.train("CartPole-v1", steps=2048, num_envs=4, out=tempfile.mkdtemp() + "/r",
    ...                      progress=False, eval_episodes=2)
    >>> run.status()["state"], run.metrics()[-1]["global_step"] >= 2048
    ('finished', True)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from agentgym.core import RewardFn

from .backend import Backend
from .config import TrainConfig, resolve_config
from .envs import make_env_fn
from .evaluation import EvalResult, evaluate_policy
from .rewards import RolloutReward, RolloutRewardLike

console = Console(stderr=True)


class RunError(RuntimeError):
    """A run folder that cannot be used as asked (missing, exists, no checkpoint, ...)."""


class IntrinsicSpec(Protocol):
    """An intrinsic reward that :func:`train` can use (e.g. :class:`agentgym.reward_synth.intrinsic.LLMFeedback`)."""

    def to_dict(self) -> dict[str, Any]:
        """The settings, saved in config.json (``kind`` names it)."""
        ...

    def build(self, num_envs: int, folder: Path | None = None, inner: RolloutReward | None = None) -> RolloutRewardLike:
        """The rollout reward for ``num_envs`` envs, adding to ``inner``'s rewards (or the env's)."""
        ...


def make_backend(cfg: TrainConfig, env_fns: list[Callable[..., Any]], *, device: str | None = None,
                 vectorization: str | None = None, reward: RolloutRewardLike | None = None) -> Backend:
    """The backend of ``cfg.algo`` over ``env_fns`` (``reward``: rollout-batched rewards, native PPO only)."""
    device = device or cfg.device
    vectorization = vectorization or cfg.vectorization
    threads = cfg.torch_threads or None
    if cfg.algo == "ppo":
        from .ppo import PPO, PPOConfig

        return PPO(env_fns, PPOConfig.from_dict(cfg.hyperparams), seed=cfg.seed, device=device,
                   vectorization=vectorization, torch_threads=threads, reward=reward)
    if reward is not None:
        raise ValueError(f"rollout-batched rewards need the native PPO, not {cfg.algo}")
    import torch

    from .sb3 import SB3Backend

    if threads is not None and device != "cuda":
        torch.set_num_threads(threads)  # small policies: one thread beats two on a 2-core machine

    return SB3Backend(env_fns, cfg.algo.split(":", 1)[1], dict(cfg.hyperparams), seed=cfg.seed, device=device,
                      vectorization=vectorization)


def _as_reward_fn(reward: RewardFn | str | Path | Callable[..., Any] | None) -> RewardFn | None:
    """Reward code (a file, a code string, a RewardFn with source) runs sandboxed; a Python callable runs as is."""
    from agentgym.core.sandbox import SandboxedRewardFn, load_sandboxed_reward_fn

    if reward is None or isinstance(reward, SandboxedRewardFn):
        return reward
    if isinstance(reward, RewardFn):
        return load_sandboxed_reward_fn(reward.source, name=reward.name) if reward.source else reward
    if isinstance(reward, (str, Path)):
        return load_sandboxed_reward_fn(reward)
    return RewardFn(reward, name=getattr(reward, "__name__", "<callable>"))


def training_env_fns(cfg: TrainConfig, reward_fn: RewardFn | None) -> tuple[list[Callable[..., Any]], RolloutReward | None]:
    """The env thunks of a run, and the rollout-batched reward where the backend takes one.

    The native PPO computes sandboxed rewards a rollout per call (the envs only report their
    compact state); other backends apply the reward inside each env, one call per step.
    """
    from agentgym.core.sandbox import SandboxedRewardFn

    batched = cfg.algo == "ppo" and isinstance(reward_fn, SandboxedRewardFn)
    env_kwargs = dict(cfg.env_kwargs)
    if cfg.credit != "none" and cfg.family == "minigrid":
        env_kwargs.setdefault("with_progress", True)  # the planner's progress is off by default (a search a step)
    gamma = float(cfg.hyperparams.get("gamma", 0.99))
    fns = [make_env_fn(cfg.env_id, seed=cfg.seed, index=i, reward_fn=None if batched else reward_fn,
                       reward_mode=cfg.reward_mode, env_kwargs=env_kwargs, report_state=batched,
                       credit=cfg.credit, credit_coef=cfg.credit_coef, credit_gamma=gamma)
           for i in range(cfg.num_envs)]
    reward = RolloutReward(reward_fn, cfg.reward_mode, cfg.num_envs) if batched else None
    return fns, reward


class MetricsLog:
    """Appends metric rows to ``metrics.jsonl`` and TensorBoard."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "metrics.jsonl"
        self._fh = open(self.path, "a")  # noqa: SIM115 - closed in close()
        self._tb = None
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(folder / "tb"))
        except ImportError:  # TensorBoard is optional; the JSONL file is the record
            self._tb = None

    def write(self, row: dict[str, Any]) -> None:
        self._fh.write(json.dumps(row) + "\n")
        self._fh.flush()
        if self._tb is not None:
            step = int(row["global_step"])
            for key, value in row.items():
                if key != "global_step" and isinstance(value, (int, float)) and math.isfinite(value):
                    self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._fh.close()
        if self._tb is not None:
            self._tb.close()


class Run:
    """A run folder: its config, metrics, checkpoints and evaluation.

    Use :func:`train` to make one and :meth:`Run.open` to open an existing one.
    """

    def __init__(self, path: str | Path, config: TrainConfig, reward_fn: RewardFn | None = None) -> None:
        self.path = Path(path)
        self.config = config
        self._reward_fn = reward_fn

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, env={self.config.env_id!r}, algo={self.config.algo!r})"

    @classmethod
    def open(cls, path: str | Path) -> Run:
        path = Path(path)
        if not (path / "config.json").is_file():
            raise RunError(f"{path} is not a run folder (no config.json)")
        cfg = TrainConfig.load(path / "config.json")
        reward = _as_reward_fn(path / "reward.py") if (path / "reward.py").is_file() else None
        return cls(path, cfg, reward)

    # ---------------------------------------------------------------- records
    def metrics(self) -> list[dict[str, Any]]:
        """Every metric row written so far."""
        path = self.path / "metrics.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def status(self) -> dict[str, Any]:
        path = self.path / "status.json"
        return json.loads(path.read_text()) if path.is_file() else {"state": "unknown"}

    def _set_status(self, state: str, **extra: Any) -> None:
        _atomic_write(self.path / "status.json", json.dumps({"state": state, **extra}, indent=2))

    def _fail(self, exc: BaseException, global_step: int) -> None:
        state = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        latest = self.latest_checkpoint()
        self._set_status(state, global_step=global_step, error=f"{type(exc).__name__}: {exc}",
                         last_checkpoint=latest[1] if latest else None)

    def latest_checkpoint(self) -> tuple[Path, int] | None:
        """The newest complete checkpoint and its global step, or None."""
        pointer = self.path / "checkpoints" / "latest.json"
        if not pointer.is_file():
            return None
        data = json.loads(pointer.read_text())
        return self.path / "checkpoints" / data["path"], int(data["global_step"])

    def checkpoints(self) -> list[tuple[Path, int]]:
        """Every checkpoint in the folder and its global step, oldest first.

        The path is the one the backend saved to (a backend may write files with other
        suffixes beside it, as SB3's ``.zip``).
        """
        folder = self.path / "checkpoints"
        found = {}
        for file in folder.glob("step_*"):
            stem = file.name.split(".")[0]
            if file.name.endswith(".tmp") or not stem[len("step_"):].isdigit():
                continue  # a write in progress, or not a checkpoint
            found[stem] = (folder / f"{stem}.pt", int(stem[len("step_"):]))
        return sorted(found.values(), key=lambda item: item[1])

    def checkpoint(self, step: int | None = None) -> tuple[Path, int]:
        """The checkpoint at global step ``step`` (None: the latest).

        Raises:
            RunError: there is no checkpoint (at that step); the message lists the steps there are.
        """
        if step is None:
            latest = self.latest_checkpoint()
            if latest is None:
                raise RunError(f"{self.path} has no checkpoint yet")
            return latest
        for path, at in self.checkpoints():
            if at == step:
                return path, at
        steps = ", ".join(str(at) for _, at in self.checkpoints()) or "none"
        raise RunError(f"{self.path} has no checkpoint at step {step} (checkpoints at: {steps})")

    def _save_checkpoint(self, backend: Backend) -> None:
        folder = self.path / "checkpoints"
        folder.mkdir(exist_ok=True)
        name = f"step_{backend.global_step:012d}.pt"
        backend.save(folder / name)
        _atomic_write(folder / "latest.json", json.dumps({"path": name, "global_step": backend.global_step}))
        stems = sorted({p.name.split(".")[0] for p in folder.glob("step_*")})
        keep = self.config.keep_checkpoints
        for old in (stems[:-keep] if keep else []):
            for file in folder.glob(f"{old}.*"):
                file.unlink()

    # ----------------------------------------------------------------- policy
    def load_backend(self, *, num_envs: int = 1, checkpoint: int | None = None) -> Backend:
        """A backend with a checkpoint's weights (default: the latest), for evaluation or inspection."""
        path, _ = self.checkpoint(checkpoint)
        fns = [make_env_fn(self.config.env_id, seed=self.config.seed, index=i, reward_fn=self._reward_fn,
                           reward_mode=self.config.reward_mode, env_kwargs=self.config.env_kwargs)
               for i in range(num_envs)]
        backend = make_backend(self.config, fns, vectorization="sync")
        backend.load(path)
        return backend

    def evaluate(self, episodes: int | None = None, *, seed: int | None = None, deterministic: bool | None = None,
                 batch: int = 8, progress: bool = False, save: bool = True,
                 checkpoint: int | None = None) -> EvalResult:
        """Mean return and success rate of a checkpoint over seeded episodes, with 95% CIs.

        ``checkpoint`` is a global step with a checkpoint (see :meth:`checkpoints`); by default
        the latest. ``save`` writes the result and the checkpoint's step to ``eval.json``.

        Episode k is reset with ``seed + k`` (default seed: ``config.eval_seed``); sampled actions
        (``deterministic=False``, the MiniGrid default) come from the checkpoint's saved RNG state.
        So the same checkpoint gives the same result every time.
        """
        episodes = episodes or self.config.eval_episodes or 10
        seed = self.config.eval_seed if seed is None else seed
        if deterministic is None:
            deterministic = self.config.eval_deterministic
        _, step = self.checkpoint(checkpoint)
        backend = self.load_backend(checkpoint=step)
        env_fn = make_env_fn(self.config.env_id, seed=seed, reward_fn=self._reward_fn,
                             reward_mode=self.config.reward_mode, env_kwargs=self.config.env_kwargs)
        try:
            with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, disable=not progress, transient=True) as bar:
                task = bar.add_task("eval", total=episodes)
                result = evaluate_policy(lambda obs: backend.predict(obs, deterministic=deterministic), env_fn,
                                         episodes=episodes, seed=seed, batch=batch, deterministic=deterministic,
                                         on_episode=lambda _k: bar.advance(task))
        finally:
            backend.close()
        if save:
            data = {"checkpoint_step": step, **result.to_dict()}
            _atomic_write(self.path / "eval.json", json.dumps(data, indent=2))
        return result

    def plot(self, out: str | Path | None = None) -> list[Path]:
        """Learning curves as PNGs (see :mod:`agentgym.trainers.plot`)."""
        from .plot import plot_run

        return plot_run(self.metrics(), Path(out) if out else self.path / "plots", title=self.path.name)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class _StopOnSignal:
    """First Ctrl-C: stop at the end of the current update (and checkpoint). Second: abort now."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> _StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        console.print("[yellow]Ctrl-C: stopping after this update and saving a checkpoint "
                      "(press again to abort at once)[/yellow]")

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[sps]} steps/s"), TextColumn("return {task.fields[ret]}"),
        TextColumn("success {task.fields[succ]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, disable=not enabled,
    )


def train(
    env_id: str | None = None,
    algo: str | None = None,
    steps: int | None = None,
    *,
    seed: int | None = None,
    reward_fn: RewardFn | str | Path | Callable[..., Any] | None = None,
    reward_mode: str | None = None,
    intrinsic: IntrinsicSpec | None = None,
    num_envs: int | None = None,
    out: str | Path | None = None,
    config: str | Path | None = None,
    hyperparams: dict[str, Any] | None = None,
    device: str | None = None,
    vectorization: str | None = None,
    checkpoint_every: int | None = None,
    keep_checkpoints: int | None = None,
    eval_episodes: int | None = None,
    env_kwargs: dict[str, Any] | None = None,
    credit: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    stop_when: Callable[[dict[str, Any]], bool] | None = None,
) -> Run:
    """Train a policy on an env and return its :class:`Run`.

    Hyperparameters come from the env family's defaults, then ``config`` (a YAML/TOML file),
    then the arguments given here. ``reward_fn`` (a ``compute_reward`` file, code string,
    :class:`~agentgym.core.RewardFn` or callable) replaces or adds to the env reward
    (``reward_mode``); its components are logged as ``reward/<name>``. ``intrinsic`` (e.g.
    :class:`agentgym.reward_synth.intrinsic.LLMFeedback`, native PPO only) adds an intrinsic
    reward on top; its settings are saved in config.json. ``credit`` (``pbrs`` or ``progress``)
    adds step credit from the env's ``info["progress"]`` (config key ``credit_coef`` weights it).

    With ``resume=True``, ``out`` must be an existing run folder: training continues from its
    latest checkpoint up to ``steps`` (default: the run's own budget).

    ``stop_when(row)`` is called with every metrics row; returning True ends training there
    (status ``stopped``; the checkpoint and the evaluation are made as for a finished run).

    Raises:
        RunError: ``out`` exists (without ``resume``/``overwrite``) or cannot be resumed.
        agentgym.core.RewardCodeError: the reward code does not load.
        agentgym.core.RewardFnError: the reward code raised during training (the run folder
            keeps its last checkpoint and records the error in status.json).
    """
    reward = _as_reward_fn(reward_fn)
    if resume:
        if out is None or not (Path(out) / "config.json").is_file():
            raise RunError(f"cannot resume: {out} is not a run folder")
        run = Run.open(out)
        if run.config.intrinsic is not None and intrinsic is None:
            raise RunError(f"{out} was trained with an intrinsic reward ({run.config.intrinsic.get('kind')}); "
                           "pass intrinsic (the CLI rebuilds it from config.json)")
        if reward is not None:
            run._reward_fn = reward
        elif run.config.reward_code and run._reward_fn is None:
            raise RunError(f"{out} was trained with reward code that is not in the folder; pass reward_fn")
        cfg = run.config
        for name, value in (("steps", steps), ("device", device), ("vectorization", vectorization),
                            ("checkpoint_every", checkpoint_every), ("keep_checkpoints", keep_checkpoints),
                            ("eval_episodes", eval_episodes)):
            if value is not None:
                setattr(cfg, name, value)
        cfg.validate()
        latest = run.latest_checkpoint()
        if latest is None:
            raise RunError(f"cannot resume: {out} has no checkpoint")
        _truncate_metrics(run.path / "metrics.jsonl", latest[1])
    else:
        if env_id is None:
            raise ValueError("env_id is required (unless resuming a run)")
        overrides = {"algo": algo, "steps": steps, "seed": seed, "num_envs": num_envs, "device": device,
                     "vectorization": vectorization, "checkpoint_every": checkpoint_every,
                     "keep_checkpoints": keep_checkpoints,
                     "eval_episodes": eval_episodes, "reward_mode": reward_mode, "env_kwargs": env_kwargs,
                     "hyperparams": hyperparams, "credit": credit}
        cfg = resolve_config(env_id, file=config, overrides=overrides)
        if reward is not None:
            cfg.reward_code = "reward.py" if reward.source else f"<callable {reward.name}>"
        if intrinsic is not None:
            cfg.intrinsic = intrinsic.to_dict()
            cfg.validate()
        folder = Path(out) if out is not None else _default_folder(cfg)
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise RunError(f"run folder {folder} exists and is not empty; use resume or overwrite, "
                               "or choose another --out")
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        cfg.save(folder / "config.json")
        if reward is not None and reward.source:
            (folder / "reward.py").write_text(reward.source)
        run = Run(folder, cfg, reward)
        latest = None

    fns, rollout_reward = training_env_fns(cfg, run._reward_fn)
    run._set_status("running", global_step=latest[1] if latest else 0)
    try:
        if intrinsic is not None:
            rollout_reward = intrinsic.build(cfg.num_envs, run.path, inner=rollout_reward)
        backend = make_backend(cfg, fns, reward=rollout_reward)
        if latest is not None:
            backend.load(latest[0])
    except BaseException as exc:
        run._fail(exc, latest[1] if latest else 0)
        raise
    log = MetricsLog(run.path)
    start_step, start_time = backend.global_step, time.perf_counter()
    next_checkpoint = (start_step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
    state = "finished"
    stopped_early: list[bool] = []
    with _StopOnSignal() as stop, _progress_bar(progress) as bar:
        task = bar.add_task(f"{cfg.algo} {cfg.env_id}", total=cfg.steps, completed=start_step,
                            sps="-", ret="-", succ="-")

        def on_update(metrics: dict[str, float]) -> bool:
            nonlocal next_checkpoint
            row = {"global_step": int(backend.global_step), "time": time.perf_counter() - start_time, **metrics}
            row["global_step"] = int(backend.global_step)
            log.write(row)
            fields = {"sps": f"{metrics.get('time/steps_per_s', float('nan')):,.0f}"}
            if "episode/return" in metrics:
                fields["ret"] = f"{metrics['episode/return']:.3g}"
                fields["succ"] = f"{metrics.get('episode/success', 0.0):.0%}"
            bar.update(task, completed=min(backend.global_step, cfg.steps), **fields)
            if backend.global_step >= next_checkpoint:
                run._save_checkpoint(backend)
                next_checkpoint = (backend.global_step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
            if stop_when is not None and stop_when(row):
                stopped_early.append(True)
                return True
            return stop.requested

        try:
            backend.learn(cfg.steps, on_update)
            run._save_checkpoint(backend)
            if stop.requested:
                state = "interrupted"
            elif stopped_early:
                state = "stopped"
        except BaseException as exc:
            # Keep the last complete checkpoint; a half-updated model is not saved.
            run._fail(exc, int(backend.global_step))
            log.close()
            backend.close()
            raise
    log.close()
    backend.close()
    run._set_status(state, global_step=int(backend.global_step))
    if state in ("finished", "stopped") and cfg.eval_episodes > 0:
        result = run.evaluate(cfg.eval_episodes, progress=progress)
        log = MetricsLog(run.path)
        log.write({"global_step": int(backend.global_step), "eval/mean_return": result.mean_return,
                   "eval/success_rate": result.success_rate, "eval/episodes": result.episodes})
        log.close()
    return run


def _default_folder(cfg: TrainConfig) -> Path:
    name = cfg.env_id.split("/")[-1]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{name}_{cfg.algo.replace(':', '-')}_s{cfg.seed}_{stamp}"


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop rows written after the checkpoint a run resumes from, so curves do not overlap."""
    if not path.is_file():
        return
    rows = [line for line in path.read_text().splitlines() if line.strip()]
    kept = [line for line in rows if json.loads(line).get("global_step", 0) <= step]
    _atomic_write(path, "".join(line + "\n" for line in kept))
