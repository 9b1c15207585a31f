"""The reward-synthesis loop (Eureka-style, with Auto MC-Reward's critic and trajectory analyzer).

Each round:

1. the LLM writes ``samples`` candidate reward programs from the task, the env's TaskSpec and
   the previous round's feedback;
2. the critic (:mod:`~agentgym.reward_synth.critic`) rejects what cannot work, with reasons;
3. the rest train with the native PPO for a short budget, in parallel processes, the reward
   code running sandboxed;
4. fitness is ground truth, never the candidate's own reward: the success rate of evaluation
   episodes (ties broken by the env's ground-truth progress at their end);
5. the round's best candidate and its *reward reflection* (each logged reward component, the
   episode return and the success rate sampled at ~10 points of training with max/mean/min,
   and how the failed evaluation episodes ended) seed the next round; if nothing trained, the
   errors (with the reward code's traceback) do.

The output folder holds ``best_reward.py``, ``report.md`` (every round's candidates, scores,
feedback and plots), ``synth.json`` and one training run per candidate.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agentgym.core import get_compact_state, get_task_spec
from agentgym.core.sandbox import SandboxLimits

from . import prompts
from .critic import CriticResult, Transitions, critique, sample_transitions
from .llm import GenerationConfig, LLMClient

#: Short training budgets per env family (env steps per candidate).
DEFAULT_STEPS = {"minigrid": 50_000, "mujoco": 200_000, "default": 50_000}


@dataclass
class SynthConfig:
    """Settings of :func:`synthesize` (defaults follow Eureka, scaled down for a CPU)."""

    env_id: str
    task: str | None = None  # default: the TaskSpec's task
    samples: int = 4  # candidates per round (Eureka: 16)
    iterations: int = 3  # rounds (Eureka: 5)
    train_steps: int | None = None  # per candidate; default by family (DEFAULT_STEPS)
    num_envs: int | None = None  # default: the family's
    seed: int = 0
    workers: int | None = None  # parallel trainings; default: one per core
    reward_mode: str = "replace"
    eval_episodes: int = 20
    reflection_points: int = 10
    critic_samples: int = 256
    hyperparams: dict[str, Any] = field(default_factory=dict)
    examples: Sequence[str] = ()
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        for name in ("samples", "iterations", "eval_episodes", "reflection_points", "critic_samples"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.train_steps is not None and self.train_steps < 1:
            raise ValueError(f"train_steps must be at least 1, got {self.train_steps}")
        if self.reward_mode not in ("replace", "add"):
            raise ValueError(f"reward_mode must be 'replace' or 'add', got {self.reward_mode!r}")


@dataclass
class Candidate:
    """One reward program of one round, and what became of it."""

    round: int
    index: int
    reply: str
    critic: CriticResult
    status: str = "rejected"  # rejected | trained | failed
    success_rate: float | None = None  # evaluation, ground truth
    progress: float | None = None  # mean ground-truth progress at the end of evaluation episodes
    max_train_success: float | None = None
    error: str | None = None  # a training failure (the reward raised, timed out, ...)
    traceback: str | None = None
    reflection: str = ""
    run_dir: str | None = None
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"r{self.round}c{self.index}"

    @property
    def fitness(self) -> tuple[float, float, float] | None:
        """(success rate, progress, max training success): higher is better; None if it did not train."""
        if self.status != "trained":
            return None
        return (self.success_rate or 0.0, self.progress or 0.0, self.max_train_success or 0.0)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["critic"] = self.critic.to_dict()
        out["fitness"] = self.fitness
        return out


@dataclass
class SynthResult:
    """The outcome of :func:`synthesize`."""

    out: Path
    best: Candidate | None
    rounds: list[list[Candidate]]

    @property
    def best_path(self) -> Path | None:
        return self.out / "best_reward.py" if self.best is not None else None

    def critic_catch_rate(self) -> float:
        """Share of candidates the critic rejected."""
        all_ = [c for r in self.rounds for c in r]
        return sum(not c.critic.ok for c in all_) / len(all_) if all_ else 0.0


# ---------------------------------------------------------------------------------------- training


@dataclass
class EpisodeEnd:
    """How one evaluation episode ended."""

    success: bool
    terminated: bool
    length: int
    progress: float | None
    final_state: dict[str, Any]


def evaluate_endings(run: Any, episodes: int, seed: int) -> list[EpisodeEnd]:
    """Play a run's latest policy for ``episodes`` seeded episodes on the plain env (no reward code).

    MiniGrid envs report their planner's progress here (``with_progress``), so that fitness
    can tell apart candidates that never succeed.
    """
    cfg = run.config
    backend = run.load_backend()
    kwargs = dict(cfg.env_kwargs)
    if cfg.family == "minigrid":
        kwargs.setdefault("with_progress", True)
    env = gym.make(cfg.env_id, disable_env_checker=True, **kwargs)
    ends = []
    try:
        for k in range(episodes):
            obs, info = env.reset(seed=seed + k)
            length = 0
            while True:
                batch = _batch(obs, env.observation_space)
                action = backend.predict(batch, deterministic=cfg.eval_deterministic)[0]
                obs, _, terminated, truncated, info = env.step(action)
                length += 1
                if terminated or truncated:
                    break
            state = {k: np.asarray(v).tolist() for k, v in get_compact_state(env).items()}
            progress = info.get("progress")
            ends.append(EpisodeEnd(bool(info.get("success", False)), bool(terminated), length,
                                   None if progress is None else float(progress), state))
    finally:
        env.close()
        backend.close()
    return ends


def _batch(obs: Any, space: gym.Space[Any]) -> Any:
    """One observation as a batch of one (what a vector env would return)."""
    if isinstance(obs, dict):
        return {k: _batch(v, space[k]) for k, v in obs.items()}
    return np.asarray(obs)[None]


def _train_candidate(job: dict[str, Any]) -> dict[str, Any]:
    """Train one candidate (in a worker process); report fitness inputs, curves and endings."""
    import agentgym
    from agentgym.core import RewardFnError
    from agentgym.core.sandbox import load_sandboxed_reward_fn

    out: dict[str, Any] = {"run_dir": job["out"]}
    try:
        reward = load_sandboxed_reward_fn(job["code"], name=job["name"], limits=job["limits"])
        run = agentgym.train(job["env_id"], "ppo", job["steps"], seed=job["seed"], reward_fn=reward,
                             reward_mode=job["reward_mode"], num_envs=job["num_envs"], out=job["out"],
                             hyperparams=job["hyperparams"] or None, eval_episodes=0, progress=False,
                             env_kwargs=job["env_kwargs"] or None, overwrite=True)
    except RewardFnError as exc:
        out.update(status="failed", error=str(exc), traceback=getattr(exc, "traceback", None))
        return out
    except Exception as exc:  # the candidate broke training some other way: report, carry on
        out.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(limit=3))
        return out
    ends = evaluate_endings(run, job["eval_episodes"], seed=job["eval_seed"])
    out.update(status="trained", metrics=run.metrics(), ends=[asdict(e) for e in ends])
    return out


# ---------------------------------------------------------------------------------------- reflection


def sample_curve(rows: list[dict[str, Any]], key: str, points: int) -> list[tuple[int, float]]:
    """``points`` (step, value) pairs of a logged metric, evenly spaced over training."""
    have = [(int(r["global_step"]), float(r[key])) for r in rows if key in r and math.isfinite(float(r[key]))]
    if len(have) <= points:
        return have
    picks = np.linspace(0, len(have) - 1, points).round().astype(int)
    return [have[i] for i in picks]


def _describe_field(values: list[Any]) -> str:
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf" and arr.ndim == 1:
        return f"mean {arr.mean():.3g} (min {arr.min():.3g}, max {arr.max():.3g})"
    counts = Counter(json.dumps(v) for v in values)
    if len(counts) <= 4:
        return ", ".join(f"{value} in {n}" for value, n in counts.most_common())
    if arr.dtype.kind in "biuf":
        return f"mean {np.round(arr.mean(axis=0), 3).tolist()}"
    return f"{len(counts)} different values"


def summarize_endings(ends: Sequence[EpisodeEnd], fields: Sequence[str] | None = None) -> str:
    """How the failed episodes ended (Auto MC-Reward's trajectory analyzer, over the compact state)."""
    failed = [e for e in ends if not e.success]
    if not failed:
        return f"All {len(ends)} evaluation episodes succeeded."
    cut = sum(not e.terminated for e in failed)
    lines = [f"How the {len(failed)} failed evaluation episodes (of {len(ends)}) ended: "
             f"{cut} hit the time limit, {len(failed) - cut} terminated without success; "
             f"length mean {np.mean([e.length for e in failed]):.0f}."]
    progress = [e.progress for e in failed if e.progress is not None]
    if progress:
        lines.append(f"  ground-truth progress at the end: mean {np.mean(progress):.2f} "
                     f"(min {min(progress):.2f}, max {max(progress):.2f})")
    names = fields or list(failed[0].final_state)
    lines.append("  final state of the failed episodes:")
    for name in names:
        lines.append(f"    {name}: {_describe_field([e.final_state[name] for e in failed])}")
    return "\n".join(lines)


def reflection_text(candidate: Candidate, metrics: list[dict[str, Any]], ends: Sequence[EpisodeEnd],
                    points: int) -> str:
    """Eureka's reward reflection plus the trajectory summary, as the LLM will read it."""
    keys = ["episode/success"] + sorted(k for k in {k for r in metrics for k in r} if k.startswith("reward/"))
    keys += ["episode/return", "episode/length"]
    steps = metrics[-1]["global_step"] if metrics else 0
    lines = [f"Training: {steps:,} env steps. Evaluation: {len(ends)} episodes, success rate "
             f"{candidate.success_rate:.0%}" + (f", mean ground-truth progress {candidate.progress:.2f}"
                                                 if candidate.progress is not None else "") + ".",
             f"Values at {points} points of training (per finished episode; reward/<name> is the sum of a "
             "component over an episode, episode/return the sum of your total):"]
    for key in keys:
        curve = sample_curve(metrics, key, points)
        if not curve:
            continue
        candidate.curves[key] = curve
        values = [v for _, v in curve]
        label = "success" if key == "episode/success" else key
        lines.append(f"  {label}: [{', '.join(f'{v:.3g}' for v in values)}], "
                     f"max {max(values):.3g}, mean {np.mean(values):.3g}, min {min(values):.3g}")
    lines.append(summarize_endings(ends))
    if candidate.critic.warnings:
        lines.append("Checks before training: " + "; ".join(candidate.critic.warnings))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- the loop


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, int(requested))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def synthesize(client: LLMClient, config: SynthConfig, out: str | Path,
               on_event: Callable[[str], None] | None = None) -> SynthResult:
    """Run the loop and write its outputs to ``out``; returns the best candidate (None if none trained).

    ``on_event`` receives one line per step of progress (the CLI prints them).
    """
    from agentgym.trainers.config import resolve_config

    config.validate()
    say = on_event or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    probe = gym.make(config.env_id, disable_env_checker=True, **config.env_kwargs)
    spec = get_task_spec(probe)
    probe.close()
    base = resolve_config(config.env_id, overrides={"seed": config.seed})
    steps = config.train_steps or DEFAULT_STEPS.get(base.family, DEFAULT_STEPS["default"])
    num_envs = config.num_envs or base.num_envs
    transitions: Transitions = sample_transitions(config.env_id, config.critic_samples, config.seed, config.env_kwargs)

    rounds: list[list[Candidate]] = []
    feedback: str | None = None
    best: Candidate | None = None
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no torch state forked
    with ProcessPoolExecutor(max_workers=_workers(config.workers), mp_context=context) as pool:
        for r in range(config.iterations):
            messages = prompts.build_messages(spec, config.task, examples=config.examples, feedback=feedback)
            (out / f"round_{r}").mkdir(exist_ok=True)
            (out / f"round_{r}" / "prompt.md").write_text(
                "\n\n".join(f"## {m['role']}\n\n{m['content']}" for m in messages))
            say(f"round {r}: asking {client.name} for {config.samples} reward programs")
            started = time.perf_counter()
            replies = client.complete(messages, n=config.samples, config=config.generation)
            say(f"round {r}: {len(replies)} replies in {time.perf_counter() - started:.1f} s")
            candidates = []
            for i, reply in enumerate(replies):
                result = critique(reply, transitions, limits=config.limits, name=f"r{r}c{i}.py")
                candidates.append(Candidate(r, i, reply, result))
                say(f"  r{r}c{i}: critic {'passed' if result.ok else 'rejected at ' + result.stage}"
                    + ("" if result.ok else f": {result.error}"))
            jobs = {c.name: {"code": c.critic.code, "name": f"{c.name}.py", "limits": config.limits,
                             "env_id": config.env_id, "steps": steps, "seed": config.seed,
                             "reward_mode": config.reward_mode, "num_envs": num_envs,
                             "out": str(out / f"round_{r}" / c.name), "hyperparams": dict(config.hyperparams),
                             "eval_episodes": config.eval_episodes, "eval_seed": 1_000_000 + config.seed,
                             "env_kwargs": dict(config.env_kwargs)}
                    for c in candidates if c.critic.ok}
            if jobs:
                say(f"round {r}: training {len(jobs)} candidates for {steps:,} steps each")
            futures = {name: pool.submit(_train_candidate, job) for name, job in jobs.items()}
            for c in candidates:
                if c.name not in futures:
                    continue
                (out / f"round_{r}" / f"{c.name}.py").write_text(c.critic.code)
                res = futures[c.name].result()
                c.run_dir = res["run_dir"]
                c.status = res["status"]
                if c.status == "failed":
                    c.error, c.traceback = res["error"], res.get("traceback")
                    say(f"  {c.name}: training failed: {c.error}")
                    continue
                ends = [EpisodeEnd(**e) for e in res["ends"]]
                c.success_rate = float(np.mean([e.success for e in ends]))
                progress = [e.progress for e in ends if e.progress is not None]
                c.progress = float(np.mean(progress)) if progress else None
                train_success = [float(m["episode/success"]) for m in res["metrics"] if "episode/success" in m]
                c.max_train_success = max(train_success) if train_success else 0.0
                c.reflection = reflection_text(c, res["metrics"], ends, config.reflection_points)
                say(f"  {c.name}: success {c.success_rate:.0%}, progress {c.progress if c.progress is not None else float('nan'):.2f}")
            rounds.append(candidates)
            trained = [c for c in candidates if c.fitness is not None]
            round_best = max(trained, key=lambda c: c.fitness) if trained else None
            if round_best is not None and (best is None or round_best.fitness > best.fitness):
                best = round_best
                (out / "best_reward.py").write_text(best.critic.code)
            feedback = _feedback(candidates, round_best)
            (out / f"round_{r}" / "feedback.md").write_text(feedback)
            _write_outputs(out, config, spec.name, client.name, steps, rounds, best)
    return SynthResult(out, best, rounds)


