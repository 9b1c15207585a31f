"""LLM rollout throughput: episodes/s and generated tokens/s with 1, 8 and 32 parallel envs, and where the time goes.

* ``rollout``: :func:`agentgym.trainers.llm.rollout.collect_episodes` with the HF engine on a text
  env (default ``TextAdventure-Easy-v0``, SmolLM2-135M-Instruct, sampling at temperature 1):
  episodes/s, generated tokens/s, and the share of wall time in generation, prompt building and
  env steps; then one GRPO update on the batch (its seconds give the update's share of a step).
* ``engine``: the engine's batched sampling against transformers' own ``model.generate`` (the
  peer, same prompts, same batch, same ``max_new_tokens``, sampling, no early stop), tokens/s
  and the ratio.

Each part also reports the memory-bandwidth bound: a decode step must read every weight once, so
``batch x bandwidth / weight bytes`` tokens/s is the most any engine can reach (KV-cache reads
ignored, so the true bound is a bit lower); the bandwidth is measured in the same run (a large
device-to-device copy, bytes read + written).

Results go to ``benchmarks/results/llm_rollout.json``. CPU by default; on a GPU machine pass
``--device cuda``. Where weights cannot be downloaded, ``--random-arch NAME`` builds a randomly
initialized model of a known shape (``smollm2-135m``, ``smollm2-1.7b``, ``llama-8b``: Llama
blocks, the embedded model's tokenizer or ``--tokenizer DIR``), which measures speed honestly:
the work per token does not depend on the weights' values (the engines run a fixed number of new
tokens where it matters).

Example:
    python benchmarks/llm_rollout.py                       # ~10 min on 2 cores
    python benchmarks/llm_rollout.py --parallel 1 8 --max-turns 4
    python benchmarks/llm_rollout.py --device cuda --random-arch smollm2-1.7b --tokenizer DIR \
        --engine-batches 1 8 32 --out results/llm_rollout_cuda.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "llm_rollout.json"
console = Console()

#: Llama-block shapes for randomly initialized models (the vocabulary comes from the tokenizer).
ARCHS: dict[str, dict[str, Any]] = {
    "smollm2-135m": {"hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
                     "num_attention_heads": 9, "num_key_value_heads": 3, "tie_word_embeddings": True,
                     "rope_theta": 100000.0},
    "smollm2-1.7b": {"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 24,
                     "num_attention_heads": 32, "num_key_value_heads": 32, "tie_word_embeddings": True,
                     "rope_theta": 130000.0},
    "llama-8b": {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "tie_word_embeddings": False,
                 "rope_theta": 500000.0},
}


def random_model(arch: str, folder: Path, device: str, tokenizer_dir: str | None) -> Path:
    """Write a randomly initialized Llama-block model of shape ``arch`` (bfloat16 on CUDA, else
    float32) and the tokenizer to ``folder``; return it, ready for ``--model``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

    from agentgym.trainers.llm.models import load_causal_lm, quiet_transformers

    if tokenizer_dir:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
    else:
        tokenizer = load_causal_lm("smollm2", device="cpu").tokenizer
    config = LlamaConfig(vocab_size=len(tokenizer), max_position_embeddings=8192, rms_norm_eps=1e-5,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, **ARCHS[arch])
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    with quiet_transformers():
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    del model
    return folder


def memory_bandwidth(device: str, mib: int = 1024, repeats: int = 5) -> float:
    """Bytes/s of a large tensor copy on ``device`` (read + written), the best of ``repeats``."""
    import torch

    src = torch.empty(mib * 2**20, dtype=torch.uint8, device=device)
    src.fill_(1)
    dst = torch.empty_like(src)
    best = float("inf")
    for _ in range(repeats + 1):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        dst.copy_(src)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return 2 * src.numel() / best


