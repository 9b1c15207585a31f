"""Does GRPO teach SmolLM2-135M a text env on a CPU? Held-out success before and after a time-boxed run.

For each env (default: the Easy text adventure and the MiniGrid-Empty-5x5 text view) and seed:
the untrained model's held-out success rate (greedy, ``--eval-episodes`` test-split episodes),
then GRPO for at most ``--minutes`` of wall time (``time_budget_s``), then the same evaluation.
The defaults are the settings that learn on a 2-core CPU (the README gives the numbers):
constrained decoding to the admissible actions, an example exchange in the prompt, no history,
the top 4 blocks trained at lr 5e-5 with an entropy bonus of 0.02, GiGPO credit, potential-based
shaping on the env's progress, 8 episodes of one task per update, 15 minutes per seed.
Success is measured greedily (``--eval-episodes``) and sampled at the training temperature
(``--sampled-episodes``), before and after.
Reported: before/after per seed with 95% Wilson intervals, and the mean over seeds with a t
interval. The untrained model is the peer: same prompts, parser, episodes and decoding.

Results go to ``benchmarks/results/llm_train.json`` (rewritten after every run, so an
interrupted benchmark keeps what it finished).

Example:
    python benchmarks/llm_train.py                                   # 2 envs x 3 seeds x 15 min
    python benchmarks/llm_train.py --envs MiniGrid-Empty-5x5-Text-v0 --seeds 0 --minutes 5
    python benchmarks/llm_train.py --no-constrain --credit none --out /tmp/free.json  # free decoding, GRPO
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "llm_train.json"
ENVS = ("TextAdventure-Easy-v0", "MiniGrid-Empty-5x5-Text-v0")
console = Console()


def untrained(cfg: Any, episodes: int, temperature: float = 0.0) -> dict[str, Any]:
    """The evaluation train_llm runs at the end (greedy), or the sampled one, on the model before any update."""
    from agentgym.trainers.llm.engines import HFEngine
    from agentgym.trainers.llm.models import load_causal_lm
    from agentgym.trainers.llm.rollout import evaluate_llm
    from agentgym.trainers.llm.types import SamplingConfig

    loaded = load_causal_lm(cfg.model)
    prompt = cfg.prompt
    return evaluate_llm(HFEngine.from_loaded(loaded), loaded.tokenizer, cfg.env_id, episodes, seed=10**6, prompt=prompt,
                        sampling=SamplingConfig(max_new_tokens=cfg.max_new_tokens, temperature=temperature,
                                                stop=prompt.stop, seed=10**6 if temperature > 0 else None),
                        max_turns=cfg.max_turns)


def mean_ci(values: list[float]) -> dict[str, Any]:
    from agentgym.trainers.evaluation import t95

    mean = statistics.fmean(values)
    half = t95(len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else float("nan")
    return {"mean": mean, "ci95": [mean - half, mean + half], "values": values}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=list(ENVS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--minutes", type=float, default=15.0, help="wall-clock budget of each training run")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--eval-episodes", type=int, default=20, help="greedy held-out episodes")
    parser.add_argument("--sampled-episodes", type=int, default=60,
                        help="held-out episodes sampled at the training temperature (0: skip)")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--tasks-per-step", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--train-layers", type=int, default=4, help="train the top N blocks only (0: all)")
    parser.add_argument("--history-turns", type=int, default=0)
    parser.add_argument("--progress-shaping", type=float, default=1.0,
                        help="potential-based shaping on the env's progress (0: off)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--max-turns", type=int, default=None,
                        help="cap on turns per episode (default: 8 on MiniGrid, 10 on text adventures)")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature of training rollouts")
    parser.add_argument("--action-format", choices=["line", "tag"], default="line")
    parser.add_argument("--no-match-admissible", action="store_true", help="require exact admissible actions")
    parser.add_argument("--constrain", action=argparse.BooleanOptionalAction, default=True,
                        help="decode only admissible actions (constrained decoding), before and after training")
    parser.add_argument("--invalid-penalty", type=float, default=-0.1)
    parser.add_argument("--credit", default="gigpo", help="per-turn credit method (agentgym.credit.METHODS)")
    parser.add_argument("--credit-settings", type=json.loads, default={},
                        help='the credit method\'s settings as JSON, e.g. \'{"omega": 2.0}\'')
    parser.add_argument("--epochs", type=int, default=1, help="passes of the clipped surrogate over each batch")
    parser.add_argument("--entropy-coef", type=float, default=0.02, help="entropy bonus in the loss")
    parser.add_argument("--no-reuse-frozen", action="store_true",
                        help="recompute the frozen lower blocks in every training pass (slower, same numbers)")
    parser.add_argument("--skip-untrained", action="store_true",
                        help="do not evaluate the untrained model (for quick probes of settings)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import agentgym  # noqa: F401
    from agentgym.trainers.llm.trainer import LLMTrainConfig, evaluate_run, train_llm

    data: dict[str, Any] = {"machine": machine_info(), "settings": {k: v for k, v in vars(args).items() if k != "out"},
                            "envs": {}}
    for name in args.envs:
        env_id = f"agentgym/{name}"

        def config(seed: int, env_id: str = env_id) -> LLMTrainConfig:
            return LLMTrainConfig(env_id, algo="grpo", model=args.model, steps=10**6, seed=seed,
                                  group_size=args.group_size, tasks_per_step=args.tasks_per_step,
                                  learning_rate=args.learning_rate, max_new_tokens=args.max_new_tokens,
                                  max_turns=args.max_turns or (8 if "MiniGrid" in env_id else 10),
                                  eval_episodes=args.eval_episodes, train_layers=args.train_layers,
                                  history_turns=args.history_turns, progress_shaping=args.progress_shaping,
                                  time_budget_s=args.minutes * 60, checkpoint_every=10**6,
                                  temperature=args.temperature, action_format=args.action_format,
                                  match_admissible=not args.no_match_admissible, invalid_penalty=args.invalid_penalty,
                                  credit=args.credit, credit_settings=args.credit_settings, epochs=args.epochs, entropy_coef=args.entropy_coef,
                                  reuse_frozen_states=not args.no_reuse_frozen,
                                  constrain_actions=args.constrain)

        entry: dict[str, Any] = {"runs": []}
        data["envs"][env_id] = entry
        if not args.skip_untrained:
            console.print(f"[bold]{env_id}[/bold]: untrained {args.model}")
            entry["before"] = untrained(config(args.seeds[0]), args.eval_episodes)
            console.print(f"  before: success {entry['before']['success_rate']:.1%} {entry['before']['success_ci95']}",
                          highlight=False)
        if args.sampled_episodes and not args.skip_untrained:
            entry["before_sampled"] = untrained(config(args.seeds[0]), args.sampled_episodes, args.temperature)
            console.print(f"  before (sampled): success {entry['before_sampled']['success_rate']:.1%} "
                          f"{entry['before_sampled']['success_ci95']}", highlight=False)
        for seed in args.seeds:
            cfg = config(seed)
            with tempfile.TemporaryDirectory() as tmp:
                after = train_llm(cfg, Path(tmp) / "run")
                sampled = (evaluate_run(Path(tmp) / "run", episodes=args.sampled_episodes, temperature=args.temperature)
                           if args.sampled_episodes else None)
                status = json.loads((Path(tmp) / "run" / "status.json").read_text())
                rows = [json.loads(x) for x in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
            entry["runs"].append({"seed": seed, "updates": status["update"], "after": after, "after_sampled": sampled,
                                  "train_success": [r["episode/success"] for r in rows],
                                  "train_progress": [r.get("reward/shaping") for r in rows],
                                  "train_invalid_rate": [r["episode/invalid_action_rate"] for r in rows],
                                  "train_entropy": [r.get("update/entropy") for r in rows],
                                  "update_seconds": [r["time"] for r in rows],
                                  "rollout_seconds": [r["time/rollout_s"] for r in rows],
                                  "training_pass_seconds": [r["time/update_s"] for r in rows]})
            console.print(f"  seed {seed}: {status['update']} updates, after: success {after['success_rate']:.1%} "
                          f"{after['success_ci95']}"
                          + (f", sampled {sampled['success_rate']:.1%} {sampled['success_ci95']}" if sampled else ""),
                          highlight=False)
            entry["after_mean"] = mean_ci([r["after"]["success_rate"] for r in entry["runs"]])
            if args.sampled_episodes:
                entry["after_sampled_mean"] = mean_ci([r["after_sampled"]["success_rate"] for r in entry["runs"]])
            write_results(args.out, data)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
