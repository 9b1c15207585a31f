"""Text games: steps/s with random admissible actions, and oracle vs random success per game and difficulty.

* ``speed``: each text game stepped by a random agent choosing from ``info["admissible_actions"]``,
  one process pinned to one core, the env made by ``gym.make`` (wrappers included, ``info`` and
  ``progress`` computed every step); median of ``--repeats`` runs of ``--steps`` steps, interleaved.
  Peer in the same run: the MiniGrid text view (``MiniGrid-DoorKey-5x5-Text-v0``), our other
  text family, which also computes admissible actions and planner progress every step. Goal:
  at least 10,000 steps/s for ``TextAdventure-Medium`` on one core.
* ``agents``: the oracle and the random agent on the test split (``--episodes`` seeded episodes
  each): success rate with its 95% interval, mean episode length and mean return.

Results go to ``benchmarks/results/textgames.json``.

Example:
    python benchmarks/textgames.py                  # both parts (~2 min on 2 cores)
    python benchmarks/textgames.py --parts speed --steps 20000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "textgames.json"
GAMES = ("TextAdventure-Easy-v0", "TextAdventure-Medium-v0", "TextAdventure-Hard-v0", "Maze-v0", "Maze-Partial-v0",
         "Wordle-v0", "TwentyQuestions-v0")
PEER = "MiniGrid-DoorKey-5x5-Text-v0"
console = Console()


def steps_per_s(env_id: str, steps: int, seed: int) -> float:
    """Random admissible actions for ``steps`` steps (episodes restart as they end)."""
    env = gym.make(f"agentgym/{env_id}")
    rng = random.Random(seed)
    _, info = env.reset(seed=seed)
    episode = 0
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, info = env.step(rng.choice(info["admissible_actions"]))
        if terminated or truncated:
            episode += 1
            _, info = env.reset(seed=seed + episode)
    seconds = time.perf_counter() - start
    env.close()
    return steps / seconds


def speed(steps: int, repeats: int) -> dict[str, Any]:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
        pinned = True
    except (AttributeError, OSError):
        pinned = False
    ids = (*GAMES, PEER)
    for env_id in ids:  # warm up: imports, word lists, caches
        steps_per_s(env_id, 200, 0)
    samples: dict[str, list[float]] = {e: [] for e in ids}
    for k in range(repeats):
        for env_id in ids:
            samples[env_id].append(steps_per_s(env_id, steps, 1000 * k))
    med = {e: statistics.median(v) for e, v in samples.items()}
    rows = [{"env": e, "steps_per_s": med[e], "ratio_to_peer": med[e] / med[PEER], "samples": samples[e]} for e in ids]
    for r in rows:
        console.print(f"  {r['env']:32s} {r['steps_per_s']:>10,.0f} steps/s  ({r['ratio_to_peer']:.2f}x the peer)",
                      highlight=False)
    return {"steps": steps, "repeats": repeats, "pinned_to_one_core": pinned, "peer": PEER, "rows": rows}


def agents(episodes: int) -> dict[str, Any]:
    from agentgym.agents import evaluate_agent

    rows = []
    for env_id in GAMES:
        row: dict[str, Any] = {"env": env_id, "split": "test"}
        for agent in ("oracle", "random"):
            start = time.perf_counter()
            res = evaluate_agent(f"agentgym/{env_id}", agent, episodes=episodes, seed=0, env_kwargs={"split": "test"})
            row[agent] = {"success_rate": res.success_rate, "success_ci95": res.success_ci95,
                          "mean_length": res.mean_length, "mean_return": res.mean_return,
                          "seconds": time.perf_counter() - start}
        rows.append(row)
        console.print(f"  {env_id:32s} oracle {row['oracle']['success_rate']:.0%} in {row['oracle']['mean_length']:.1f} "
                      f"steps, random {row['random']['success_rate']:.0%} in {row['random']['mean_length']:.1f}",
                      highlight=False)
    return {"episodes": episodes, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["speed", "agents"], default=["speed", "agents"])
    parser.add_argument("--steps", type=int, default=20_000, help="steps per speed run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--episodes", type=int, default=200, help="episodes per agent and game")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import agentgym  # noqa: F401

    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    if "agents" in args.parts:  # before speed: speed pins this process to one core
        console.print(f"[bold]oracle vs random, {args.episodes} test-split episodes each[/bold]")
        data["agents"] = agents(args.episodes)
        table = Table("game", "oracle success", "oracle length", "random success", "random length")
        for r in data["agents"]["rows"]:
            o, n = r["oracle"], r["random"]
            table.add_row(r["env"], f"{o['success_rate']:.1%}", f"{o['mean_length']:.1f}", f"{n['success_rate']:.1%}",
                          f"{n['mean_length']:.1f}")
        console.print(table)
    if "speed" in args.parts:
        console.print(f"[bold]steps/s, random admissible actions, one core, median of {args.repeats}[/bold]")
        data["speed"] = speed(args.steps, args.repeats)
    write_results(args.out, data)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
