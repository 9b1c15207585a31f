"""WebShop: build cost, reset time, steps/s with search, baseline scores, and our BM25 vs a plain-Python BM25.

Everything runs in one process pinned to one core (``os.sched_setaffinity``; numpy/BLAS threads set to 1),
the envs made by ``gym.make`` (wrappers included, ``info`` with admissible actions and progress every step).

* ``build``: for each ``--sizes`` catalog, in a fresh (spawned) process after the imports: the seconds and
  the memory of generating the catalog, generating its 6000 goals and building the BM25 search index.
  Memory is measured with ``resource.getrusage`` ``ru_maxrss`` deltas (the growth of the process's peak
  RSS during each phase, so no tracing slows the timed code), plus the RSS the built shop keeps
  (``/proc/self/statm`` after the build minus before).
* ``reset``: mean and median ``env.reset`` time over ``--resets`` resets with the shop already built, and
  the time to make an env once the shop is cached.
* ``speed``: steps/s on one core of two agents, searches included, episodes reset as they end (resets in
  the time): ``random`` (uniform over ``info["admissible_actions"]``; the admissible ``search[<query>]``
  literal is replaced by a random query of 1-3 words drawn from the instruction) and ``rule`` (WebShop's
  rule baseline: search the whole instruction, click the first result, buy). Median of ``--repeats``
  interleaved runs of ``--steps`` steps, with the share of the time spent inside ``SearchIndex.search``.
  Goal (issue): at least 1,000 steps/s with search at 10k products on one core.
* ``agents``: Score (100 x mean reward) and SR (% of rewards == 1) of random, rule and oracle on the 500
  test goals of ``WebShop-v0`` (10k products), next to the WebShop paper's numbers (Yao et al. 2022, real
  Amazon catalog; reference only). Goals (issue): rule SR in single digits to low tens, oracle SR >= 95%.
* ``search``: the peer. Our search engine (bm25s, :class:`~agentgym.envs.webshop.search.SearchIndex`) vs a
  plain-Python BM25 written here (dict of postings, same tokens, same Lucene BM25 formula, k1=1.5, b=0.75,
  top 50 with ties broken by catalog order) on the same 500 test-goal queries at 10k products, both for the
  goals' short search queries and for their whole instructions (what the rule agent searches): queries/s
  of both, the ratio, and the top-10 overlap (a sanity check that both rank alike).

Results go to ``benchmarks/results/webshop.json``.

Example:
    python benchmarks/webshop.py                          # every part, 10k and 100k products (~2 min)
    python benchmarks/webshop.py --quick                  # 10k only, fewer steps and episodes (~10 s)
    python benchmarks/webshop.py --parts speed search --sizes 10000 --steps 3000
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import heapq  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gymnasium as gym  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine_info, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "webshop.json"
ENV_ID = "agentgym/WebShop-v0"
N_GOALS = 6000
STEPS_GOAL = 1000.0  # steps/s with search at 10k products on one core
ORACLE_SR_GOAL = 95.0
RULE_SR_RANGE = (1.0, 20.0)  # "single digits to low tens", in %
#: WebShop paper (Yao et al. 2022, Table 2), test set of the real catalog: (Score, SR %).
PAPER = {"rule (paper)": (45.6, 9.6), "IL (paper)": (59.9, 29.1), "human expert (paper)": (82.1, 59.6)}
K1, B = 1.5, 0.75  # bm25s's defaults, the Lucene variant
#: option -> (default, --quick default)
DEFAULTS: dict[str, tuple[Any, Any]] = {"sizes": ([10_000, 100_000], [10_000]), "steps": (20_000, 1000),
                                        "repeats": (5, 1), "resets": (200, 50), "episodes": (500, 100),
                                        "queries": (500, 100)}
console = Console()


# ------------------------------------------------------------------------------------------------ helpers
def pin_one_core() -> bool:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return True
    except (AttributeError, OSError):
        return False


def make_env(n_products: int, **kwargs: Any) -> gym.Env:
    import agentgym  # noqa: F401  (registers the ids)

    return gym.make(ENV_ID, n_products=n_products, n_goals=N_GOALS, **kwargs)


class RandomQueryAgent:
    """Uniform over the admissible actions; ``search[<query>]`` becomes 1-3 random words of the instruction."""

    name = "random"

    def __init__(self, seed: int) -> None:
        from agentgym.envs.webshop.baselines import instruction_of
        from agentgym.envs.webshop.env import SEARCH_ACTION

        self.rng = random.Random(seed)
        self.instruction_of, self.search_action = instruction_of, SEARCH_ACTION

    def act(self, obs: str, info: dict[str, Any]) -> str:
        action = self.rng.choice(info["admissible_actions"])
        if action == self.search_action:
            words = [w.strip(",.?!'\"") for w in self.instruction_of(obs, info).split()]
            words = [w for w in words if w] or ["product"]
            action = f"search[{' '.join(self.rng.sample(words, min(len(words), self.rng.randint(1, 3))))}]"
        return action


class RuleActor:
    name = "rule"

    def __init__(self) -> None:
        from agentgym.envs.webshop.baselines import rule_action

        self.rule_action = rule_action

    def act(self, obs: str, info: dict[str, Any]) -> str:
        return self.rule_action(obs, info)


class OracleActor:
    name = "oracle"

    def __init__(self, env: gym.Env) -> None:
        self.env = env

    def act(self, obs: str, info: dict[str, Any]) -> str:
        return self.env.unwrapped.oracle_action()


def make_actor(name: str, env: gym.Env, seed: int) -> Any:
    return {"random": lambda: RandomQueryAgent(seed), "rule": RuleActor, "oracle": lambda: OracleActor(env)}[name]()


# ------------------------------------------------------------------------------------------------- build
def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _build_child(n_products: int) -> dict[str, Any]:
    """Runs in a fresh process: time and peak-RSS growth of each build phase."""
    from agentgym.envs.webshop.catalog import Catalog, load_vocab
    from agentgym.envs.webshop.goals import generate_goals
    from agentgym.envs.webshop.search import SearchIndex, stopwords

    load_vocab()
    stopwords()  # imports bm25s
    import bm25s  # noqa: F401

    out: dict[str, Any] = {"n_products": n_products, "rss_after_imports_mib": _rss_mib()}
    rss0 = _rss_mib()
    built: dict[str, Any] = {}
    phases: list[tuple[str, Callable[[], Any]]] = [
        ("catalog", lambda: Catalog.generate(n_products, seed=0)),
        ("goals", lambda: generate_goals(built["catalog"], n_goals=N_GOALS, seed=0)),
        ("index", lambda: SearchIndex(built["catalog"])),
    ]
    for name, fn in phases:
        peak0 = _maxrss_mib()
        start = time.perf_counter()
        built[name] = fn()
        out[f"{name}_s"] = time.perf_counter() - start
        out[f"{name}_peak_growth_mib"] = _maxrss_mib() - peak0
    out["total_s"] = out["catalog_s"] + out["goals_s"] + out["index_s"]
    out["retained_mib"] = _rss_mib() - rss0
    out["peak_mib"] = _maxrss_mib()
    out["index_build_seconds_attr"] = built["index"].build_seconds
    return out


def build(sizes: list[int]) -> dict[str, Any]:
    rows = []
    for n in sizes:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            row = pool.submit(_build_child, n).result()
        rows.append(row)
        console.print(f"  {n:>7,} products: catalog {row['catalog_s']:.2f} s, goals {row['goals_s']:.2f} s, "
                      f"index {row['index_s']:.2f} s; retained {row['retained_mib']:.0f} MiB", highlight=False)
    return {"memory_method": "resource.getrusage ru_maxrss deltas per phase in a fresh spawned process after imports "
                              "(peak RSS growth); retained = /proc/self/statm RSS after the build minus before",
            "n_goals": N_GOALS, "rows": rows}


# ------------------------------------------------------------------------------------------------- reset
def reset_times(sizes: list[int], resets: int) -> dict[str, Any]:
    from agentgym.envs.webshop.env import load_shop

    rows = []
    for n in sizes:
        load_shop(n, 0, N_GOALS)
        start = time.perf_counter()
        env = make_env(n)
        make_ms = 1000 * (time.perf_counter() - start)
        env.reset(seed=0)
        times = []
        for k in range(resets):
            start = time.perf_counter()
            env.reset(seed=k)
            times.append(time.perf_counter() - start)
        env.close()
        rows.append({"n_products": n, "resets": resets, "mean_ms": 1000 * statistics.fmean(times),
                     "median_ms": 1000 * statistics.median(times), "make_env_ms": make_ms})
        console.print(f"  {n:>7,} products: reset {rows[-1]['mean_ms']:.3f} ms mean, make env {make_ms:.1f} ms",
                      highlight=False)
    return {"rows": rows}


# ------------------------------------------------------------------------------------------------- speed
def run_steps(env: gym.Env, agent: str, steps: int, seed: int) -> dict[str, float]:
    """``steps`` steps of ``agent`` (episodes restart as they end); the time inside the index's search."""
    index = env.unwrapped.index
    search = index.search
    spent = [0.0, 0]

    def timed_search(query: str, k: int = 50) -> list[str]:
        t = time.perf_counter()
        try:
            return search(query, k)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1

    index.search = timed_search
    try:
        episode = 0
        obs, info = env.reset(seed=seed)
        actor = make_actor(agent, env, seed)
        start = time.perf_counter()
        for _ in range(steps):
            obs, _, terminated, truncated, info = env.step(actor.act(obs, info))
            if terminated or truncated:
                episode += 1
                obs, info = env.reset(seed=seed + episode)
                actor = make_actor(agent, env, seed + episode)
        seconds = time.perf_counter() - start
    finally:
        del index.search  # back to the class's method
    return {"steps_per_s": steps / seconds, "search_share": spent[0] / seconds, "searches": spent[1],
            "episodes": episode, "search_ms": 1000 * spent[0] / max(1, spent[1])}


