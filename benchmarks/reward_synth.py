"""Reward synthesis: sparse vs hand-written vs LLM-written rewards, the critic, the loop, the sandbox's cost.

* ``overhead``: native PPO steps/s on a MiniGrid and a MuJoCo task with no reward code, the
  reference reward as a plain callable in the trainer's process, the same code sandboxed and
  evaluated a rollout per call (what ``--reward-code`` does), and sandboxed but called once per
  step; median of ``--repeats`` runs, ratios against no reward code. Run first, on an idle machine.
* ``critic``: programs of known quality (good, buggy, NaN-producing, badly scaled, constant, and
  hostile ones that open files, import ``os`` through ``__import__``/``getattr``/``globals()``,
  loop forever, allocate 10 GB or fork) on one MiniGrid and one MuJoCo task: where the critic
  stops each, the catch rate of the bad ones and the false rejections of the good ones.
* ``loop``: the full loop against a scripted LLM that answers with programs of known quality
  (two rounds on DoorKey-6x6): does it pick the good program, stop the hostile one, and feed a
  mid-training crash back with its traceback?
* ``success``: on every MuJoCo task variant with a reference reward and three MiniGrid tasks,
  the evaluation success rate (and ground-truth progress) after a fixed PPO budget with (a) the
  sparse env reward, (b) the hand-written reference reward, (c) the best reward the loop
  synthesizes with ``--llm`` (default: the embedded SmolLM2-135M; null with the reason when no
  candidate passes the critic). The critic's verdicts on every LLM reply are tallied by stage.

Results go to ``benchmarks/results/reward_synth.json`` (parts merge into it).

Example:
    python benchmarks/reward_synth.py                      # all parts (~45 min on 2 cores)
    python benchmarks/reward_synth.py --parts critic loop
    python benchmarks/reward_synth.py --quick              # small budgets, a smoke run (~5 min)
    python benchmarks/reward_synth.py --parts success --llm openai:MODEL@http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "reward_synth.json"
MINIGRID_TASKS = ("agentgym/MiniGrid-DoorKey-6x6-v0", "agentgym/MiniGrid-Unlock-v0", "agentgym/MiniGrid-KeyCorridorS3R1-v0")
CRITIC_TASKS = ("agentgym/MiniGrid-DoorKey-6x6-v0", "agentgym/Hopper-Jump-v0")
LOOP_TASK = "agentgym/MiniGrid-DoorKey-6x6-v0"
OVERHEAD_TASKS = ("agentgym/MiniGrid-DoorKey-6x6-v0", "agentgym/Hopper-Jump-v0")
EVAL_SEED = 1_000_000  # the loop's evaluation seeds start here (plus the training seed)
console = Console()


def fence(code: str) -> str:
    """A code block as an LLM would reply with it."""
    return f"Here is the reward function.\n\n```python\n{code.strip()}\n```\n"


# ------------------------------------------------------------------------- programs of known quality


def reference(env_id: str) -> str:
    from agentgym.envs.minigrid.reference_rewards import reference_reward_ids as mg_ids
    from agentgym.envs.minigrid.reference_rewards import reference_reward_source as mg_source
    from agentgym.envs.mujoco.reference_rewards import reference_reward_source as mj_source

    return mg_source(env_id) if env_id in mg_ids() else mj_source(env_id)


HOSTILE = {
    "open_file": "def compute_reward(state, action, next_state, info):\n"
                 "    secret = open('/etc/passwd').read()\n    return float(len(secret)), {}\n",
    "dunder_import": "def compute_reward(state, action, next_state, info):\n"
                     "    __import__('os').system('touch /tmp/pwned')\n    return 0.0, {}\n",
    "getattr_chain": "def compute_reward(state, action, next_state, info):\n"
                     "    classes = getattr(getattr((), '__cl' + 'ass__'), '__ba' + 'se__').__subclasses__()\n"
                     "    return float(len(classes)), {}\n",
    "globals_builtins": "def compute_reward(state, action, next_state, info):\n"
                        "    imp = globals()['__builtins__']['__import__']\n"
                        "    imp('socket').create_connection(('10.0.0.1', 80))\n    return 0.0, {}\n",
    "infinite_loop": "def compute_reward(state, action, next_state, info):\n"
                     "    while True:\n        pass\n",
    "allocate_10gb": "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
                     "    block = np.ones(10 * 1024 ** 3, dtype=np.uint8)\n    return float(block[0]), {}\n",
    "fork": "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
            "    os = np.__dict__['os'] if 'os' in np.__dict__ else __builtins__['__import__']('os')\n"
            "    os.fork()\n    return 0.0, {}\n",
    "numpy_file_io": "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
                     "    data = np.loadtxt('/etc/hostname', dtype=str)\n    return float(len(data)), {}\n",
}


def known_programs(env_id: str) -> list[dict[str, Any]]:
    """(name, kind, code) of known quality for a critic task; kind is good | bad | badly_scaled."""
    good = reference(env_id)
    programs = [{"name": "reference", "kind": "good", "code": good}]
    if "MiniGrid" in env_id:
        programs += [
            {"name": "distance_and_subgoals", "kind": "good", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    success = 1.0 if info['success'] else 0.0\n"
                "    key = 0.2 * (float(next_state['carrying'][0] == 5) - float(state['carrying'][0] == 5))\n"
                "    door = 0.2 * (float(next_state['door_state'][0] == 0) - float(state['door_state'][0] == 0))\n"
                "    closer = 0.01 * float(state['goal_distance'] - next_state['goal_distance'])\n"
                "    return success + key + door + closer, {'success': success, 'key': key, 'door': door, 'closer': closer}\n")},
            {"name": "wrong_field", "kind": "bad", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    d = float(next_state['distance_to_goal'])\n    return -d, {'distance': -d}\n")},
            {"name": "nan_on_direction", "kind": "bad", "code": (
                "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
                "    turn = float(np.sqrt(float(next_state['agent_dir']) - 1.0))\n"
                "    return turn, {'turn': turn}\n")},
            {"name": "returns_a_list", "kind": "bad", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    return [float(next_state['goal_distance'])], {'distance': 0.0}\n")},
            {"name": "distance_swamps_success", "kind": "badly_scaled", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    success = 0.001 if info['success'] else 0.0\n"
                "    distance = -500.0 * float(next_state['goal_distance'])\n"
                "    return success + distance, {'success': success, 'distance': distance}\n")},
        ]
    else:
        programs += [
            {"name": "height_only", "kind": "good", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    height = 5.0 * max(0.0, float(next_state['z']) - 1.25)\n"
                "    alive = float(next_state['healthy'])\n"
                "    return height + alive, {'height': height, 'alive': alive}\n")},
            {"name": "wrong_field", "kind": "bad", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    h = float(next_state['torso_height'])\n    return h, {'height': h}\n")},
            {"name": "log_of_negative", "kind": "bad", "code": (
                "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
                "    lift = float(np.log(float(next_state['z']) - 1.25))\n    return lift, {'lift': lift}\n")},
            {"name": "returns_a_list", "kind": "bad", "code": (
                "def compute_reward(state, action, next_state, info):\n"
                "    return [float(next_state['z'])], {'z': 0.0}\n")},
            {"name": "control_cost_swamps_height", "kind": "badly_scaled", "code": (
                "import numpy as np\n\ndef compute_reward(state, action, next_state, info):\n"
                "    height = 0.01 * max(0.0, float(next_state['z']) - 1.25)\n"
                "    ctrl = -1e4 * float(np.sum(np.square(action)))\n"
                "    return height + ctrl, {'height': height, 'ctrl': ctrl}\n")},
        ]
    programs.append({"name": "constant", "kind": "bad", "code": (
        "def compute_reward(state, action, next_state, info):\n    return 0.5, {'alive': 0.5}\n")})
    programs.append({"name": "no_code", "kind": "bad", "code": None})
    programs += [{"name": f"hostile_{k}", "kind": "bad", "code": v} for k, v in HOSTILE.items()]
    return programs


def critic_known(tasks: tuple[str, ...], samples: int) -> dict[str, Any]:
    from agentgym.reward_synth.critic import critique, sample_transitions

    out: dict[str, Any] = {"tasks": {}}
    for env_id in tasks:
        transitions = sample_transitions(env_id, samples, seed=0)
        rows = []
        for p in known_programs(env_id):
            reply = "I cannot write that." if p["code"] is None else fence(p["code"])
            start = time.perf_counter()
            result = critique(reply, transitions, name=f"{p['name']}.py")
            rows.append({"name": p["name"], "kind": p["kind"], "stage": result.stage, "ok": result.ok,
                         "error": result.error, "warnings": result.warnings,
                         "seconds": time.perf_counter() - start})
            console.print(f"  {env_id} {p['name']:32s} {p['kind']:13s} -> {result.stage}"
                          + (f" ({(result.error or '')[:90]})" if not result.ok else
                             (f" warns: {result.warnings[0][:80]}" if result.warnings else "")), highlight=False)
        out["tasks"][env_id] = rows
    every = [r for rows in out["tasks"].values() for r in rows]
    bad = [r for r in every if r["kind"] == "bad"]
    good = [r for r in every if r["kind"] == "good"]
    scaled = [r for r in every if r["kind"] == "badly_scaled"]
    out["bad_caught_rate"] = sum(not r["ok"] for r in bad) / len(bad)
    out["good_false_rejection_rate"] = sum(not r["ok"] for r in good) / len(good)
    out["badly_scaled_warned_rate"] = sum(bool(r["warnings"]) for r in scaled) / len(scaled)
    out["bad_by_stage"] = dict(Counter(r["stage"] for r in bad))
    return out


# ---------------------------------------------------------------------------------------- the loop


def loop_known(steps: int, workers: int, eval_episodes: int) -> dict[str, Any]:
    """Two rounds of the loop on DoorKey-6x6 with a scripted LLM answering known programs."""
    from agentgym.reward_synth.loop import SynthConfig, synthesize
    from agentgym.reward_synth.scripted import ScriptedClient

    good = reference(LOOP_TASK)
    # Raises only once the agent first succeeds: the critic's random transitions never reach it.
    crash_late = good.replace("    success = SUCCESS if info.get(\"success\", False) else 0.0\n",
                              "    success = SUCCESS if info.get(\"success\", False) else 0.0\n"
                              "    bonus_per_step = success / (int(next_state['step_count']) - int(next_state['step_count']))"
                              " if success else 0.0\n")
    assert crash_late != good
    scaled = next(p["code"] for p in known_programs(LOOP_TASK) if p["kind"] == "badly_scaled")
    refined = good.replace("DISTANCE_WEIGHT = 0.05", "DISTANCE_WEIGHT = 0.08").replace("KEY_BONUS = 0.3", "KEY_BONUS = 0.5")
    rounds = [
        [fence(good), fence(crash_late), fence(scaled), fence(HOSTILE["dunder_import"]), fence(HOSTILE["infinite_loop"])],
        [fence(refined), fence(scaled), fence(HOSTILE["globals_builtins"]), "no code here"],
    ]
    names = [["good", "crash_when_solved", "badly_scaled", "hostile_import", "hostile_loop"],
             ["good_refined", "badly_scaled", "hostile_globals", "no_code"]]
    client = ScriptedClient(rounds, name="scripted-known-quality")
    with tempfile.TemporaryDirectory() as tmp:
        config = SynthConfig(LOOP_TASK, samples=5, iterations=2, train_steps=steps, workers=workers,
                             eval_episodes=eval_episodes)
        start = time.perf_counter()
        result = synthesize(client, config, tmp, on_event=lambda line: console.print("  " + line, highlight=False))
        seconds = time.perf_counter() - start
        report = (Path(tmp) / "report.md").read_text()
    candidates = []
    for r, cands in enumerate(result.rounds):
        for c in cands:
            label = names[r][c.index % len(names[r])]
            candidates.append({"round": r, "name": c.name, "program": label, "critic_stage": c.critic.stage,
                               "status": c.status, "success_rate": c.success_rate, "progress": c.progress,
                               "error": c.error})
    best_label = None
    if result.best is not None:
        best_label = names[result.best.round][result.best.index % len(names[result.best.round])]
    round1_prompt = "\n".join(m["content"] for m in client.received[1]) if len(client.received) > 1 else ""
    checks = {
        "best_is_a_good_program": best_label in ("good", "good_refined"),
        "hostile_programs_rejected": all(c["critic_stage"] != "ok" for c in candidates if c["program"].startswith("hostile")),
        "crash_reported_in_training": any(c["program"] == "crash_when_solved" and c["status"] == "failed" for c in candidates),
        "round1_prompt_has_the_traceback": "ZeroDivisionError" in round1_prompt,
        "round1_prompt_has_the_reflection": "success" in round1_prompt.lower() and "max" in round1_prompt,
        "report_written": "r0c0" in report,
    }
    return {"env": LOOP_TASK, "steps": steps, "seconds": seconds, "best": best_label, "checks": checks,
            "candidates": candidates}


# --------------------------------------------------------------------------------- success after a budget


def train_and_evaluate(env_id: str, code: str | None, steps: int, seed: int, folder: str, eval_episodes: int) -> dict[str, Any]:
    """Train PPO with ``code`` (None: the env's sparse reward) sandboxed; evaluate on the plain env."""
    import agentgym
    from agentgym.reward_synth.loop import evaluate_endings

    start = time.perf_counter()
    run = agentgym.train(env_id, "ppo", steps, seed=seed, reward_fn=code, out=folder, eval_episodes=0,
                         progress=False, overwrite=True)
    ends = evaluate_endings(run, eval_episodes, seed=EVAL_SEED + seed)
    progress = [e.progress for e in ends if e.progress is not None]
    return {"success_rate": statistics.fmean(e.success for e in ends),
            "progress": statistics.fmean(progress) if progress else None,
            "seconds": time.perf_counter() - start}


def success_table(env_ids: list[str], steps_for: dict[str, int], seeds: list[int], workers: int,
                  eval_episodes: int, llm: str, samples: int, iterations: int, max_tokens: int) -> dict[str, Any]:
    from agentgym.reward_synth.llm import GenerationConfig, make_client
    from agentgym.reward_synth.loop import SynthConfig, synthesize

    rows: dict[str, dict[str, Any]] = {e: {"env": e, "steps": steps_for[e], "sparse": [], "reference": []} for e in env_ids}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(e, kind, seed) for e in env_ids for seed in seeds for kind in ("sparse", "reference")]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {job: pool.submit(train_and_evaluate, job[0], None if job[1] == "sparse" else reference(job[0]),
                                        steps_for[job[0]], job[2], f"{tmp}/{i}", eval_episodes)
                       for i, job in enumerate(jobs)}
            for (env_id, kind, seed), future in futures.items():
                try:
                    res = future.result()
                except Exception as exc:  # a failed training is a result too: record it, go on
                    res = {"success_rate": None, "progress": None, "seconds": None,
                           "error": f"{type(exc).__name__}: {exc}"}
                    rows[env_id][kind].append({"seed": seed, **res})
                    console.print(f"  {env_id} {kind} seed {seed}: FAILED {res['error']}", highlight=False)
                    continue
                rows[env_id][kind].append({"seed": seed, **res})
                console.print(f"  {env_id} {kind} seed {seed}: success {res['success_rate']:.2f}, "
                              f"progress {res['progress'] if res['progress'] is not None else float('nan'):.2f} "
                              f"({res['seconds']:.0f} s)", highlight=False)
        client = make_client(llm)
        stages: Counter[str] = Counter()
        for env_id in env_ids:
            config = SynthConfig(env_id, samples=samples, iterations=iterations, train_steps=steps_for[env_id],
                                 seed=seeds[0], workers=workers, eval_episodes=eval_episodes,
                                 generation=GenerationConfig(max_tokens=max_tokens, seed=seeds[0]))
            start = time.perf_counter()
            result = synthesize(client, config, f"{tmp}/synth_{env_id.split('/')[-1]}",
                                on_event=lambda line: console.print("  " + line, highlight=False))
            every = [c for r in result.rounds for c in r]
            stages.update(c.critic.stage for c in every)
            best = result.best
            synth: dict[str, Any] = {
                "llm": client.name, "candidates": len(every), "passed_critic": sum(c.critic.ok for c in every),
                "trained": sum(c.status == "trained" for c in every),
                "critic_stages": dict(Counter(c.critic.stage for c in every)),
                "seconds": time.perf_counter() - start,
                "success_rate": best.success_rate if best else None,
                "progress": best.progress if best else None,
                "code": best.critic.code if best else None,
            }
            if best is None:
                synth["reason"] = ("no candidate passed the critic" if not synth["passed_critic"]
                                   else "every candidate that passed the critic failed in training")
            rows[env_id]["synthesized"] = synth
    summary = []
    for env_id, row in rows.items():
        mean = lambda runs, key: statistics.fmean(r[key] for r in runs) if runs and all(r[key] is not None for r in runs) else None  # noqa: E731
        summary.append({"env": env_id, "steps": row["steps"],
                        "sparse_success": mean(row["sparse"], "success_rate"),
                        "reference_success": mean(row["reference"], "success_rate"),
                        "synthesized_success": row["synthesized"]["success_rate"],
                        "sparse_progress": mean(row["sparse"], "progress"),
                        "reference_progress": mean(row["reference"], "progress"),
                        "synthesized_progress": row["synthesized"]["progress"],
                        "synthesized_note": row["synthesized"].get("reason")})
    total = sum(stages.values())
    return {"seeds": seeds, "eval_episodes": eval_episodes, "llm": llm, "samples": samples, "iterations": iterations,
            "rows": list(rows.values()), "summary": summary,
            "llm_critic": {"replies": total, "by_stage": dict(stages),
                           "catch_rate": (total - stages.get("ok", 0)) / total if total else None}}


