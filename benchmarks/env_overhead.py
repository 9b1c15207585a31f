"""Env overhead: single-env steps/s of agentgym envs against their upstream peers, in one run.

Each pair steps both envs with the same seeded random actions (episodes reset when they end,
and the resets count in the time, as in training). Runs alternate A, B, A, B, ... so that a
noisy machine slows both sides alike; the table shows each side's median steps/s, the ratio
of the medians agentgym / peer (1.0 = no overhead) and, as a check on the noise, the median and
range of the per-repeat ratios. A pair whose env fails to build or step is skipped with a note.
Results, with the machine and library versions, go to ``benchmarks/results/env_overhead.json``.

Example:
    python benchmarks/env_overhead.py                      # every pair, defaults (< 2 min on 2 cores)
    python benchmarks/env_overhead.py --steps 500 --repeats 3 --pairs HalfCheetah
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import agentgym  # noqa: F401  (registers the agentgym/ ids)
from agentgym.core import RewardWrapper, load_reward_fn
from agentgym.envs.minigrid.text_view import ACTION_WORDS

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "env_overhead.json"

#: The "small reference reward" of the RewardWrapper pair: HalfCheetah-v5's own reward terms.
REFERENCE_REWARD = '''
import numpy as np


def compute_reward(state, action, next_state, info):
    forward = float(next_state["x_velocity"])
    ctrl_cost = -0.1 * float(np.sum(np.square(action)))
    return forward + ctrl_cost, {"forward": forward, "ctrl_cost": ctrl_cost}
'''


@dataclass(frozen=True)
class Pair:
    """An agentgym env and the upstream env it is measured against."""

    name: str
    ours: str
    peer: str
    make_ours: Callable[[], gym.Env]
    make_peer: Callable[[], gym.Env]
    #: maps the peer's action to ours where the spaces differ (a text view's words)
    translate: Callable[[Any], Any] | None = None


def _make(env_id: str, **kwargs: Any) -> Callable[[], gym.Env]:
    return lambda: gym.make(env_id, **kwargs)


def _with_reward(env_id: str) -> Callable[[], gym.Env]:
    return lambda: RewardWrapper(gym.make(env_id), load_reward_fn(REFERENCE_REWARD, name="reference"))


def _same_env(ours: str, peer: str, name: str | None = None) -> Pair:
    return Pair(name or ours.removeprefix("agentgym/"), ours, peer, _make(ours), _make(peer))


PAIRS: tuple[Pair, ...] = (
    _same_env("agentgym/HalfCheetah-v5", "HalfCheetah-v5"),
    _same_env("agentgym/Hopper-v5", "Hopper-v5"),
    _same_env("agentgym/Ant-v5", "Ant-v5"),
    _same_env("agentgym/Humanoid-v5", "Humanoid-v5"),
    # The variant never terminates on a fall and ends after 500 steps; its peer is built alike
    # (terminate_when_unhealthy=False, max_episode_steps=500), so both simulate the same physics:
    # a fallen hopper's floor contacts make mj_step slower than the upright hops of Hopper-v5.
    Pair("Hopper-Backflip-v0", "agentgym/Hopper-Backflip-v0", "Hopper-v5 (as the variant)",
         _make("agentgym/Hopper-Backflip-v0"),
         _make("Hopper-v5", terminate_when_unhealthy=False, max_episode_steps=500)),
    _same_env("agentgym/MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-5x5-v0"),
    # The text view vs the array env it describes: words in and out, plus planner progress each step.
    Pair("MiniGrid-DoorKey-5x5-Text-v0", "agentgym/MiniGrid-DoorKey-5x5-Text-v0", "MiniGrid-DoorKey-5x5-v0",
         _make("agentgym/MiniGrid-DoorKey-5x5-Text-v0"), _make("MiniGrid-DoorKey-5x5-v0"),
         translate=lambda a: ACTION_WORDS[int(a)]),
    Pair("RewardWrapper", "agentgym/HalfCheetah-v5 + RewardWrapper", "agentgym/HalfCheetah-v5",
         _with_reward("agentgym/HalfCheetah-v5"), _make("agentgym/HalfCheetah-v5")),
)


def steps_per_second(env: gym.Env, actions: Sequence[Any], seed: int) -> float:
    """Step ``env`` through ``actions`` from ``reset(seed=seed)``, resetting at episode ends."""
    env.reset(seed=seed)
    gc.collect()
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return len(actions) / (time.perf_counter() - start)


def _build(pair: Pair, steps: int, seed: int) -> tuple[gym.Env, gym.Env, tuple[list[Any], list[Any]]]:
    """Both envs and one shared list of seeded random actions; raises if either fails to step."""
    ours, peer = pair.make_ours(), pair.make_peer()
    if pair.translate is None and ours.action_space != peer.action_space:
        raise ValueError(f"action spaces differ: {ours.action_space} vs {peer.action_space}")
    peer.action_space.seed(seed)
    actions = [peer.action_space.sample() for _ in range(steps)]
    ours_actions = actions if pair.translate is None else [pair.translate(a) for a in actions]
    for env, acts in ((ours, ours_actions), (peer, actions)):  # smoke test and warm-up before timing
        steps_per_second(env, acts[: min(200, steps)], seed)
    return ours, peer, (ours_actions, actions)


def run_pair(pair: Pair, steps: int, repeats: int, seed: int, advance: Callable[[], None]) -> dict[str, Any]:
    """Median steps/s of both sides over ``repeats`` interleaved runs, and their ratio."""
    ours, peer, (ours_actions, peer_actions) = _build(pair, steps, seed)
    rates: dict[str, list[float]] = {"ours": [], "peer": []}
    for r in range(repeats):
        for side, env, actions in (("ours", ours, ours_actions), ("peer", peer, peer_actions)):
            rates[side].append(steps_per_second(env, actions, seed + r))
            advance()
    ours.close()
    peer.close()
    ours_median, peer_median = statistics.median(rates["ours"]), statistics.median(rates["peer"])
    paired = [o / p for o, p in zip(rates["ours"], rates["peer"], strict=True)]
    return {
        "pair": pair.name,
        "ours": pair.ours,
        "peer": pair.peer,
        "ours_steps_per_s": rates["ours"],
        "peer_steps_per_s": rates["peer"],
        "ours_median": ours_median,
        "peer_median": peer_median,
        "ratio": ours_median / peer_median,
        # Each run against the peer's run right after it: less sensitive to slow drifts of the machine.
        "paired_ratio_median": statistics.median(paired),
        "paired_ratio_range": [min(paired), max(paired)],
    }


def _table(results: list[dict[str, Any]], steps: int, repeats: int) -> Table:
    table = Table(title=f"Env overhead: single-env steps/s, median of {repeats} x {steps} random steps")
    for column in ("agentgym", "steps/s", "peer", "steps/s ", "ratio", "paired (range)"):
        table.add_column(column, justify="left" if column in ("agentgym", "peer") else "right")
    for res in results:
        if "skipped" in res:
            table.add_row(res["ours"], "-", res["peer"], "-", "skipped", "-")
        else:
            low, high = res["paired_ratio_range"]
            table.add_row(res["ours"], f"{res['ours_median']:,.0f}", res["peer"], f"{res['peer_median']:,.0f}",
                          f"{res['ratio']:.2f}", f"{res['paired_ratio_median']:.2f} ({low:.2f}-{high:.2f})")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="env steps per timed run (default 2000)")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per side, interleaved (default 9)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random actions and resets")
    parser.add_argument("--pairs", nargs="*", default=None, metavar="TEXT",
                        help="only the pairs whose name contains one of these texts")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON output (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be at least 1")
    pairs = [p for p in PAIRS if not args.pairs or any(t.lower() in p.name.lower() for t in args.pairs)]
    if not pairs:
        parser.error(f"no pair matches {args.pairs}; pairs: {[p.name for p in PAIRS]}")

    console = Console() if sys.stdout.isatty() else Console(width=120)  # a log file gets the whole table
    results: list[dict[str, Any]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with warnings.catch_warnings(), Progress(*columns, console=console) as progress:
        warnings.simplefilter("ignore")  # gymnasium's env-checker warnings are not what we measure
        for pair in pairs:
            task = progress.add_task(pair.name, total=2 * args.repeats)
            try:
                results.append(run_pair(pair, args.steps, args.repeats, args.seed,
                                        lambda task=task: progress.advance(task)))
            except Exception as exc:  # a broken env skips its pair, never the benchmark
                note = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                progress.console.print(f"[yellow]skipping {pair.name}: {note}[/yellow]")
                results.append({"pair": pair.name, "ours": pair.ours, "peer": pair.peer, "skipped": note})
            progress.update(task, completed=2 * args.repeats)

    console.print(_table(results, args.steps, args.repeats))
    for res in results:
        if "skipped" in res:
            console.print(f"note: skipped {res['pair']}: {res['skipped']}")
    report = {
        "benchmark": "env_overhead",
        "machine": machine_info(),
        "args": {"steps": args.steps, "repeats": args.repeats, "seed": args.seed,
                 "pairs": [p.name for p in pairs]},
        "results": results,
    }
    write_results(args.out, report)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
