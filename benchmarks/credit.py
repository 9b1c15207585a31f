"""How right is each credit method? Attribution accuracy where the true credit is known, then the effect on learning.

**Attribution** (the same sampled trajectories for every method):

* ``keydoor``: the tabular key-door-lava world (``keydoor.py``), 64 groups x 8 episodes of a known
  behaviour policy (the shortest-path action with probability 0.6, else uniform); the truth is
  the exact A^π(s_t, a_t) by backward induction.
* ``adventure``: TextAdventure-Easy-v0, 32 task seeds x 8 episodes of a noisy oracle (the
  solver's action with probability 0.5, else a uniformly random admissible one); the truth is the
  progress each step gained (the env's exact planner), i.e. the advantage of a step under the
  progress potential.

Per method: Spearman correlation between its per-step credit and the truth, sign agreement
(steps where the truth is non-zero), recall of the decisive steps (key pickup, door opening, lava
on keydoor; every step that changed progress on the adventure), where a trajectory with k
decisive steps recalls one when its credit has the expected sign and a magnitude above that of
every step outside the trajectory's top k, and ``|Σ_t credit_t − outcome|``. The step-reward methods (spa, prime, istar, pbrs, gra, progress) are
graded twice: the advantage a trainer uses (outcome advantage + process return) and their raw step
reward. pbrs, gra and progress read the true progress, so they are upper references, not rivals.

**Learning**: a linear softmax policy over hashed (observation, action) features, trained by
group policy gradient (8 episodes per update, lr 20) with each method's per-step advantages;
episodes until the success rate over the last 40 episodes reaches 0.8 (capped at 3000), on
TextAdventure-Easy (one task world per seed: a reactive policy cannot carry a route across
worlds) and the MiniGrid-Empty-5x5 text view, 5 seeds, against GRPO on the outcome alone (``none``).

Writes ``benchmarks/results/credit.json`` and ``benchmarks/results/credit_heatmap.png`` (the credit
each method gives along one key-door-lava trajectory).

Example:
    python benchmarks/credit.py                         # ~10 min on 2 cores
    python benchmarks/credit.py --parts attribution --groups 16
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from keydoor import KeyDoorLava, sample_trajectories  # noqa: E402
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "credit.json"
HEATMAP = Path(__file__).parent / "results" / "credit_heatmap.png"
console = Console()

ATTRIBUTION_METHODS = ("grpo", "rloo", "returns", "gae", "gigpo", "salt", "spa", "prime", "istar", "pbrs", "gra",
                       "progress")
REWARD_METHODS = ("spa", "prime", "istar", "pbrs", "gra", "progress")
LEARNING_METHODS = ("none", "gigpo", "salt", "spa", "prime", "istar", "pbrs", "gra", "progress")
ORACLE_METHODS = ("pbrs", "gra", "progress")  # they read the true progress


# ----------------------------------------------------------------------------------- credit


def assigner(method: str, seed: int = 0, offline: bool = True) -> Any:
    """The CreditAssigner of a method; ``offline`` fits the learned models longer (one batch, graded once)."""
    from agentgym.credit import CreditAssigner

    if method == "grpo":
        return CreditAssigner("none", seed=seed)
    if method == "rloo":
        return CreditAssigner("none", base="rloo", seed=seed)
    settings: dict[str, Any] = {}
    if method == "spa":
        settings["spa_epochs"] = 300 if offline else 30
    if method in ("prime", "istar"):  # offline: 200 steps at 10x the default lr on the one batch
        settings.update(prm_epochs=200, prm_lr=0.02) if offline else settings.update(prm_epochs=5)
    return CreditAssigner(method, seed=seed, **settings)


def mc_value_gae(trajectories: Sequence[Any], lam: float = 0.95) -> list[np.ndarray]:
    """GAE(γ=1, λ) with a tabular value fitted on the batch: V(s) = the mean return from s's visits."""
    from agentgym.credit import discounted_step_returns, state_key, turn_gae

    rewards = [t.rewards for t in trajectories]
    returns = discounted_step_returns(rewards, 1.0)
    totals: dict[Any, list[float]] = {}
    for t, ret in zip(trajectories, returns, strict=True):
        for step, g in zip(t.steps, ret, strict=True):
            totals.setdefault(state_key(step.observation), []).append(float(g))
    value = {k: float(np.mean(v)) for k, v in totals.items()}
    values = [np.array([value[state_key(s.observation)] for s in t.steps]) for t in trajectories]
    truncated = [bool(t.steps and t.steps[-1].truncated) for t in trajectories]
    return turn_gae(rewards, values, 1.0, lam, truncated=truncated)[0]