def _feedback(candidates: Sequence[Candidate], best: Candidate | None) -> str:
    """The next round's feedback: the best candidate's reflection, or every error."""
    errors = []
    for c in candidates:
        if not c.critic.ok:
            errors.append((c.critic.code, c.critic.feedback()))
        elif c.status == "failed":
            errors.append((c.critic.code, f"[training] {c.error}" + (f"\n{c.traceback.rstrip()}" if c.traceback else "")))
    if best is None:
        return prompts.errors_message(errors)
    text = prompts.feedback_message(best.critic.code, best.reflection)
    failed = [e for e in errors if e[1].startswith("[training]")]
    if failed:
        text += "\n\nOther candidates failed during training:\n" + "\n".join(f"- {e}" for _, e in failed[:2])
    return text


# ---------------------------------------------------------------------------------------- outputs


def _write_outputs(out: Path, config: SynthConfig, task_name: str, llm: str, steps: int,
                   rounds: list[list[Candidate]], best: Candidate | None) -> None:
    data = {"env_id": config.env_id, "task": config.task, "llm": llm, "samples": config.samples,
            "iterations": config.iterations, "train_steps": steps, "seed": config.seed,
            "best": best.name if best else None,
            "rounds": [[c.to_dict() for c in r] for r in rounds]}
    (out / "synth.json").write_text(json.dumps(data, indent=2, default=str))
    plots = _plot_rounds(out, rounds)
    (out / "report.md").write_text(render_report(config, task_name, llm, steps, rounds, best, plots))


