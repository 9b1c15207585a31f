"""Native PPO against stable-baselines3 PPO with matched hyperparameters, in one run.

* MiniGrid-DoorKey-5x5: env frames and wall-clock seconds until the mean return of the last
  100 training episodes reaches 0.9 (capped), per seed.
* HalfCheetah-v5: steps/s and the evaluated return after a fixed budget, per seed; and the
  wall-clock seconds native PPO needs to reach the return SB3 ends with. Both sides save a
  checkpoint every ``--cheetah-checkpoint-every`` steps; after training every checkpoint is
  evaluated (deterministic policy, the same seeded episodes), which gives each side a curve of
  evaluated return against training seconds. The target is SB3's final evaluated return; native's
  time is the training clock at its first checkpoint that reaches it.

Both sides train through ``agentgym.train`` with the same hyperparameter dict (the SB3 backend
maps the native names: num_steps, num_minibatches, update_epochs, clip_coef, anneal_lr, ...),
the same envs, seeds and torch threads. Runs alternate native, SB3, native, ... so machine
noise falls on both. Ratios are native / SB3 (time: < 1 is faster; steps/s: > 1 is faster).
Results go to ``benchmarks/results/ppo.json``.

Example:
    python benchmarks/ppo.py                                   # both tasks, 3 seeds (~30 min on 2 cores)
    python benchmarks/ppo.py --tasks doorkey --seeds 0         # one quick task
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import agentgym

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "ppo.json"

DOORKEY = {
    "env": "agentgym/MiniGrid-DoorKey-5x5-v0",
    "num_envs": 8,
    "threshold": 0.9,
    "hyperparams": {"num_steps": 128, "learning_rate": 1e-3, "num_minibatches": 4, "update_epochs": 4,
                    "gamma": 0.99, "gae_lambda": 0.95, "clip_coef": 0.2, "ent_coef": 0.01, "vf_coef": 0.5,
                    "max_grad_norm": 0.5, "anneal_lr": True, "norm_adv": True, "hidden_sizes": [64, 64]},
}
CHEETAH = {
    "env": "agentgym/HalfCheetah-v5",
    "num_envs": 4,
    "hyperparams": {"num_steps": 512, "learning_rate": 3e-4, "num_minibatches": 32, "update_epochs": 10,
                    "gamma": 0.99, "gae_lambda": 0.95, "clip_coef": 0.2, "ent_coef": 0.0, "vf_coef": 0.5,
                    "max_grad_norm": 0.5, "anneal_lr": True, "norm_adv": True, "norm_obs": True,
                    "norm_reward": True, "hidden_sizes": [64, 64]},
}
ALGOS = {"native": "ppo", "sb3": "sb3:PPO"}


def rolling_mean_reached(rows: list[dict[str, Any]], threshold: float, window: int = 100) -> dict[str, Any] | None:
    """The first row where the mean return of the last ``window`` episodes is >= threshold."""
    recent: list[tuple[float, float]] = []  # (mean return, episodes) per update
    for row in rows:
        if "episode/return" not in row:
            continue
        recent.append((row["episode/return"], row["episode/count"]))
        total, count = 0.0, 0.0
        for mean, n in reversed(recent):  # newest updates first, until the window is full
            take = min(n, window - count)
            total, count = total + mean * take, count + take
            if count >= window:
                break
        if count >= window and total / count >= threshold:
            return row
    return None


def doorkey(seed: int, algo: str, max_steps: int, folder: Path) -> dict[str, Any]:
    hit: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []

    def stop_when(row: dict[str, Any]) -> bool:
        rows.append(row)
        reached = rolling_mean_reached(rows, DOORKEY["threshold"])
        if reached is not None:
            hit.update(reached)
        return reached is not None

    start = time.perf_counter()
    run = agentgym.train(DOORKEY["env"], ALGOS[algo], max_steps, seed=seed, num_envs=DOORKEY["num_envs"],
                         hyperparams=DOORKEY["hyperparams"], out=folder / f"doorkey_{algo}_{seed}",
                         eval_episodes=0, progress=False, stop_when=stop_when, checkpoint_every=10**9)
    wall = time.perf_counter() - start
    last = run.metrics()[-1]
    return {"task": "doorkey", "algo": algo, "seed": seed, "solved": bool(hit),
            "frames": hit.get("global_step"), "seconds": hit.get("time"), "total_seconds": wall,
            "steps_per_s": last["global_step"] / last["time"]}


def cheetah(seed: int, algo: str, steps: int, folder: Path, eval_episodes: int, every: int) -> dict[str, Any]:
    run = agentgym.train(CHEETAH["env"], ALGOS[algo], steps, seed=seed, num_envs=CHEETAH["num_envs"],
                         hyperparams=CHEETAH["hyperparams"], out=folder / f"cheetah_{algo}_{seed}",
                         eval_episodes=0, progress=False, checkpoint_every=every, keep_checkpoints=0)
    rows = run.metrics()
    clock = {r["global_step"]: r["time"] for r in rows if "time" in r}
    # Evaluated after training, so evaluation never runs on the training clock.
    evals = [(step, clock[step], run.evaluate(eval_episodes, deterministic=True, save=False, checkpoint=step).mean_return)
             for _, step in run.checkpoints()]
    curve = [(r["global_step"], r["time"], r["episode/return"]) for r in rows if "episode/return" in r]
    return {"task": "cheetah", "algo": algo, "seed": seed, "steps": rows[-1]["global_step"],
            "seconds": rows[-1]["time"], "steps_per_s": rows[-1]["global_step"] / rows[-1]["time"],
            "eval_return": evals[-1][2], "final_train_return": curve[-1][2] if curve else None,
            "eval_curve": evals, "curve": curve}


def time_to_return(evals: list[tuple[int, float, float]], target: float) -> float | None:
    """Training seconds at the first evaluated checkpoint whose return reaches ``target``."""
    return next((seconds for _, seconds, ret in evals if ret >= target), None)


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dk = [r for r in results if r["task"] == "doorkey"]
    if dk:
        side = {a: [r for r in dk if r["algo"] == a] for a in ALGOS}
        solved = {a: [r for r in rs if r["solved"]] for a, rs in side.items()}
        med = {a: {k: statistics.median([r[k] for r in rs]) if rs else None for k in ("frames", "seconds")}
               for a, rs in solved.items()}
        sps = {a: statistics.median([r["steps_per_s"] for r in rs]) for a, rs in side.items() if rs}
        out["doorkey"] = {
            "solved": {a: f"{len(solved[a])}/{len(side[a])}" for a in ALGOS},
            "median_frames": {a: med[a]["frames"] for a in ALGOS},
            "median_seconds": {a: med[a]["seconds"] for a in ALGOS},
            "steps_per_s": sps,
            "ratio_seconds": (med["native"]["seconds"] / med["sb3"]["seconds"]
                              if med["native"]["seconds"] and med["sb3"]["seconds"] else None),
            "ratio_frames": (med["native"]["frames"] / med["sb3"]["frames"]
                             if med["native"]["frames"] and med["sb3"]["frames"] else None),
            "ratio_steps_per_s": sps["native"] / sps["sb3"] if len(sps) == 2 else None,
        }
    hc = [r for r in results if r["task"] == "cheetah"]
    if hc:
        side = {a: [r for r in hc if r["algo"] == a] for a in ALGOS}
        ret = {a: statistics.mean([r["eval_return"] for r in rs]) for a, rs in side.items() if rs}
        sps = {a: statistics.median([r["steps_per_s"] for r in rs]) for a, rs in side.items() if rs}
        secs = {a: statistics.median([r["seconds"] for r in rs]) for a, rs in side.items() if rs}
        # seconds native needs to match the evaluated return SB3 ends with, per seed
        reach = []
        for nat, sb in zip(side["native"], side["sb3"], strict=False):
            target = sb["eval_return"]
            t = time_to_return(nat["eval_curve"], target)
            reach.append({"seed": nat["seed"], "sb3_final_eval_return": target, "native_seconds": t,
                          "sb3_seconds": sb["seconds"], "ratio": t / sb["seconds"] if t else None})
        ratios = [r["ratio"] for r in reach]
        # a seed where native never reaches the target counts as no faster than SB3 (ratio 1)
        median_ratio = statistics.median([r if r is not None else 1.0 for r in ratios]) if ratios else None
        out["cheetah"] = {"mean_eval_return": ret, "steps_per_s": sps, "median_seconds": secs,
                          "ratio_steps_per_s": sps["native"] / sps["sb3"] if len(sps) == 2 else None,
                          "time_to_sb3_return": reach, "median_ratio_time_to_sb3_return": median_ratio}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=["doorkey", "cheetah"], default=["doorkey", "cheetah"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--doorkey-max-steps", type=int, default=300_000, help="cap on frames per DoorKey run")
    parser.add_argument("--cheetah-steps", type=int, default=300_000, help="HalfCheetah budget per run")
    parser.add_argument("--eval-episodes", type=int, default=10, help="HalfCheetah evaluation episodes per checkpoint")
    parser.add_argument("--cheetah-checkpoint-every", type=int, default=20_480,
                        help="HalfCheetah steps between the checkpoints evaluated for the return-vs-time curve")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=140)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for task in args.tasks:
            for seed in args.seeds:
                for algo in ALGOS:  # alternate native and SB3 so noise falls on both
                    console.print(f"{task} seed {seed} {algo} ...", highlight=False)
                    if task == "doorkey":
                        res = doorkey(seed, algo, args.doorkey_max_steps, folder)
                    else:
                        res = cheetah(seed, algo, args.cheetah_steps, folder, args.eval_episodes,
                                      args.cheetah_checkpoint_every)
                    results.append(res)
                    shown = {k: v for k, v in res.items() if k not in ("curve", "eval_curve")}
                    console.print(f"  {shown}", highlight=False)
                    report = {"benchmark": "ppo", "machine": machine_info(), "args": vars(args) | {"out": str(args.out)},
                              "settings": {"doorkey": DOORKEY, "cheetah": CHEETAH},
                              "results": results, "summary": summarize(results)}
                    write_results(args.out, report)  # after every run: nothing lost
    summary = summarize(results)
    table = Table(title="Native PPO vs SB3 PPO (matched hyperparameters)")
    for col in ("task", "metric", "native", "sb3", "native / sb3"):
        table.add_column(col)
    if "doorkey" in summary:
        d = summary["doorkey"]
        table.add_row("DoorKey-5x5", "solved", d["solved"]["native"], d["solved"]["sb3"], "")
        table.add_row("", "median frames to 0.9", str(d["median_frames"]["native"]), str(d["median_frames"]["sb3"]),
                      f"{d['ratio_frames']:.2f}" if d["ratio_frames"] else "-")
        table.add_row("", "median seconds to 0.9", f"{d['median_seconds']['native'] or 0:.1f}",
                      f"{d['median_seconds']['sb3'] or 0:.1f}", f"{d['ratio_seconds']:.2f}" if d["ratio_seconds"] else "-")
        table.add_row("", "steps/s", f"{d['steps_per_s'].get('native', 0):,.0f}", f"{d['steps_per_s'].get('sb3', 0):,.0f}",
                      f"{d['ratio_steps_per_s']:.2f}" if d["ratio_steps_per_s"] else "-")
    if "cheetah" in summary:
        c = summary["cheetah"]
        table.add_row("HalfCheetah-v5", "eval return", f"{c['mean_eval_return'].get('native', 0):.0f}",
                      f"{c['mean_eval_return'].get('sb3', 0):.0f}", "")
        table.add_row("", "steps/s", f"{c['steps_per_s'].get('native', 0):,.0f}", f"{c['steps_per_s'].get('sb3', 0):,.0f}",
                      f"{c['ratio_steps_per_s']:.2f}" if c["ratio_steps_per_s"] else "-")
        for r in c["time_to_sb3_return"]:
            table.add_row("", f"s to SB3's return (seed {r['seed']})",
                          f"{r['native_seconds']:.0f}" if r["native_seconds"] else "not reached",
                          f"{r['sb3_seconds']:.0f}", f"{r['ratio']:.2f}" if r["ratio"] else "-")
        if c["median_ratio_time_to_sb3_return"] is not None:
            table.add_row("", "median time-to-return ratio", "", "", f"{c['median_ratio_time_to_sb3_return']:.2f}")
    console.print(table)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