def weight_bytes(model: Any) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def rollout_throughput(env_id: str, model: str, device: str, parallel: list[int], max_turns: int,
                       max_new_tokens: int, update: bool, bandwidth: float) -> list[dict[str, Any]]:
    import numpy as np

    from agentgym.trainers.llm.rollout import collect_episodes
    from agentgym.trainers.llm.trainer import LLMTrainConfig, Policy, episode_advantages
    from agentgym.trainers.llm.trainer import update as grpo_update
    from agentgym.trainers.llm.types import SamplingConfig

    cfg = LLMTrainConfig(env_id, model=model, device=device, group_size=2, max_new_tokens=max_new_tokens,
                         max_turns=max_turns, learning_rate=1e-6)
    policy = Policy(cfg)
    weights = weight_bytes(policy.model)
    rows = []
    collect_episodes(policy.engine, policy.tokenizer, env_id, [0], env_kwargs=cfg.train_env_kwargs(),
                     prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=8, seed=0), max_turns=1)  # warm-up
    for n in parallel:
        seeds = [k // 2 for k in range(n)] if n > 1 else [0]  # groups of two, as GRPO would play them
        start = time.perf_counter()
        batch = collect_episodes(policy.engine, policy.tokenizer, env_id, seeds, env_kwargs=cfg.train_env_kwargs(),
                                 prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=max_new_tokens, seed=n,
                                                                            stop=cfg.prompt.stop),
                                 max_turns=max_turns)
        wall = time.perf_counter() - start
        s = batch.stats
        row: dict[str, Any] = {
            "parallel_envs": n, "episodes": s.episodes, "turns": s.turns, "generated_tokens": s.generated_tokens,
            "prompt_tokens": s.prompt_tokens, "seconds": wall, "episodes_per_s": s.episodes / wall,
            "generated_tokens_per_s": s.generated_tokens / wall,
            "share_generation": s.generation_seconds / wall, "share_prompts": s.prompt_seconds / wall,
            "share_env": s.env_seconds / wall,
            # every turn decodes at most len(live envs) sequences at once: bound at full batch
            "bandwidth_bound_tokens_per_s": n * bandwidth / weights,
        }
        row["share_of_bound"] = row["generated_tokens_per_s"] / row["bandwidth_bound_tokens_per_s"]
        if update and n > 1:
            samples = episode_advantages(list(batch), cfg)
            for k, smp in enumerate(samples):  # time a full update: every sample carries gradient
                smp.advantage = 1.0 if k % 2 else -1.0
            t0 = time.perf_counter()
            ustats = grpo_update(policy, samples, cfg, np.random.default_rng(0))
            row["update_seconds"] = time.perf_counter() - t0
            row["update_samples"] = len(samples)
            row["update_tokens"] = int(ustats["update/tokens"])
            step = wall + row["update_seconds"]
            row["step_seconds"] = {"generation": s.generation_seconds, "env": s.env_seconds,
                                   "prompts": s.prompt_seconds,
                                   "other_rollout": wall - s.generation_seconds - s.env_seconds - s.prompt_seconds,
                                   "update_forward_backward": ustats["time/update_forward_backward_s"],
                                   "update_optimizer": ustats["time/update_optimizer_s"],
                                   "update_other": row["update_seconds"] - ustats["time/update_forward_backward_s"]
                                   - ustats["time/update_optimizer_s"]}
            row["step_share"] = {k: v / step for k, v in row["step_seconds"].items()}
        rows.append(row)
        console.print(f"  {n:>3} envs: {row['episodes_per_s']:.3f} episodes/s, {row['generated_tokens_per_s']:.0f} "
                      f"tokens/s, generation {row['share_generation']:.0%}, env {row['share_env']:.1%}"
                      + (f", update {row['update_seconds']:.1f} s" if "update_seconds" in row else ""), highlight=False)
    return rows