def speed(sizes: list[int], steps: int, repeats: int) -> dict[str, Any]:
    agents = ("random", "rule")
    rows = []
    for n in sizes:
        env = make_env(n)
        for agent in agents:  # warm up: caches, first searches
            run_steps(env, agent, 200, 10**6)
        samples: dict[str, list[dict[str, float]]] = {a: [] for a in agents}
        for k in range(repeats):
            for agent in agents:
                samples[agent].append(run_steps(env, agent, steps, 1000 * k))
        env.close()
        for agent in agents:
            runs = samples[agent]
            med = statistics.median(r["steps_per_s"] for r in runs)
            row = {"n_products": n, "agent": agent, "steps_per_s": med,
                   "search_share": statistics.median(r["search_share"] for r in runs),
                   "search_ms": statistics.median(r["search_ms"] for r in runs),
                   "steps_per_search": steps * len(runs) / max(1, sum(r["searches"] for r in runs)),
                   "steps_per_episode": steps * len(runs) / max(1, sum(r["episodes"] for r in runs)),
                   "samples": [r["steps_per_s"] for r in runs]}
            rows.append(row)
            console.print(f"  {n:>7,} {agent:6s} {med:>8,.0f} steps/s, {row['search_share']:.0%} in search "
                          f"({row['search_ms']:.2f} ms a search)", highlight=False)
    by = {(r["n_products"], r["agent"]): r["steps_per_s"] for r in rows}
    for r in rows:
        base = by.get((min(sizes), r["agent"]))
        r["ratio_to_smallest_size"] = r["steps_per_s"] / base if base else None
    goal_rows = [r for r in rows if r["n_products"] == 10_000]
    goal = {"target_steps_per_s": STEPS_GOAL, "n_products": 10_000,
            "met": {r["agent"]: r["steps_per_s"] >= STEPS_GOAL for r in goal_rows} if goal_rows else None}
    return {"steps": steps, "repeats": repeats, "goal": goal, "rows": rows,
            "random_agent": "uniform over info['admissible_actions']; search[<query>] replaced by a query of 1-3 "
                            "words sampled without replacement from the instruction (punctuation stripped)"}


