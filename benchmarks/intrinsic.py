"""LLM-feedback intrinsic rewards: how good the annotator's labels are, and what they do to training.

* ``labels``: for each MiniGrid task, episodes of a half-oracle policy (the planner's action
  with probability 0.5, else a random one) collect the env's event messages together with the
  change in the planner's ground-truth progress on their step. A message is *truly helpful* if
  its mean progress change is positive. The annotator (``--model``, default the embedded
  SmolLM2-135M) labels every message; reported: ROC AUC of its scores against the truth, and
  precision / recall of "helpful" at the reward's threshold ε.
* ``train``: PPO on a sparse task with the env reward alone against the same PPO with
  ``--intrinsic llm-feedback``, same budget and seeds, two trainings at a time; success rate
  of the evaluation episodes after training.

Results go to ``benchmarks/results/intrinsic.json``.

Example:
    python benchmarks/intrinsic.py                              # both parts (~15 min on 2 cores)
    python benchmarks/intrinsic.py --parts labels
    python benchmarks/intrinsic.py --parts train --seeds 0 --steps 50000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "intrinsic.json"
LABEL_TASKS = ("MiniGrid-DoorKey-8x8-v0", "MiniGrid-KeyCorridorS3R1-v0", "MiniGrid-Unlock-v0")
TRAIN_TASKS = ("MiniGrid-DoorKey-8x8-v0",)


def collect_messages(env_id: str, episodes: int, seed: int) -> dict[str, list[float]]:
    """Each event message of a half-oracle policy, with the progress change of each of its steps."""
    import agentgym  # noqa: F401

    env = gym.make(f"agentgym/{env_id}", with_progress=True)
    rng = np.random.default_rng(seed)
    deltas: dict[str, list[float]] = defaultdict(list)
    for episode in range(episodes):
        _, info = env.reset(seed=seed + episode)
        before = info["progress"]
        done = False
        while not done:
            oracle = env.unwrapped.oracle_action()
            action = oracle if oracle is not None and rng.random() < 0.5 else int(rng.integers(7))
            _, _, terminated, truncated, info = env.step(action)
            done = terminated or truncated
            after = 1.0 if info["success"] else info["progress"]
            if info["message"]:
                deltas[info["message"]].append(after - before)
            before = after
    env.close()
    return deltas


def roc_auc(scores: list[float], truth: list[bool]) -> float | None:
    """Probability that a truly helpful message scores above an unhelpful one (ties count half)."""
    pos = [s for s, t in zip(scores, truth, strict=True) if t]
    neg = [s for s, t in zip(scores, truth, strict=True) if not t]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def at_threshold(rows: list[dict[str, Any]], epsilon: float) -> dict[str, Any]:
    """How many messages score above ``epsilon`` (the reward pays those), and their precision and recall."""
    flagged = [r for r in rows if (r["score"] or 0.0) > epsilon]
    hits = sum(r["helpful"] for r in flagged)
    truth = sum(r["helpful"] for r in rows)
    return {"epsilon": epsilon, "flagged": len(flagged), "precision": hits / len(flagged) if flagged else None,
            "recall": hits / truth if truth else None}


def label_quality(model: str, episodes: int, epsilons: list[float]) -> list[dict[str, Any]]:
    from agentgym.reward_synth.intrinsic import make_labeler

    labeler = make_labeler(model)
    out = []
    for env_id in LABEL_TASKS:
        deltas = collect_messages(env_id, episodes, seed=0)
        probe = gym.make(f"agentgym/{env_id}")
        _, info = probe.reset(seed=0)
        task = info["task"]
        probe.close()
        start = time.perf_counter()
        rows = []
        for message, changes in sorted(deltas.items()):
            score = labeler.label(task, message)
            rows.append({"message": message, "count": len(changes), "mean_progress_change": float(np.mean(changes)),
                         "helpful": bool(np.mean(changes) > 0), "score": score})
        seconds = time.perf_counter() - start
        scores = [r["score"] if r["score"] is not None else 0.0 for r in rows]
        truth = [r["helpful"] for r in rows]
        out.append({
            "env": env_id, "task": task, "messages": len(rows), "truly_helpful": sum(truth),
            "auc": roc_auc(scores, truth), "thresholds": [at_threshold(rows, e) for e in epsilons],
            "seconds_per_label": seconds / max(1, len(rows)), "rows": rows,
        })
    return out


def train_one(env_id: str, seed: int, steps: int, intrinsic: bool, model: str, folder: str, eval_episodes: int) -> dict[str, Any]:
    import agentgym
    from agentgym.reward_synth.intrinsic import LLMFeedback

    spec = LLMFeedback(model) if intrinsic else None
    start = time.perf_counter()
    run = agentgym.train(env_id, steps=steps, seed=seed, out=folder, intrinsic=spec, progress=False,
                         eval_episodes=eval_episodes, overwrite=True)
    seconds = time.perf_counter() - start
    result = json.loads((Path(folder) / "eval.json").read_text())
    last = [r for r in run.metrics() if "intrinsic/labelled" in r]
    return {"env": env_id, "seed": seed, "intrinsic": intrinsic, "success_rate": result["success_rate"],
            "mean_return": result["mean_return"], "seconds": seconds,
            "labelled": last[-1]["intrinsic/labelled"] if last else None,
            "messages": last[-1]["intrinsic/messages"] if last else None}


def training(model: str, seeds: list[int], steps: int, eval_episodes: int, workers: int) -> dict[str, Any]:
    jobs = [(env_id, seed, steps, intrinsic, model) for env_id in TRAIN_TASKS for seed in seeds for intrinsic in (False, True)]
    results = []
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(train_one, *job, f"{tmp}/{i}", eval_episodes) for i, job in enumerate(jobs)]
        for future in futures:
            results.append(future.result())
            r = results[-1]
            print(f"  {r['env']} seed {r['seed']} {'llm-feedback' if r['intrinsic'] else 'sparse'}: "
                  f"success {r['success_rate']:.2f} ({r['seconds']:.0f} s)", flush=True)
    summary = {}
    for env_id in TRAIN_TASKS:
        sparse = [r["success_rate"] for r in results if r["env"] == env_id and not r["intrinsic"]]
        feedback = [r["success_rate"] for r in results if r["env"] == env_id and r["intrinsic"]]
        summary[env_id] = {"sparse_mean": statistics.fmean(sparse), "llm_feedback_mean": statistics.fmean(feedback),
                           "sparse": sparse, "llm_feedback": feedback}
    return {"steps": steps, "seeds": seeds, "runs": results, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["labels", "train"], default=["labels", "train"])
    parser.add_argument("--model", default="local", help="annotator LLM spec (default: the embedded SmolLM2)")
    parser.add_argument("--episodes", type=int, default=30, help="half-oracle episodes per task for the labels part")
    parser.add_argument("--epsilon", type=float, nargs="+", default=[0.5, 0.6], help="thresholds to report")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=150_000)
    parser.add_argument("--eval-episodes", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    console = Console()
    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    data["model"] = args.model
    if "labels" in args.parts:
        console.print("[bold]annotator labels against ground-truth progress[/bold]")
        quality = label_quality(args.model, args.episodes, args.epsilon)
        data["labels"] = {"epsilon": args.epsilon, "episodes": args.episodes, "tasks": quality}
        table = Table("task", "messages", "truly helpful", "AUC", "ε", "flagged", "precision", "recall", "s/label")
        for q in quality:
            fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
            for k, th in enumerate(q["thresholds"]):
                first = k == 0
                table.add_row(q["env"] if first else "", str(q["messages"]) if first else "",
                              str(q["truly_helpful"]) if first else "", fmt(q["auc"]) if first else "",
                              f"{th['epsilon']:g}", str(th["flagged"]), fmt(th["precision"]), fmt(th["recall"]),
                              f"{q['seconds_per_label']:.2f}" if first else "")
        console.print(table)
    if "train" in args.parts:
        console.print(f"[bold]sparse vs llm-feedback, {args.steps} steps, seeds {args.seeds}[/bold]")
        data["train"] = training(args.model, args.seeds, args.steps, args.eval_episodes, args.workers)
        table = Table("task", "sparse success", "llm-feedback success")
        for env_id, s in data["train"]["summary"].items():
            table.add_row(env_id, f"{s['sparse_mean']:.2f} {s['sparse']}", f"{s['llm_feedback_mean']:.2f} {s['llm_feedback']}")
        console.print(table)
    write_results(args.out, data)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