def engine_vs_generate(model: str, device: str, batch: int, prompt_tokens: int, new_tokens: int,
                       repeats: int, bandwidth: float) -> dict[str, Any]:
    import torch

    from agentgym.trainers.llm.engines import HFEngine
    from agentgym.trainers.llm.models import load_causal_lm
    from agentgym.trainers.llm.types import SamplingConfig

    loaded = load_causal_lm(model, device=device)
    engine = HFEngine.from_loaded(loaded)
    gen = torch.Generator().manual_seed(0)
    vocab = loaded.model.config.vocab_size
    prompts = [torch.randint(100, vocab - 1, (prompt_tokens,), generator=gen).tolist() for _ in range(batch)]
    no_stop = SamplingConfig(max_new_tokens=new_tokens, temperature=1.0, seed=0)
    eos = list(engine.eos_ids)

    def ours() -> int:
        engine.eos_ids = frozenset()  # the same work as the peer: no early stop
        try:
            out = engine.generate(prompts, no_stop)
        finally:
            engine.eos_ids = frozenset(eos)
        return sum(len(g.token_ids) for g in out)

    def peer() -> int:
        ids = torch.tensor(prompts, device=loaded.device)
        with torch.inference_mode():
            out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0,
                                        top_p=1.0, top_k=0, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                        pad_token_id=loaded.pad_id, output_logits=True, return_dict_in_generate=True)
        return int(out.sequences.shape[0] * (out.sequences.shape[1] - ids.shape[1]))

    ours(), peer()  # warm-up
    times: dict[str, list[float]] = {"agentgym": [], "transformers_generate": []}
    tokens = {}
    for _ in range(repeats):
        for name, fn in (("agentgym", ours), ("transformers_generate", peer)):
            t0 = time.perf_counter()
            tokens[name] = fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    out = {"batch": batch, "prompt_tokens": prompt_tokens, "new_tokens": new_tokens, "repeats": repeats,
           "tokens": tokens, "seconds": med,
           "tokens_per_s": {k: tokens[k] / med[k] for k in med},
           "ratio_agentgym_to_generate": (tokens["agentgym"] / med["agentgym"])
           / (tokens["transformers_generate"] / med["transformers_generate"]),
           "bandwidth_bound_tokens_per_s": batch * bandwidth / weight_bytes(loaded.model)}
    out["share_of_bound"] = {k: v / out["bandwidth_bound_tokens_per_s"] for k, v in out["tokens_per_s"].items()}
    console.print(f"  batch {batch}: agentgym {out['tokens_per_s']['agentgym']:.0f} tokens/s, transformers generate "
                  f"{out['tokens_per_s']['transformers_generate']:.0f} tokens/s "
                  f"({out['ratio_agentgym_to_generate']:.2f}x); bandwidth bound {out['bandwidth_bound_tokens_per_s']:.0f} "
                  f"tokens/s, agentgym at {out['share_of_bound']['agentgym']:.1%} of it", highlight=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["rollout", "engine"], default=["rollout", "engine"])
    parser.add_argument("--env", default="agentgym/TextAdventure-Easy-v0")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-turns", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--engine-batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-update", action="store_true", help="skip timing a GRPO update")
    parser.add_argument("--random-arch", choices=sorted(ARCHS),
                        help="a randomly initialized model of this shape instead of --model (speed only)")
    parser.add_argument("--tokenizer", help="tokenizer folder for --random-arch (default: the embedded model's)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import tempfile

    import agentgym  # noqa: F401

    scratch = tempfile.TemporaryDirectory(prefix="agentgym-random-model-")
    if args.random_arch:
        console.print(f"[bold]building a random {args.random_arch} model[/bold]")
        args.model = str(random_model(args.random_arch, Path(scratch.name), args.device, args.tokenizer))
    bandwidth = memory_bandwidth(args.device)
    console.print(f"memory bandwidth ({args.device}, copy): {bandwidth / 1e9:.0f} GB/s")

    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    data["settings"] = {"env": args.env, "model": args.random_arch and f"random {args.random_arch}" or args.model,
                        "device": args.device, "max_turns": args.max_turns, "max_new_tokens": args.max_new_tokens,
                        "memory_bandwidth_bytes_per_s": bandwidth}
    if args.device.startswith("cuda"):
        import torch

        data["machine"]["gpu"] = torch.cuda.get_device_name()
    if "rollout" in args.parts:
        console.print(f"[bold]rollouts on {args.env} with {args.model} ({args.device})[/bold]")
        data["rollout"] = rollout_throughput(args.env, args.model, args.device, args.parallel, args.max_turns,
                                             args.max_new_tokens, not args.no_update, bandwidth)
        table = Table("parallel envs", "episodes/s", "tokens/s", "generation", "env", "prompts", "update s")
        for r in data["rollout"]:
            table.add_row(str(r["parallel_envs"]), f"{r['episodes_per_s']:.3f}", f"{r['generated_tokens_per_s']:.0f}",
                          f"{r['share_generation']:.0%}", f"{r['share_env']:.1%}", f"{r['share_prompts']:.1%}",
                          f"{r.get('update_seconds', float('nan')):.1f}")
        console.print(table)
    if "engine" in args.parts:
        console.print("[bold]HFEngine vs transformers generate (same prompts, no early stop)[/bold]")
        data["engine"] = [engine_vs_generate(args.model, args.device, b, 256, args.max_new_tokens, args.repeats,
                                             bandwidth) for b in args.engine_batches]
    write_results(args.out, data)
    scratch.cleanup()
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