# -------------------------------------------------------------------------------------------- overhead


def _steps_per_s(env_id: str, mode: str, steps: int, folder: str) -> float:
    import agentgym
    from agentgym.core import load_reward_fn
    from agentgym.core.sandbox import load_sandboxed_reward_fn

    code = reference(env_id)
    reward: Any = None
    sandbox = None
    if mode == "in_process":
        reward = load_reward_fn(code, name="reference.py").fn  # a plain callable runs as is
    elif mode == "sandboxed_rollout":
        reward = code  # reward code: sandboxed, a rollout per call
    elif mode == "sandboxed_per_step":
        sandbox = load_sandboxed_reward_fn(code, name="reference.py")

        def reward(s: Any, a: Any, ns: Any, info: Any) -> Any:  # one sandbox call per env step
            return sandbox(s, a, ns, info)
    start = time.perf_counter()
    agentgym.train(env_id, "ppo", steps, seed=0, reward_fn=reward, out=folder, eval_episodes=0, progress=False,
                   overwrite=True, vectorization="sync", checkpoint_every=10**9)
    seconds = time.perf_counter() - start
    if sandbox is not None:
        sandbox.close()
    return steps / seconds


def overhead(steps_for: dict[str, int], repeats: int) -> dict[str, Any]:
    modes = ("none", "in_process", "sandboxed_rollout", "sandboxed_per_step")
    out: dict[str, Any] = {"repeats": repeats, "tasks": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for env_id in steps_for:
            samples: dict[str, list[float]] = {m: [] for m in modes}
            _steps_per_s(env_id, "sandboxed_per_step", steps_for[env_id] // 4, f"{tmp}/warmup")  # imports, caches
            for k in range(repeats):
                for mode in modes:  # interleaved so that drift hits every mode alike
                    samples[mode].append(_steps_per_s(env_id, mode, steps_for[env_id], f"{tmp}/{mode}_{k}"))
            med = {m: statistics.median(v) for m, v in samples.items()}
            out["tasks"][env_id] = {"steps": steps_for[env_id], "steps_per_s": med, "samples": samples,
                                    "ratio_to_none": {m: med[m] / med["none"] for m in modes}}
            console.print(f"  {env_id}: " + ", ".join(f"{m} {med[m]:,.0f} steps/s ({med[m] / med['none']:.2f}x)"
                                                     for m in modes), highlight=False)
    return out


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["overhead", "critic", "loop", "success"],
                        default=["overhead", "critic", "loop", "success"])
    parser.add_argument("--llm", default="local", help="LLM of the success part (default: the embedded SmolLM2)")
    parser.add_argument("--samples", type=int, default=4, help="candidates per round in the success part")
    parser.add_argument("--iterations", type=int, default=1, help="rounds per task in the success part")
    parser.add_argument("--max-tokens", type=int, default=512, help="LLM reply length in the success part")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds of the success part")
    parser.add_argument("--mujoco-steps", type=int, default=100_000)
    parser.add_argument("--minigrid-steps", type=int, default=50_000)
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="trainings in parallel")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each overhead measurement")
    parser.add_argument("--envs", nargs="+", help="success part: only these env ids")
    parser.add_argument("--quick", action="store_true", help="small budgets and two tasks: a smoke run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import agentgym  # noqa: F401
    from agentgym.envs.mujoco.reference_rewards import reference_reward_ids

    if args.quick:
        args.mujoco_steps, args.minigrid_steps, args.eval_episodes, args.repeats = 4_096, 4_096, 3, 1
        args.samples, args.max_tokens = 2, 256
        args.envs = args.envs or [MINIGRID_TASKS[0], "agentgym/Hopper-Jump-v0"]
    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    data["quick"] = args.quick
    started = time.perf_counter()

    def save() -> None:  # after every part, so that a crash later loses nothing done
        data["seconds"] = time.perf_counter() - started
        write_results(args.out, data)

    if "overhead" in args.parts:
        console.print("[bold]PPO steps/s: no reward code, in-process, sandboxed a rollout per call, sandboxed per step[/bold]")
        steps = 4_096 if args.quick else 20_480
        data["overhead"] = overhead({e: steps for e in OVERHEAD_TASKS}, args.repeats)
        save()
    if "critic" in args.parts:
        console.print("[bold]the critic on programs of known quality[/bold]")
        data["critic"] = critic_known(CRITIC_TASKS, 256)
        save()
        c = data["critic"]
        console.print(f"  bad programs caught {c['bad_caught_rate']:.0%}, good ones rejected "
                      f"{c['good_false_rejection_rate']:.0%}, badly scaled warned {c['badly_scaled_warned_rate']:.0%}",
                      highlight=False)
    if "loop" in args.parts:
        console.print("[bold]the loop against a scripted LLM of known-quality programs[/bold]")
        data["loop"] = loop_known(args.minigrid_steps, args.workers, args.eval_episodes)
        save()
        for name, ok in data["loop"]["checks"].items():
            console.print(f"  {'PASS' if ok else 'FAIL'} {name}", highlight=False)
    if "success" in args.parts:
        envs = args.envs or [*reference_reward_ids(), *MINIGRID_TASKS]
        steps_for = {e: args.minigrid_steps if "MiniGrid" in e else args.mujoco_steps for e in envs}
        console.print(f"[bold]success after a fixed budget: sparse, reference, synthesized ({args.llm})[/bold]")
        data["success"] = success_table(envs, steps_for, args.seeds, args.workers, args.eval_episodes, args.llm,
                                        args.samples, args.iterations, args.max_tokens)
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        table = Table("task", "steps", "sparse", "reference", "synthesized", "progress s/r/y", "note")
        for s in data["success"]["summary"]:
            table.add_row(s["env"], f"{s['steps']:,}", fmt(s["sparse_success"]), fmt(s["reference_success"]),
                          fmt(s["synthesized_success"]),
                          "/".join(fmt(s[k]) for k in ("sparse_progress", "reference_progress", "synthesized_progress")),
                          s["synthesized_note"] or "")
        console.print(table)
        crit = data["success"]["llm_critic"]
        console.print(f"  critic on {crit['replies']} LLM replies: {crit['by_stage']}", highlight=False)
    save()
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