# ------------------------------------------------------------------------------------------------ agents
def agents_eval(episodes: int) -> dict[str, Any]:
    from agentgym.envs.webshop import goal_indices, score_and_success

    goals = list(goal_indices("test", N_GOALS))[:episodes]
    env = make_env(10_000, split="test")
    rows = []
    for agent in ("random", "rule", "oracle"):
        rewards, lengths, bought = [], [], 0
        start = time.perf_counter()
        for k, g in enumerate(goals):
            obs, info = env.reset(seed=k, options={"goal_index": g})
            actor = make_actor(agent, env, k)
            reward, length = 0.0, 0
            while True:
                obs, reward, terminated, truncated, info = env.step(actor.act(obs, info))
                length += 1
                if terminated or truncated:
                    break
            rewards.append(float(reward))
            lengths.append(length)
            bought += "purchased" in info
        score, sr = score_and_success(rewards)
        rows.append({"agent": agent, "episodes": len(goals), "score": score, "sr_percent": 100 * sr,
                     "mean_length": statistics.fmean(lengths), "bought_percent": 100 * bought / len(goals),
                     "seconds": time.perf_counter() - start})
        console.print(f"  {agent:6s} score {score:5.1f}, SR {100 * sr:5.1f}%, {rows[-1]['mean_length']:.1f} steps",
                      highlight=False)
    env.close()
    sr = {r["agent"]: r["sr_percent"] for r in rows}
    goals_met = {"rule_sr_in_single_digits_to_low_tens": RULE_SR_RANGE[0] <= sr["rule"] <= RULE_SR_RANGE[1],
                 "oracle_sr_at_least_95": sr["oracle"] >= ORACLE_SR_GOAL}
    paper = [{"agent": k, "score": s, "sr_percent": r} for k, (s, r) in PAPER.items()]
    return {"env": ENV_ID, "split": "test", "goal_indices": [goals[0], goals[-1]], "rows": rows,
            "paper_reference": paper, "goals": goals_met}


