"""SWE sandboxes: reset, command and grading latency, concurrent steps/s, and gold/empty patches on every task.

* ``reset``: ``env.reset`` p50/p90 from the warm pool (the env's container is reused: the repo is restored
  with git checkout + clean + apply) against the peer path that most stacks take, a new container per
  episode (start, copy the repo, apply the bug; the container removed after). Goal: warm p50 <= 0.3 s.
* ``command``: round trip of one ``env.step`` with a trivial shell command (``echo``), p50/p90, against the
  peer ``docker exec CONTAINER true`` through the Docker CLI. Goal: p50 <= 0.1 s.
* ``grading``: seconds to grade the gold patch (fresh container, reset, diff, hidden tests, test run).
* ``concurrency``: steps/s with 1, 8 and 32 envs stepping at once (a thread each; a step is one of a
  few read-only shell commands, ``submit`` ends each episode, which is graded), failures, and the
  agentgym containers left after the envs close. Goal: 32 envs, no failure, no leaked container.
* ``gold``: every shipped task graded with its gold patch (must resolve: 100%) and with the empty patch
  (must not: 0%), two graders in parallel.

Results go to ``benchmarks/results/swe.json``. Needs a Docker engine and the images (``agentgym swe build``).

Example:
    python benchmarks/swe.py                     # everything (~15 min on 2 cores)
    python benchmarks/swe.py --parts reset command --quick
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

from agentgym.envs.swe import grading, images  # noqa: E402
from agentgym.envs.swe.env import SWEEnv  # noqa: E402
from agentgym.envs.swe.pool import close_pools, get_pool  # noqa: E402
from agentgym.envs.swe.sandbox import Sandbox, SandboxLimits, list_containers, owner_id  # noqa: E402
from agentgym.envs.swe.tasks import load_tasks  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "swe.json"
PARTS = ("reset", "command", "grading", "concurrency", "gold")
console = Console()
COMMANDS = ("```bash\nls\n```", "```bash\ngit status --short\n```", "```bash\ngrep -rn 'def ' --include=*.py . | head\n```",
            "```bash\ncat pytest.ini\n```")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p90": pct(values, 0.9), "mean": statistics.fmean(values), "n": len(values)}


def bench_reset(tasks, n: int) -> dict[str, Any]:
    env = SWEEnv(tasks=tasks, split="all")
    env.reset(seed=0)  # takes a container from the pool
    warm = []
    for i in range(n):
        started = time.perf_counter()
        env.reset(options={"instance_id": tasks[i % len(tasks)].instance_id})
        warm.append(time.perf_counter() - started)
    env.close()
    new = []
    limits = SandboxLimits()
    for i in range(max(3, n // 3)):
        task = tasks[i % len(tasks)]
        started = time.perf_counter()
        box = Sandbox.start(task.image, limits)
        grading.reset_repo(box, task)
        new.append(time.perf_counter() - started)
        box.close()
    w, c = summary(warm), summary(new)
    return {"warm_pool_s": w, "new_container_s": c, "speedup_p50": c["p50"] / w["p50"], "goal_p50_s": 0.3,
            "goal_met": w["p50"] <= 0.3}


def bench_command(tasks, n: int) -> dict[str, Any]:
    env = SWEEnv(tasks=tasks, split="all")
    env.reset(seed=0)
    ours = []
    for _ in range(n):
        started = time.perf_counter()
        obs, *_ = env.step("```bash\necho hi\n```")
        ours.append(time.perf_counter() - started)
        assert obs == "<returncode>0</returncode><output>hi\n</output>", obs
        if env._steps >= env.max_steps - 1:
            env.reset(seed=0)
    container = env._sandbox.container.id
    cli = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run(["docker", "exec", "-u", "1000", container, "true"], check=True, capture_output=True)
        cli.append(time.perf_counter() - started)
    env.close()
    o, p = summary(ours), summary(cli)
    return {"env_step_s": o, "docker_cli_exec_s": p, "ratio_cli_over_ours_p50": p["p50"] / o["p50"], "goal_p50_s": 0.1,
            "goal_met": o["p50"] <= 0.1}


def bench_grading(tasks, n: int) -> dict[str, Any]:
    pool_times = []
    results = []
    for task in tasks[:n]:
        box = get_pool(task.image).fresh()
        started = time.perf_counter()
        result = grading.grade(box, task, task.patch)
        pool_times.append(time.perf_counter() - started)
        box.close()
        results.append(result.resolved)
    return {"grade_s": summary(pool_times), "resolved": sum(results), "graded": len(results)}


def _episode_worker(env: SWEEnv, steps: int, seed: int, stop: float, counts: dict[str, int], lock: threading.Lock):
    rng = seed
    env.reset(seed=seed)
    done_steps = 0
    failures = 0
    while time.perf_counter() < stop:
        action = COMMANDS[rng % len(COMMANDS)] if done_steps % steps != steps - 1 else "submit"
        rng = rng * 1103515245 + 12345
        try:
            obs, reward, terminated, truncated, info = env.step(action)
            if action != "submit" and not obs.startswith("<returncode>0<"):
                failures += 1
            done_steps += 1
            if terminated or truncated:
                env.reset()
        except Exception as exc:  # counted, reported
            failures += 1
            console.print(f"[red]env failure[/] {type(exc).__name__}: {exc}")
            env.reset()
    with lock:
        counts["steps"] += done_steps
        counts["failures"] += failures


def bench_concurrency(tasks, sizes: list[int], seconds: float, steps_per_episode: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        envs = [SWEEnv(tasks=tasks, split="all") for _ in range(n)]
        for i, env in enumerate(envs):  # containers up before the clock starts
            env.reset(seed=i)
        counts = {"steps": 0, "failures": 0}
        lock = threading.Lock()
        started = time.perf_counter()
        stop = started + seconds
        threads = [threading.Thread(target=_episode_worker, args=(env, steps_per_episode, i, stop, counts, lock))
                   for i, env in enumerate(envs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        for env in envs:
            env.close()
        close_pools()
        left = len(list_containers(owner=owner_id()))
        out[str(n)] = {"steps": counts["steps"], "seconds": elapsed, "steps_per_s": counts["steps"] / elapsed,
                       "failures": counts["failures"], "containers_left_after_close": left}
        console.print(f"{n:3d} envs: {counts['steps'] / elapsed:6.1f} steps/s, failures {counts['failures']}, "
                      f"containers left {left}", highlight=False)
    return out


def bench_gold(tasks, workers: int) -> dict[str, Any]:
    lock = threading.Lock()
    rows: list[dict[str, Any]] = []

    def one(task) -> None:
        pool = get_pool(task.image)
        row = {"instance_id": task.instance_id, "repo": task.repo_name}
        for name, diff in (("gold", task.patch), ("empty", "")):
            box = pool.fresh()
            try:
                result = grading.grade(box, task, diff)
            finally:
                box.close()
            row[name] = result.resolved
            row[f"{name}_s"] = result.duration
            if name == "gold" and not result.resolved:
                row["gold_message"] = result.message or str(
                    {k: v for k, v in {**result.fail_to_pass, **result.pass_to_pass}.items() if not v})[:500]
        with lock:
            rows.append(row)

    with ThreadPoolExecutor(max_workers=workers) as executor:
        list(track(executor.map(one, tasks), total=len(tasks), description="gold and empty patches"))
    gold = sum(r["gold"] for r in rows)
    empty = sum(r["empty"] for r in rows)
    by_repo: dict[str, dict[str, int]] = {}
    for r in rows:
        entry = by_repo.setdefault(r["repo"], {"tasks": 0, "gold_resolved": 0, "empty_resolved": 0})
        entry["tasks"] += 1
        entry["gold_resolved"] += r["gold"]
        entry["empty_resolved"] += r["empty"]
    return {
        "tasks": len(rows),
        "gold_resolved_rate": gold / len(rows),
        "empty_resolved_rate": empty / len(rows),
        "by_repo": by_repo,
        "grade_s": summary([r["gold_s"] for r in rows] + [r["empty_s"] for r in rows]),
        "gold_failures": [r for r in rows if not r["gold"]],
        "empty_resolving": [r["instance_id"] for r in rows if r["empty"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 10 s per concurrency size, 30 gold tasks")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 8, 32], help="concurrent envs")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per concurrency size")
    parser.add_argument("--workers", type=int, default=2, help="graders in parallel for the gold part")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n = 10 if args.quick else 40
    tasks = load_tasks()
    console.print(f"{len(tasks)} tasks; building images (cached when present)")
    images.build_all(sorted({t.repo_name for t in tasks}), lambda line: console.print(line, highlight=False))
    data: dict[str, Any] = {"machine": machine_info(), "tasks": len(tasks)}
    # one task per repo, in turn, for the latency parts
    seen: dict[str, Any] = {}
    for task in tasks:
        seen.setdefault(task.repo_name, task)
    sample = list(seen.values())
    if "reset" in args.parts:
        data["reset"] = bench_reset(sample[:1], n)
        console.print(f"reset: warm p50 {data['reset']['warm_pool_s']['p50']:.3f} s, new container p50 "
                      f"{data['reset']['new_container_s']['p50']:.3f} s ({data['reset']['speedup_p50']:.1f}x)",
                      highlight=False)
    if "command" in args.parts:
        data["command"] = bench_command(sample[:1], n * 2)
        console.print(f"command: p50 {data['command']['env_step_s']['p50'] * 1000:.0f} ms (docker CLI exec "
                      f"{data['command']['docker_cli_exec_s']['p50'] * 1000:.0f} ms)", highlight=False)
    if "grading" in args.parts:
        data["grading"] = bench_grading(sample * 2, len(sample) * 2)
        console.print(f"grading: p50 {data['grading']['grade_s']['p50']:.2f} s", highlight=False)
    if "concurrency" in args.parts:
        data["concurrency"] = bench_concurrency(tasks, args.sizes, 10.0 if args.quick else args.seconds, 8)
    if "gold" in args.parts:
        chosen = tasks[:30] if args.quick else tasks
        data["gold"] = bench_gold(chosen, args.workers)
        console.print(f"gold: {data['gold']['gold_resolved_rate']:.1%} resolved, empty: "
                      f"{data['gold']['empty_resolved_rate']:.1%} resolved ({len(chosen)} tasks)", highlight=False)
    close_pools()
    data["containers_left"] = len(list_containers(owner=owner_id()))
    write_results(args.out, data)
    console.print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