def _plot_rounds(out: Path, rounds: list[list[Candidate]]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    (out / "plots").mkdir(exist_ok=True)
    for r, candidates in enumerate(rounds):
        trained = [c for c in candidates if c.curves.get("episode/success")]
        if not trained:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for c in trained:
            steps, values = zip(*c.curves["episode/success"], strict=True)
            ax.plot(steps, values, marker="o", label=f"{c.name} (eval {c.success_rate:.0%})")
        ax.set(xlabel="env steps", ylabel="training success rate", title=f"round {r}", ylim=(-0.05, 1.05))
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out / "plots" / f"round_{r}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def render_report(config: SynthConfig, task_name: str, llm: str, steps: int, rounds: list[list[Candidate]],
                  best: Candidate | None, plots: Sequence[Path]) -> str:
    """The Markdown report: setup, each round's candidates and scores, plots, the best program."""
    total = sum(len(r) for r in rounds)
    rejected = sum(not c.critic.ok for r in rounds for c in r)
    lines = [f"# Reward synthesis: {task_name}", "",
             f"- env: `{config.env_id}`; task: {config.task or '(the TaskSpec task)'}",
             f"- LLM: `{llm}`; {config.samples} candidates x {config.iterations} rounds; "
             f"{steps:,} PPO steps per candidate; fitness: evaluation success rate over "
             f"{config.eval_episodes} episodes (ties: ground-truth progress)",
             f"- critic: rejected {rejected} of {total} candidates ({(rejected / total if total else 0):.0%})",
             f"- best: {best.name + f' (success {best.success_rate:.0%})' if best else 'none trained'}", ""]
    for r, candidates in enumerate(rounds):
        lines += [f"## Round {r}", "", "| candidate | critic | training | eval success | progress | max train success |",
                  "|---|---|---|---|---|---|"]
        for c in candidates:
            critic = "passed" if c.critic.ok else f"rejected ({c.critic.stage})"
            training = {"rejected": "-", "trained": "trained", "failed": "failed"}[c.status]
            fmt = lambda v, pct=False: "-" if v is None else (f"{v:.0%}" if pct else f"{v:.2f}")  # noqa: E731
            lines.append(f"| {c.name} | {critic} | {training} | {fmt(c.success_rate, True)} | {fmt(c.progress)} | "
                         f"{fmt(c.max_train_success, True)} |")
        lines.append("")
        for c in candidates:
            if c.status == "failed" or not c.critic.ok:
                why = c.error if c.status == "failed" else c.critic.error
                lines.append(f"- {c.name}: {why}")
        plot = next((p for p in plots if p.name == f"round_{r}.png"), None)
        if plot is not None:
            lines += ["", f"![round {r}](plots/{plot.name})"]
        lines.append("")
    if best is not None:
        lines += ["## Best reward", "", f"From {best.name}; saved as `best_reward.py`. Train with it:", "",
                  f"    agentgym train --env {config.env_id} --reward-code best_reward.py", "",
                  "```python", best.critic.code.strip(), "```", "", "### Its reflection", "", "```",
                  best.reflection.strip(), "```", ""]
    return "\n".join(lines)