# ------------------------------------------------------------------------------------------------ search
class PlainBM25:
    """A plain-Python BM25 (Lucene variant, as bm25s's default): dict of postings, scores summed in a dict.

    ``idf = log(1 + (N - df + 0.5) / (df + 0.5))``, ``score = sum idf * tf / (tf + k1 * (1 - b + b * dl / avgdl))``
    over the query's tokens (repeats counted), top ``k`` by score then catalog order.
    """

    def __init__(self, docs: list[list[str]], asins: list[str], k1: float = K1, b: float = B) -> None:
        start = time.perf_counter()
        self.asins = asins
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for d, tokens in enumerate(docs):
            for term, tf in Counter(tokens).items():
                self.postings[term].append((d, tf))
        n = len(docs)
        avgdl = sum(len(t) for t in docs) / n
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.norm = [k1 * (1 - b + b * len(t) / avgdl) for t in docs]
        self.build_seconds = time.perf_counter() - start

    def search(self, query: str, k: int = 50) -> list[str]:
        from agentgym.envs.webshop.search import tokenize

        scores: dict[int, float] = defaultdict(float)
        norm = self.norm
        for term in tokenize(query):
            postings = self.postings.get(term)
            if postings is None:
                continue
            idf = self.idf[term]
            for d, tf in postings:
                scores[d] += idf * tf / (tf + norm[d])
        best = heapq.nsmallest(k, scores.items(), key=lambda item: (-item[1], item[0]))
        return [self.asins[d] for d, s in best if s > 0]


def _qps(fn: Callable[[str], list[str]], queries: list[str]) -> float:
    start = time.perf_counter()
    for q in queries:
        fn(q)
    return len(queries) / (time.perf_counter() - start)


def _overlap(a: list[str], b: list[str]) -> float:
    if not a and not b:
        return 1.0
    return len(set(a) & set(b)) / max(len(a), len(b))