def credits(method: str, trajectories: Sequence[Any], seed: int = 0) -> dict[str, list[np.ndarray]]:
    """``{"advantage": ...}`` and, for a step-reward method, ``"reward"``: per-step arrays."""
    from agentgym.credit import discounted_step_returns

    if method == "returns":
        return {"advantage": discounted_step_returns([t.rewards for t in trajectories], 0.95)}
    if method == "gae":
        return {"advantage": mc_value_gae(trajectories)}
    a = assigner(method, seed)
    out: dict[str, list[np.ndarray]] = {"advantage": a(trajectories)}
    if method in REWARD_METHODS:
        a.config.spa_epochs, a.config.prm_epochs = 0, 0  # already fitted on this batch
        out["reward"] = a.step_rewards(trajectories)
    return out


# ------------------------------------------------------------------------------------ grading


def rank(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (as Spearman's rho needs)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    sorted_x = x[order]
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or sorted_x[i] != sorted_x[start]:
            ranks[order[start:i]] = (start + i - 1) / 2.0
            start = i
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = rank(a), rank(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def grade(credit: list[np.ndarray], truth: list[np.ndarray], decisive: list[np.ndarray],
          outcomes: np.ndarray) -> dict[str, float]:
    """Spearman, sign agreement, top-k decisive-step recall and |Σ credit − outcome| (see the module docstring).

    ``decisive[i][t]`` is +1 / −1 for a decisive step whose credit should be positive / negative, else 0.
    """
    c, y = np.concatenate(credit), np.concatenate(truth)
    nonzero = np.abs(y) > 1e-9
    hits, total = 0, 0
    for ci, di in zip(credit, decisive, strict=True):
        marked = np.flatnonzero(di)
        if not len(marked):
            continue
        # top-k: k = the trajectory's decisive steps; a step counts when its |credit| beats every
        # step outside the top k (ties with them do not count) and its sign is right
        ordered = np.sort(np.abs(ci))[::-1]
        bar = ordered[len(marked)] if len(ordered) > len(marked) else -np.inf
        for t in marked:
            total += 1
            hits += int(np.sign(ci[t]) == di[t] and abs(ci[t]) > bar + 1e-12)
    return {
        "spearman": spearman(c, y),
        "sign_agreement": float(np.mean(np.sign(c[nonzero]) == np.sign(y[nonzero]))) if nonzero.any() else float("nan"),
        "decisive_recall": hits / total if total else float("nan"),
        "sum_minus_outcome": float(np.mean([abs(ci.sum() - o) for ci, o in zip(credit, outcomes, strict=True)])),
        "steps": int(len(c)),
        "decisive_steps": int(total),
    }


# --------------------------------------------------------------------------------- batches


def keydoor_batch(groups: int, seed: int) -> tuple[list[Any], list[np.ndarray], list[np.ndarray]]:
    world = KeyDoorLava()
    trajs = sample_trajectories(world, groups, 8, p_opt=0.6, seed=seed)
    truth = [np.array([s.info["true_advantage"] for s in t.steps]) for t in trajs]
    sign = {"key": 1, "door": 1, "lava": -1}
    decisive = [np.array([sign.get(s.info["decisive"], 0) for s in t.steps]) for t in trajs]
    return trajs, truth, decisive


def play(env: Any, choose: Any, seed: int, group: int, max_turns: int) -> Any:
    """One episode of a text env as a Trajectory; each step's info carries the admissible actions it chose
    from (``candidates``) and the task joined to the observation is what policies read."""
    from agentgym.core import Trajectory

    obs, info = env.reset(seed=seed)
    task = info.get("task", "")
    traj = Trajectory(env_id=env.spec.id if env.spec else None, seed=seed, group_id=group)
    for _ in range(max_turns):
        candidates = list(info["admissible_actions"])
        text = f"{task}\n{obs}"
        action, logprobs = choose(text, candidates, env)
        obs2, reward, terminated, truncated, info = env.step(action)
        step_info = dict(info)
        step_info["candidates"] = candidates
        if logprobs is not None:
            step_info["behaviour_logprobs"] = logprobs
        traj.append(text, action, reward, terminated, truncated, step_info)
        obs = obs2
        if terminated or truncated:
            break
    traj.final_observation = f"{task}\n{obs}"
    return traj


def adventure_batch(groups: int, seed: int) -> tuple[list[Any], list[np.ndarray], list[np.ndarray]]:
    import gymnasium as gym

    env = gym.make("agentgym/TextAdventure-Easy-v0", split="train")
    rng = np.random.default_rng(seed)

    def noisy_oracle(text: str, candidates: list[str], e: Any) -> tuple[str, list[float]]:
        best = e.unwrapped.oracle_action()
        probs = np.full(len(candidates), 0.5 / len(candidates))
        if best in candidates:
            probs[candidates.index(best)] += 0.5
        else:
            probs = np.full(len(candidates), 1.0 / len(candidates))
        return candidates[int(rng.choice(len(candidates), p=probs))], np.log(probs).tolist()

    trajs = [play(env, noisy_oracle, seed=1000 * seed + g, group=g, max_turns=12) for g in range(groups)
             for _ in range(8)]
    env.close()
    truth = [np.diff([0.0, *t.progress]) for t in trajs]
    decisive = [np.sign(d).astype(int) for d in truth]
    return trajs, truth, decisive


def attribution(groups: int, seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in (("keydoor", keydoor_batch), ("adventure", adventure_batch)):
        trajs, truth, decisive = make(groups if name == "keydoor" else max(4, groups // 2), seed)
        outs = np.array([t.outcome for t in trajs])
        rows: dict[str, Any] = {}
        for method in ATTRIBUTION_METHODS:
            t0 = time.perf_counter()
            got = credits(method, trajs, seed)
            rows[method] = grade(got["advantage"], truth, decisive, outs)
            rows[method]["seconds"] = time.perf_counter() - t0
            if "reward" in got:
                rows[f"{method} (step reward)"] = grade(got["reward"], truth, decisive, outs)
        out[name] = {"episodes": len(trajs), "success_rate": float(np.mean([t.success for t in trajs])),
                     "mean_length": float(np.mean([len(t) for t in trajs])), "methods": rows}
        table = Table("method", "Spearman", "sign agree", "decisive recall", "|Σ−outcome|",
                      title=f"{name}: {len(trajs)} episodes, success {out[name]['success_rate']:.0%}")
        for m, r in rows.items():
            table.add_row(m + (" *" if m.split(" ")[0] in ORACLE_METHODS else ""), f"{r['spearman']:.3f}",
                          f"{r['sign_agreement']:.3f}", f"{r['decisive_recall']:.3f}", f"{r['sum_minus_outcome']:.2f}")
        console.print(table)
    console.print("* reads the true progress (an upper reference)")
    return out


# ----------------------------------------------------------------------------------- heat map


def heatmap(path: Path, seed: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trajs, truth, _ = keydoor_batch(64, seed)
    # a successful episode with a detour: long enough to show where each method puts the credit
    pick = max((i for i, t in enumerate(trajs) if t.success and 16 <= len(t) <= 26), key=lambda i: len(trajs[i]),
               default=int(np.argmax([t.success for t in trajs])))
    rows, labels = [truth[pick]], ["true A^π"]
    for method in ATTRIBUTION_METHODS:
        if method == "rloo":
            continue  # grpo's row, rescaled
        got = credits(method, trajs, seed)
        if "reward" in got:  # a step-reward method: its own step reward shows where it puts the credit
            rows.append(got["reward"][pick])
            labels.append(f"{method} (step reward)" + (" *" if method in ORACLE_METHODS else ""))
        else:
            rows.append(got["advantage"][pick])
            labels.append(method)
    width = len(trajs[pick])
    grid = np.array([r / (np.abs(r).max() + 1e-12) for r in rows])  # each row scaled to [-1, 1]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.42 * width), 0.42 * len(rows) + 1.4))
    ax.imshow(grid, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_yticks(range(len(labels)), labels)
    names = ["up", "down", "left", "right", "pickup", "toggle"]
    ticks = []
    for s in trajs[pick].steps:
        tag = s.info["decisive"]
        ticks.append(names[int(s.action)] + (f"\n[{tag}]" if tag else ""))
    ax.set_xticks(range(width), ticks, fontsize=7, rotation=90)
    ax.set_title("credit per step of one successful key-door-lava episode (each row scaled to its max |value|; "
                 "blue +, red −; * reads the true progress)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------ learning


class LinearSoftmax:
    """π(a|s) ∝ exp(w · φ(s, a)) over the admissible actions, φ the hashed features of (observation, action)."""

    def __init__(self, dim: int = 4096, lr: float = 20.0, seed: int = 0) -> None:
        from agentgym.credit import HashedFeatures

        self.features = HashedFeatures(dim)
        self.w = np.zeros(dim)
        self.lr = lr
        self.rng = np.random.default_rng(seed)
        self._cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def phi(self, text: str, candidates: Sequence[str]) -> np.ndarray:
        key = (text, tuple(candidates))
        if key not in self._cache:
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = np.stack([self.features(text, c) for c in candidates]).astype(np.float64)
        return self._cache[key]

    def probs(self, text: str, candidates: Sequence[str]) -> np.ndarray:
        z = self.phi(text, candidates) @ self.w
        z = np.exp(z - z.max())
        return z / z.sum()

    def choose(self, text: str, candidates: list[str], env: Any) -> tuple[str, list[float]]:
        p = self.probs(text, candidates)
        return candidates[int(self.rng.choice(len(candidates), p=p))], np.log(p).tolist()

    def update(self, trajectories: Sequence[Any], advantages: Sequence[np.ndarray]) -> None:
        grad = np.zeros_like(self.w)
        steps = 0
        for traj, adv in zip(trajectories, advantages, strict=True):
            for step, a in zip(traj.steps, adv, strict=True):
                cands = step.info["candidates"]
                f = self.phi(step.observation, cands)
                p = self.probs(step.observation, cands)
                grad += a * (f[cands.index(step.action)] - p @ f)
                steps += 1
        self.w += self.lr * grad / max(1, steps)


def learn(env_id: str, method: str, seed: int, max_episodes: int, threshold: float, max_turns: int,
          group: int = 8) -> dict[str, Any]:
    import gymnasium as gym

    kwargs = {"split": "train"} if "TextAdventure" in env_id else {}
    env = gym.make(env_id, **kwargs)
    policy = LinearSoftmax(seed=seed)
    credit = assigner(method, seed, offline=False)
    recent: list[bool] = []
    episodes, reached = 0, None
    curve = []
    task = 1000 + seed  # one task per run: a reactive linear policy cannot carry a route across worlds
    while episodes < max_episodes:
        batch = [play(env, policy.choose, seed=task, group=0, max_turns=max_turns) for _ in range(group)]
        episodes += group
        recent = (recent + [t.success for t in batch])[-40:]
        curve.append((episodes, float(np.mean(recent))))
        if reached is None and len(recent) >= 40 and np.mean(recent) >= threshold:
            reached = episodes
            break
        policy.update(batch, credit(batch))
    env.close()
    return {"episodes_to_threshold": reached, "episodes": episodes, "final_success": curve[-1][1],
            "curve": curve[:: max(1, len(curve) // 50)]}


def learning(seeds: list[int], max_episodes: int, threshold: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for env_id, turns in (("agentgym/TextAdventure-Easy-v0", 12), ("agentgym/MiniGrid-Empty-5x5-Text-v0", 10)):
        rows: dict[str, Any] = {}
        for method in LEARNING_METHODS:
            t0 = time.perf_counter()
            runs = [learn(env_id, method, s, max_episodes, threshold, turns) for s in seeds]
            counted = [r["episodes_to_threshold"] or max_episodes for r in runs]  # censored at the cap
            rows[method] = {"episodes_to_threshold": [r["episodes_to_threshold"] for r in runs],
                            "mean_episodes_capped": statistics.fmean(counted),
                            "reached": sum(r["episodes_to_threshold"] is not None for r in runs),
                            "final_success": [r["final_success"] for r in runs],
                            "curves": [r["curve"] for r in runs], "seconds": time.perf_counter() - t0}
            console.print(f"  {env_id.split('/')[-1]} {method:9s}: episodes to {threshold:.0%} "
                          f"{rows[method]['episodes_to_threshold']} ({time.perf_counter() - t0:.0f} s)", highlight=False)
        base = rows["none"]["mean_episodes_capped"]
        for r in rows.values():
            r["speedup_vs_none"] = base / r["mean_episodes_capped"]
        out[env_id] = {"threshold": threshold, "max_episodes": max_episodes, "seeds": seeds, "methods": rows}
        table = Table("method", "episodes to threshold (per seed)", "reached", "speed-up vs none",
                      title=f"{env_id}: linear softmax policy, groups of 8, success over the last 40 episodes "
                            f">= {threshold:.0%}")
        for m, r in rows.items():
            table.add_row(m, str(r["episodes_to_threshold"]), f"{r['reached']}/{len(seeds)}",
                          f"{r['speedup_vs_none']:.2f}x")
        console.print(table)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["attribution", "heatmap", "learning"],
                        default=["attribution", "heatmap", "learning"])
    parser.add_argument("--groups", type=int, default=64, help="key-door-lava groups of 8 (the adventure: half)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="learning runs (one task each)")
    parser.add_argument("--max-episodes", type=int, default=3000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import json

    import agentgym  # noqa: F401

    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    if "attribution" in args.parts:
        data["attribution"] = attribution(args.groups, args.seed)
        write_results(args.out, data)
    if "heatmap" in args.parts:
        heatmap(HEATMAP, args.seed)
        console.print(f"wrote {HEATMAP}")
    if "learning" in args.parts:
        data["learning"] = learning(args.seeds, args.max_episodes, args.threshold)
    write_results(args.out, data)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