def search_peer(n_queries: int, repeats: int) -> dict[str, Any]:
    from agentgym.envs.webshop.env import load_shop
    from agentgym.envs.webshop.search import product_text, tokenize

    shop = load_shop(10_000, 0, N_GOALS)
    start = time.perf_counter()
    docs = [tokenize(product_text(p)) for p in shop.catalog]
    tokenize_s = time.perf_counter() - start
    peer = PlainBM25(docs, [p.asin for p in shop.catalog])
    ours = shop.index
    goals = shop.goals[:n_queries]
    rows = []
    for kind, queries in (("goal query", [g.query for g in goals]), ("instruction", [g.instruction for g in goals])):
        ours.search(queries[0])  # warm the token-id cache like a running env
        q_ours, q_peer = [], []
        for _ in range(repeats):
            q_ours.append(_qps(ours.search, queries))
            q_peer.append(_qps(peer.search, queries))
        top_ours = [ours.search(q, k=10) for q in queries]
        top_peer = [peer.search(q, k=10) for q in queries]
        overlaps = [_overlap(a, b) for a, b in zip(top_ours, top_peer, strict=True)]
        med_ours, med_peer = statistics.median(q_ours), statistics.median(q_peer)
        rows.append({"queries": kind, "n": len(queries), "bm25s_qps": med_ours, "plain_python_qps": med_peer,
                     "ratio": med_ours / med_peer, "top10_overlap_mean": statistics.fmean(overlaps),
                     "top10_identical_percent": 100 * statistics.fmean(a == b for a, b in zip(top_ours, top_peer,
                                                                                            strict=True)),
                     "top1_same_percent": 100 * statistics.fmean(a[:1] == b[:1] for a, b in zip(top_ours, top_peer,
                                                                                               strict=True)),
                     "bm25s_samples": q_ours, "plain_python_samples": q_peer})
        console.print(f"  {kind:11s}: bm25s {med_ours:>8,.0f} q/s, plain Python {med_peer:>7,.0f} q/s "
                      f"({med_ours / med_peer:.1f}x), top-10 overlap {rows[-1]['top10_overlap_mean']:.3f}",
                      highlight=False)
    return {"n_products": 10_000, "k": 50, "k1": K1, "b": B, "repeats": repeats,
            "bm25s_build_s": ours.build_seconds, "plain_python_build_s": tokenize_s + peer.build_seconds,
            "plain_python_tokenize_s": tokenize_s, "build_note": "both include building the texts and tokenizing",
            "peer": "plain-Python BM25 in this file (dict of postings; same tokenizer, formula, k1, b, top-k rule)",
            "rows": rows}


# ------------------------------------------------------------------------------------------------ tables
def print_tables(data: dict[str, Any]) -> None:
    if "build" in data:
        t = Table("products", "catalog s", "goals s", "index s", "total s", "catalog MiB", "goals MiB", "index MiB",
                  "retained MiB", title="build (peak-RSS growth per phase, ru_maxrss)")
        for r in data["build"]["rows"]:
            t.add_row(f"{r['n_products']:,}", f"{r['catalog_s']:.2f}", f"{r['goals_s']:.2f}", f"{r['index_s']:.2f}",
                      f"{r['total_s']:.2f}", f"{r['catalog_peak_growth_mib']:.0f}",
                      f"{r['goals_peak_growth_mib']:.0f}", f"{r['index_peak_growth_mib']:.0f}",
                      f"{r['retained_mib']:.0f}")
        console.print(t)
    if "reset" in data:
        t = Table("products", "reset ms (mean)", "reset ms (median)", "make env ms", title="reset, shop built")
        for r in data["reset"]["rows"]:
            t.add_row(f"{r['n_products']:,}", f"{r['mean_ms']:.3f}", f"{r['median_ms']:.3f}", f"{r['make_env_ms']:.1f}")
        console.print(t)
    if "speed" in data:
        t = Table("products", "agent", "steps/s", "vs smallest", "in search", "ms/search", "steps/search",
                  "steps/episode", title=f"steps/s on one core, search included (goal: >= {STEPS_GOAL:,.0f} at 10k)")
        for r in data["speed"]["rows"]:
            t.add_row(f"{r['n_products']:,}", r["agent"], f"{r['steps_per_s']:,.0f}",
                      f"{r['ratio_to_smallest_size']:.2f}x", f"{r['search_share']:.0%}", f"{r['search_ms']:.2f}",
                      f"{r['steps_per_search']:.1f}", f"{r['steps_per_episode']:.1f}")
        console.print(t)
        met = data["speed"]["goal"]["met"]
        if met is not None:
            console.print(f"  goal >= {STEPS_GOAL:,.0f} steps/s at 10k: "
                          + ", ".join(f"{a} {'met' if m else 'NOT met'}" for a, m in met.items()), highlight=False)
    if "agents" in data:
        a = data["agents"]
        t = Table("agent", "Score", "SR %", "mean length", "bought %",
                  title=f"{a['env']} test goals {a['goal_indices'][0]}-{a['goal_indices'][1]}")
        for r in a["rows"]:
            t.add_row(r["agent"], f"{r['score']:.1f}", f"{r['sr_percent']:.1f}", f"{r['mean_length']:.1f}",
                      f"{r['bought_percent']:.0f}")
        for r in a["paper_reference"]:
            t.add_row(f"[dim]{r['agent']}[/dim]", f"[dim]{r['score']:.1f}[/dim]", f"[dim]{r['sr_percent']:.1f}[/dim]",
                      "", "")
        console.print(t)
        console.print("  goals: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in a["goals"].items()),
                      highlight=False)
    if "search" in data:
        s = data["search"]
        t = Table("queries", "bm25s q/s", "plain Python q/s", "ratio", "top-10 overlap", "top-10 identical",
                  title=f"search at {s['n_products']:,} products, top {s['k']}")
        for r in s["rows"]:
            t.add_row(f"{r['queries']} ({r['n']})", f"{r['bm25s_qps']:,.0f}", f"{r['plain_python_qps']:,.0f}",
                      f"{r['ratio']:.1f}x", f"{r['top10_overlap_mean']:.3f}", f"{r['top10_identical_percent']:.0f}%")
        console.print(t)
        console.print(f"  index build (tokenizing included): bm25s {s['bm25s_build_s']:.2f} s, plain Python "
                      f"{s['plain_python_build_s']:.2f} s", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = ["build", "reset", "speed", "agents", "search"]
    parser.add_argument("--parts", nargs="+", choices=parts, default=parts)
    parser.add_argument("--sizes", nargs="+", type=int, help="catalog sizes in products (default 10000 100000)")
    parser.add_argument("--steps", type=int, help="steps per speed run (default 20000)")
    parser.add_argument("--repeats", type=int, help="speed and search runs, median reported (default 5)")
    parser.add_argument("--resets", type=int, help="resets timed per size (default 200)")
    parser.add_argument("--episodes", type=int, help="test goals per agent, at most 500 (default 500)")
    parser.add_argument("--queries", type=int, help="test-goal queries for the search comparison (default 500)")
    parser.add_argument("--quick", action="store_true", help="defaults for a smoke run: 10k products only, 1000 "
                        "steps, 1 repeat, 50 resets, 100 episodes and queries (explicit options still win)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.episodes, args.queries = min(args.episodes, 500), min(args.queries, 500)

    pinned = pin_one_core()
    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data["machine"] = machine_info()
    data["machine"]["pinned_to_one_core"] = pinned
    data["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    started = time.perf_counter()
    if "build" in args.parts:
        console.print("[bold]build: catalog, goals, search index (fresh process per size)[/bold]")
        data["build"] = build(args.sizes)
    if "reset" in args.parts:
        console.print(f"[bold]reset: {args.resets} resets, shop built[/bold]")
        data["reset"] = reset_times(args.sizes, args.resets)
    if "speed" in args.parts:
        console.print(f"[bold]steps/s on one core, median of {args.repeats} x {args.steps} steps[/bold]")
        data["speed"] = speed(args.sizes, args.steps, args.repeats)
    if "agents" in args.parts:
        console.print(f"[bold]random, rule, oracle on {args.episodes} test goals of {ENV_ID}[/bold]")
        data["agents"] = agents_eval(args.episodes)
    if "search" in args.parts:
        console.print(f"[bold]bm25s vs plain-Python BM25, {args.queries} test-goal queries, 10k products[/bold]")
        data["search"] = search_peer(args.queries, args.repeats)
    data["seconds"] = time.perf_counter() - started
    print_tables(data)
    write_results(args.out, data)
    console.print(f"wrote {args.out} ({data['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
