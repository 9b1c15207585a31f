"""The ``agentgym`` command line: list, info, play, check and demo.

Run ``agentgym --help`` or ``agentgym COMMAND --help`` for details.
"""

from __future__ import annotations

import json
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    name="agentgym",
    help="agentgym: Gymnasium environments for training agents (LLM and classic) with RL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _resolve(env_id: str) -> str:
    from agentgym.envs.registration import UnknownEnvError, resolve_env_id

    try:
        return resolve_env_id(env_id)
    except UnknownEnvError as exc:
        _fail(str(exc))
        raise  # unreachable; keeps type checkers happy


def _make(env_id: str, **kwargs: Any) -> Any:
    import gymnasium as gym

    return gym.make(_resolve(env_id), **kwargs)


@app.command("list")
def list_envs(
    family: Annotated[str | None, typer.Option("--family", "-f", help="Only this family (e.g. minigrid, mujoco).")] = None,
    text: Annotated[bool | None, typer.Option("--text/--classic", help="Only text envs, or only classic ones.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the registered envs with their family and task."""
    from agentgym.envs.registration import CATALOG, families

    entries = [e for e in CATALOG.values() if (family is None or e.family == family) and (text is None or e.text == text)]
    if family is not None and family not in families():
        _fail(f"unknown family {family!r}; families: {', '.join(families())}")
    if as_json:
        print(json.dumps([{"id": e.id, "family": e.family, "text": e.text, "summary": e.summary,
                           "max_episode_steps": e.max_episode_steps} for e in entries], indent=2))
        return
    table = Table(title=f"agentgym envs ({len(entries)})", show_lines=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("family")
    table.add_column("kind")
    table.add_column("steps", justify="right")
    table.add_column("task")
    for e in entries:
        table.add_row(e.id, e.family, "text" if e.text else "classic", str(e.max_episode_steps or "-"), e.summary)
    console.print(table)


@app.command()
def info(
    env_id: Annotated[str, typer.Argument(help="Env id, e.g. agentgym/MiniGrid-DoorKey-5x5-Text-v0 (namespace optional).")],
    prompt: Annotated[bool, typer.Option("--prompt", help="Show the TaskSpec as an LLM reads it.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show an env's TaskSpec (task, compact state, action, success test) and spaces."""
    from agentgym.core import get_task_spec
    from agentgym.envs.registration import CATALOG

    env_id = _resolve(env_id)
    entry = CATALOG[env_id]
    env = _make(env_id)
    try:
        spec = get_task_spec(env)
        if as_json:
            print(json.dumps({"id": env_id, "family": entry.family, "text": entry.text,
                              "max_episode_steps": entry.max_episode_steps,
                              "observation_space": str(env.observation_space),
                              "action_space": str(env.action_space), "task_spec": spec.to_dict()}, indent=2))
            return
        console.rule(f"[bold]{env_id}[/]  ({entry.family}, {'text' if entry.text else 'classic'})")
        console.print(spec.to_prompt() if prompt else spec.render(), highlight=False, markup=False)
        console.print()
        console.print(f"Observation space: {env.observation_space}", highlight=False, markup=False)
        console.print(f"Action space:      {env.action_space}", highlight=False, markup=False)
        console.print(f"Max episode steps: {entry.max_episode_steps}", highlight=False)
    finally:
        env.close()


def _agent_policy(agent: str, env: Any, seed: int | None) -> Callable[[Any, dict[str, Any]], Any] | None:
    """A built-in policy for ``play --agent``: None for human, else a baseline agent's act."""
    from agentgym.agents import AGENTS, AgentError, make_agent

    if agent == "human":
        return None
    if agent not in AGENTS:
        _fail(f"unknown agent {agent!r}; choose human, {', '.join(AGENTS)}")
    actor = make_agent(agent, seed)
    try:
        actor.reset(env, seed)
    except AgentError as exc:
        _fail(f"{exc}; use --agent human or random")

    def act(obs: Any, info: dict[str, Any]) -> Any:
        try:
            return actor.act(obs, info)
        except AgentError as exc:
            _fail(str(exc))

    return act


@app.command()
def play(
    env_id: Annotated[str, typer.Argument(help="A text env id, e.g. MiniGrid-DoorKey-5x5-Text-v0.")],
    seed: Annotated[int | None, typer.Option(help="Reset seed (same seed, same task).")] = None,
    agent: Annotated[str, typer.Option(help="human (type actions), random, or oracle (the env's planner).")] = "human",
    episodes: Annotated[int, typer.Option(min=1, help="Episodes to play.")] = 1,
    delay: Annotated[float, typer.Option(min=0.0, help="Seconds between agent steps.")] = 0.0,
) -> None:
    """Play a text env in the terminal; type an action or its number (:q quits, :r resets)."""
    from agentgym.envs.registration import CATALOG

    env_id = _resolve(env_id)
    if not CATALOG[env_id].text:
        _fail(f"{env_id} is a classic env (arrays, not text); `play` needs a text env. "
              "Try a -Text- variant: agentgym list --text")
    env = _make(env_id)
    policy = _agent_policy(agent, env, seed)
    try:
        for episode in range(episodes):
            ep_seed = None if seed is None else seed + episode
            obs, info = env.reset(seed=ep_seed)
            console.rule(f"episode {episode + 1}  seed={ep_seed}")
            console.print(f"[bold]Task:[/] {info.get('task', '')}", highlight=False)
            total, steps = 0.0, 0
            while True:
                console.print(obs, markup=False, highlight=False)
                admissible = info.get("admissible_actions")
                if admissible:
                    console.print("[dim]actions:[/] " + "  ".join(f"[{i}] {a}" for i, a in enumerate(admissible, 1)),
                                  highlight=False)
                if policy is None:
                    try:
                        raw = input("> ").strip()
                    except (EOFError, KeyboardInterrupt):
                        console.print("\n(bye)")
                        return
                    if raw in (":q", ":quit"):
                        return
                    if raw in (":r", ":reset"):
                        break
                    action = admissible[int(raw) - 1] if admissible and raw.isdigit() and 0 < int(raw) <= len(admissible) else raw
                else:
                    action = policy(obs, info)
                    console.print(f"> {action}", style="bold", highlight=False)
                    time.sleep(delay)
                obs, reward, terminated, truncated, info = env.step(action)
                total += reward
                steps += 1
                if not info.get("valid_action", True):
                    console.print("[yellow](invalid action: it cost a step)[/]")
                if terminated or truncated:
                    console.print(obs, markup=False, highlight=False)
                    status = "[green]success[/]" if info.get("success") else "[red]not solved[/]"
                    console.print(f"{status}  return={total:.3f}  steps={steps}  "
                                  f"{'terminated' if terminated else 'truncated'}")
                    break
    finally:
        env.close()


def _check_one(env_id: str, sb3: bool) -> tuple[bool, str]:
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    from agentgym.envs.registration import CATALOG

    env = gym.make(env_id)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env.unwrapped, skip_render_check=True)
            notes = "gymnasium"
            if sb3 and not CATALOG[env_id].text:
                from stable_baselines3.common.env_checker import check_env as sb3_check

                sb3_check(env.unwrapped, warn=False)
                notes += " + sb3"
        return True, notes
    except Exception as exc:  # report every failure, keep checking the rest
        return False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200] or traceback.format_exc(limit=1)
    finally:
        env.close()


@app.command()
def check(
    env_ids: Annotated[list[str] | None, typer.Argument(help="Env ids to check (default: all).")] = None,
    family: Annotated[str | None, typer.Option("--family", "-f", help="Only this family.")] = None,
    sb3: Annotated[bool, typer.Option("--sb3/--no-sb3", help="Also run stable-baselines3's checker on classic envs.")] = True,
) -> None:
    """Run gymnasium's env checker (and SB3's) on registered envs; exit 1 if any fails."""
    from rich.progress import Progress

    from agentgym.envs.registration import CATALOG

    ids = [_resolve(e) for e in env_ids] if env_ids else [e.id for e in CATALOG.values() if family is None or e.family == family]
    if not ids:
        _fail("no envs to check")
    results = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("checking", total=len(ids))
        for env_id in ids:
            progress.update(task, description=env_id)
            start = time.perf_counter()
            ok, notes = _check_one(env_id, sb3)
            results.append((env_id, ok, notes, time.perf_counter() - start))
            progress.advance(task)
    table = Table(title="agentgym check")
    for col in ("id", "family", "result", "checks / error", "s"):
        table.add_column(col, justify="right" if col == "s" else "left")
    for env_id, ok, notes, secs in results:
        table.add_row(env_id, CATALOG[env_id].family, "[green]ok[/]" if ok else "[red]FAIL[/]", notes, f"{secs:.1f}")
    console.print(table)
    failed = sum(not ok for _, ok, _, _ in results)
    console.print(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _parse_sets(pairs: list[str] | None) -> dict[str, Any]:
    """``--set key=value`` pairs; values are parsed as YAML scalars/lists (3e-4, true, [64, 64])."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            _fail(f"--set expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


@app.command()
def train(
    env: Annotated[str | None, typer.Option("--env", "-e", help="Env id (agentgym namespace optional), e.g. MiniGrid-DoorKey-5x5-v0.")] = None,
    algo: Annotated[str | None, typer.Option(help="Classic envs: ppo (native) or sb3:PPO|A2C|DQN|SAC|TD3. Text envs (an LLM policy): grpo (default), rloo or ppo.")] = None,
    steps: Annotated[int | None, typer.Option(help="Total env steps (family default: MiniGrid 100k, MuJoCo 1M); for an LLM policy, policy updates (default 20).")] = None,
    model: Annotated[str | None, typer.Option(help="LLM policy (text envs): smollm2 (embedded, default), a local HF folder, a .gguf file or a hub id.")] = None,
    group_size: Annotated[int | None, typer.Option("--group-size", min=1, help="LLM policy: episodes per task seed (the GRPO/RLOO group; default 8).")] = None,
    tasks_per_step: Annotated[int | None, typer.Option("--tasks-per-step", min=1, help="LLM policy: task seeds per update (default 2).")] = None,
    lora_r: Annotated[int | None, typer.Option("--lora-r", min=0, help="LLM policy: LoRA rank (0: full fine-tuning, the default).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of torch, numpy and the envs.")] = None,
    num_envs: Annotated[int | None, typer.Option("--num-envs", help="Parallel envs.")] = None,
    out: Annotated[str | None, typer.Option(help="Run folder (default runs/<env>_<algo>_s<seed>_<time>).")] = None,
    config: Annotated[str | None, typer.Option(help="YAML or TOML file of config keys (hyperparams nested).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Hyperparameter override key=value (repeatable), e.g. --set learning_rate=3e-4.")] = None,
    reward_code: Annotated[str | None, typer.Option("--reward-code", help="File defining compute_reward(state, action, next_state, info).")] = None,
    reward_mode: Annotated[str | None, typer.Option("--reward-mode", help="replace or add the env reward.")] = None,
    credit: Annotated[str | None, typer.Option("--credit", help="Per-step credit. LLM policies: none (default), gigpo, salt, spa, prime, istar, pbrs, gra or progress (settings: --set credit_settings='{gamma: 0.9}'). Classic policies: none, pbrs or progress (from the env's info['progress']).")] = None,
    intrinsic: Annotated[str | None, typer.Option("--intrinsic", help="Add an intrinsic reward: llm-feedback (an LLM labels the env's event messages as helpful or not, ONI/Motif style; MiniGrid and text envs).")] = None,
    intrinsic_model: Annotated[str, typer.Option("--intrinsic-model", help="LLM of the annotator: local (embedded SmolLM2), local:PATH, or openai:MODEL[@URL].")] = "local",
    intrinsic_coef: Annotated[float, typer.Option("--intrinsic-coef", min=0.0, help="alpha_int, the intrinsic reward's weight.")] = 0.1,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda.")] = None,
    vectorization: Annotated[str | None, typer.Option(help="auto (by env cost), sync or async.")] = None,
    checkpoint_every: Annotated[int | None, typer.Option("--checkpoint-every", help="Env steps between checkpoints (LLM policy: updates).")] = None,
    keep_checkpoints: Annotated[int | None, typer.Option("--keep-checkpoints", min=0, help="Newest checkpoints to keep (default 3; 0 keeps all).")] = None,
    eval_episodes: Annotated[int | None, typer.Option("--eval-episodes", help="Episodes of the evaluation after training (0: none).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its latest checkpoint.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out folder.")] = False,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Train a policy; metrics go to RUN/metrics.jsonl and TensorBoard (RUN/tb), checkpoints to RUN/checkpoints.

    Ctrl-C stops after the current update and saves a checkpoint; --resume continues it.
    """
    from agentgym.core import RewardCodeError, RewardFnError
    from agentgym.core.sandbox import SandboxError
    from agentgym.envs.registration import UnknownEnvError
    from agentgym.reward_synth.intrinsic import AnnotatorError
    from agentgym.reward_synth.llm import LLMError
    from agentgym.trainers import RunError
    from agentgym.trainers import train as train_fn

    if env is None and not resume:
        _fail("--env is required (or --resume with --out)")
    if _is_llm_training(env, algo, resume, out):
        _train_llm(env, algo, steps, seed, out, set_, model, group_size, tasks_per_step, lora_r, device, eval_episodes,
                   checkpoint_every, keep_checkpoints, resume, overwrite, progress,
                   (intrinsic, intrinsic_model, intrinsic_coef), credit)
        return
    if model is not None or group_size is not None or tasks_per_step is not None or lora_r is not None:
        _fail("--model, --group-size, --tasks-per-step and --lora-r train an LLM policy: they need a text env")
    try:
        spec = _intrinsic_spec(intrinsic, intrinsic_model, intrinsic_coef, resume, out)
        run = train_fn(env, algo, steps, seed=seed, reward_fn=reward_code, reward_mode=reward_mode, intrinsic=spec,
                       num_envs=num_envs, out=out, config=config, hyperparams=_parse_sets(set_) or None,
                       device=device, vectorization=vectorization, checkpoint_every=checkpoint_every,
                       keep_checkpoints=keep_checkpoints, eval_episodes=eval_episodes, credit=credit, resume=resume,
                       overwrite=overwrite, progress=progress)
    except (RunError, RewardCodeError, UnknownEnvError, ValueError, FileNotFoundError, SandboxError, LLMError) as exc:
        _fail(str(exc))
        return
    except AnnotatorError as exc:
        _fail(f"{exc}\nThe run folder keeps its last checkpoint and the labels so far; use --resume.", code=1)
        return
    except RewardFnError as exc:
        _fail(f"the reward code failed during training: {exc}\n"
              f"The run folder keeps its last checkpoint; fix the code and use --resume.", code=1)
        return
    status = run.status()
    console.print(f"run folder: {run.path}  ({status['state']}, {status.get('global_step')} steps)", highlight=False)
    eval_path = run.path / "eval.json"
    if status["state"] == "finished" and eval_path.is_file():
        data = json.loads(eval_path.read_text())
        console.print(f"evaluation: {data['episodes']} episodes, return {data['mean_return']:.3f}, "
                      f"success {data['success_rate']:.1%}", highlight=False)
    elif status["state"] == "interrupted":
        console.print(f"interrupted: resume with  agentgym train --resume --out {run.path}", highlight=False)


def _is_llm_training(env: str | None, algo: str | None, resume: bool, out: str | None) -> bool:
    """Whether ``train`` trains an LLM policy: a text env, or a resumed LLM run."""
    from agentgym.envs.registration import CATALOG
    from agentgym.trainers.llm.trainer import is_llm_run

    if env is None:
        return resume and out is not None and is_llm_run(out)
    from agentgym.envs.registration import UnknownEnvError, resolve_env_id

    try:
        env_id = resolve_env_id(env)
    except UnknownEnvError:  # another gymnasium env (e.g. CartPole-v1): a classic policy; train() checks the id
        if algo in ("grpo", "rloo"):
            _fail(f"{algo} trains an LLM policy on an agentgym text env; {env} is not one")
        return False
    if not CATALOG[env_id].text:
        if algo in ("grpo", "rloo"):
            _fail(f"{algo} trains an LLM policy on a text env; {env_id} is a classic env (use ppo or sb3:ALGO)")
        return False
    if algo is not None and algo.startswith("sb3:"):
        _fail(f"{env_id} is a text env: train an LLM policy with --algo grpo, rloo or ppo")
    return True


def _train_llm(env: str | None, algo: str | None, steps: int | None, seed: int | None, out: str | None,
               sets: list[str] | None, model: str | None, group_size: int | None, tasks_per_step: int | None,
               lora_r: int | None, device: str | None, eval_episodes: int | None, checkpoint_every: int | None,
               keep_checkpoints: int | None, resume: bool, overwrite: bool, progress: bool,
               intrinsic: tuple[str | None, str, float] = (None, "local", 0.1), credit: str | None = None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agentgym.reward_synth.intrinsic import AnnotatorError, LLMFeedback
    from agentgym.trainers.llm.models import LLMError
    from agentgym.trainers.llm.trainer import CONFIG_FILE, LLMTrainConfig, LLMTrainError, train_llm

    values: dict[str, Any] = {}
    if resume and out is not None and (Path(out) / CONFIG_FILE).is_file():
        values = json.loads((Path(out) / CONFIG_FILE).read_text())
    if env is not None:
        values["env_id"] = _resolve(env)
    given = {"algo": algo, "steps": steps, "seed": seed, "model": model, "group_size": group_size,
             "tasks_per_step": tasks_per_step, "lora_r": lora_r, "device": device, "eval_episodes": eval_episodes,
             "checkpoint_every": checkpoint_every, "keep_checkpoints": keep_checkpoints, "credit": credit}
    values.update({k: v for k, v in given.items() if v is not None})
    values.update(_parse_sets(sets))
    folder = out or f"runs/{values['env_id'].split('/')[-1]}_{values.get('algo', 'grpo')}_s{values.get('seed', 0)}_{time.strftime('%Y%m%d-%H%M%S')}"
    kind, intrinsic_model, intrinsic_coef = intrinsic
    spec = None
    if kind is not None:
        if kind != LLMFeedback.kind:
            _fail(f"unknown intrinsic reward {kind!r}; available: {LLMFeedback.kind}")
        spec = LLMFeedback(intrinsic_model, alpha_int=intrinsic_coef)
    elif values.get("intrinsic"):
        spec = LLMFeedback.from_dict(values["intrinsic"])
    try:
        cfg = LLMTrainConfig.from_dict(values)
    except (LLMTrainError, TypeError) as exc:
        _fail(str(exc))
        return
    console.print(f"training an LLM policy: {cfg.algo} on {cfg.env_id} with {cfg.model}, {cfg.steps} updates of "
                  f"{cfg.tasks_per_step} x {cfg.group_size} episodes -> {folder}", highlight=False)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[info]}"))
    with Progress(*columns, console=console, disable=not progress) as bar:
        task = bar.add_task("updates", total=cfg.steps, info="")

        def on_update(row: dict[str, Any]) -> None:
            bar.update(task, completed=row["global_step"],
                       info=f"success {row['episode/success']:.0%}  {row['rollout/episodes_per_s']:.2f} ep/s  "
                            f"{row['rollout/tokens_per_s']:.0f} tok/s")

        try:
            result = train_llm(cfg, folder, resume=resume, overwrite=overwrite, on_update=on_update, intrinsic=spec)
        except (LLMTrainError, LLMError, ValueError) as exc:
            _fail(str(exc))
            return
        except AnnotatorError as exc:
            _fail(f"{exc}\nThe run folder keeps its last checkpoint and the labels so far; use --resume.", code=1)
            return
    console.print(f"run folder: {folder}", highlight=False)
    if result:
        lo, hi = result["success_ci95"]
        console.print(f"evaluation ({result['episodes']} held-out episodes): success {result['success_rate']:.1%} "
                      f"(95% CI {lo:.1%} to {hi:.1%}), return {result['mean_return']:.3f}", highlight=False)


def _intrinsic_spec(kind: str | None, model: str, coef: float, resume: bool, out: str | None) -> Any:
    """The intrinsic reward asked for on the command line, or the one a resumed run was trained with."""
    from agentgym.reward_synth.intrinsic import LLMFeedback
    from agentgym.trainers.config import TrainConfig

    if kind is None:
        if resume and out is not None and (Path(out) / "config.json").is_file():
            saved = TrainConfig.load(Path(out) / "config.json").intrinsic
            return LLMFeedback.from_dict(saved) if saved else None
        return None
    if kind != LLMFeedback.kind:
        raise ValueError(f"unknown intrinsic reward {kind!r}; available: {LLMFeedback.kind}")
    return LLMFeedback(model, alpha_int=coef)


@app.command("eval")
def eval_(
    run: Annotated[str | None, typer.Option("--run", "-r", help="Run folder made by agentgym train.")] = None,
    env: Annotated[str | None, typer.Option("--env", "-e", help="Evaluate a baseline --agent on this env instead of a run.")] = None,
    agent: Annotated[str | None, typer.Option(help="Baseline agent for --env: random (admissible actions or the action space) or oracle (the env's planner).")] = None,
    model: Annotated[str | None, typer.Option(help="Evaluate an LLM on the text env --env: a local model (smollm2, a folder, a .gguf), or the model name on --endpoint.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL of a served model (e.g. http://127.0.0.1:8000/v1); key from OPENAI_API_KEY.")] = None,
    split: Annotated[str | None, typer.Option(help="Text games: worlds of the train, test or all split (default with --env: test).")] = None,
    episodes: Annotated[int | None, typer.Option(min=1, help="Episodes (default: the run's eval_episodes; 100 for --env).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the first episode (default: the run's eval_seed; 0 for --env).")] = None,
    stochastic: Annotated[bool | None, typer.Option("--stochastic/--deterministic", help="Sample actions, or take the most likely (default: the run's eval_deterministic; MiniGrid samples).")] = None,
    checkpoint: Annotated[int | None, typer.Option(help="Global step of the checkpoint to evaluate (default: the latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Evaluate a run's checkpoint (--run), or a baseline agent on an env (--env ID --agent oracle|random).

    Prints mean return, success rate and episode length with 95% confidence intervals.
    """
    from agentgym.trainers.llm.trainer import is_llm_run

    if run is not None and is_llm_run(run):
        if agent is not None:
            _fail("--agent evaluates a baseline on --env; give --run or --agent, not both")
        _eval_llm_run(run, env, split, episodes or 20, seed, as_json)
        return
    if run is not None and env is not None:
        _fail("give either --run (a trained policy) or --env with --agent (a baseline), not both")
    if env is not None and (model is not None or endpoint is not None):
        if agent is not None:
            _fail("give --agent (a baseline) or --model/--endpoint (an LLM), not both")
        _eval_llm_model(env, model, endpoint, split, episodes or 20, 10**6 if seed is None else seed, as_json)
        return
    if endpoint is not None or model is not None:
        _fail("--model and --endpoint evaluate an LLM on a text env: give --env too")
    if env is not None:
        _eval_agent(env, agent, split, episodes or 100, 0 if seed is None else seed, as_json)
        return
    if agent is not None or split is not None:
        _fail("--agent and --split go with --env")
    from agentgym.trainers import Run, RunError

    if run is None:
        _fail("give --run RUN_FOLDER, or --env ID --agent oracle|random")
    try:
        deterministic = None if stochastic is None else not stochastic
        result = Run.open(run).evaluate(episodes, seed=seed, deterministic=deterministic, progress=not as_json,
                                        checkpoint=checkpoint)
    except RunError as exc:
        _fail(str(exc))
        return
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        console.print(str(result), highlight=False)


def _eval_llm_model(env: str, model: str | None, endpoint: str | None, split: str | None, episodes: int, seed: int,
                    as_json: bool) -> None:
    """An LLM that was not trained here: a local model (HF engine) or a served one (--endpoint)."""
    from agentgym.envs.registration import CATALOG
    from agentgym.trainers.llm.models import LLMError
    from agentgym.trainers.llm.rollout import accepts_split, evaluate_endpoint, evaluate_llm

    env_id = _resolve(env)
    if not CATALOG[env_id].text:
        _fail(f"{env_id} is a classic env; an LLM needs a text env (agentgym list --text)")
    kwargs = None if split is None else {"split": split}
    if split is not None and not accepts_split(env_id):
        _fail(f"{env_id} has no train/test split (only the text games do)")
    try:
        if endpoint is not None:
            from agentgym.trainers.llm.engines import OpenAIEngine

            result = evaluate_endpoint(OpenAIEngine(model, base_url=endpoint), env_id, episodes, seed=seed,
                                       env_kwargs=kwargs)
        else:
            from agentgym.trainers.llm.engines import HFEngine
            from agentgym.trainers.llm.models import check_model_spec, load_causal_lm

            check_model_spec(model)
            loaded = load_causal_lm(model)
            result = evaluate_llm(HFEngine.from_loaded(loaded), loaded.tokenizer, env_id, episodes, seed=seed,
                                  env_kwargs=kwargs)
    except (LLMError, ValueError) as exc:
        _fail(str(exc))
        return
    _print_llm_eval(endpoint or model or "", result, as_json)


def _print_llm_eval(who: str, result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    lo, hi = result["success_ci95"]
    console.print(f"{who} on {result['env_id']} {result.get('env_kwargs') or ''}: {result['episodes']} episodes, "
                  f"success {result['success_rate']:.1%} (95% CI {lo:.1%} to {hi:.1%}), return "
                  f"{result['mean_return']:.3f}, length {result['mean_length']:.1f}, format errors "
                  f"{result['format_error_rate']:.0%}", highlight=False)


def _eval_llm_run(run: str, env: str | None, split: str | None, episodes: int, seed: int | None, as_json: bool) -> None:
    from agentgym.trainers.llm.models import LLMError
    from agentgym.trainers.llm.trainer import LLMTrainError, evaluate_run

    try:
        result = evaluate_run(run, env_id=_resolve(env) if env else None, episodes=episodes,
                              seed=10**6 if seed is None else seed, split=split)
    except (LLMTrainError, LLMError, ValueError) as exc:
        _fail(str(exc))
        return
    _print_llm_eval(run, result, as_json)


def _eval_agent(env: str, agent: str | None, split: str | None, episodes: int, seed: int, as_json: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agentgym.agents import AGENTS, AgentError, evaluate_agent
    from agentgym.envs.registration import CATALOG
    from agentgym.envs.textgames.splits import SPLIT_NAMES

    env_id = _resolve(env)
    if agent is None:
        _fail(f"--env needs --agent ({', '.join(AGENTS)})")
    if agent not in AGENTS:
        _fail(f"unknown agent {agent!r}; choose {', '.join(AGENTS)}")
    env_kwargs: dict[str, Any] = {}
    if CATALOG[env_id].family == "textgames":
        split = split or "test"
        if split not in SPLIT_NAMES:
            _fail(f"--split must be one of {', '.join(SPLIT_NAMES)}, got {split!r}")
        env_kwargs["split"] = split
    elif split is not None:
        _fail(f"{env_id} has no train/test split (only the text games do)")
    try:
        with Progress(TextColumn(f"{agent} on {env_id}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console, disable=as_json, transient=True) as bar:
            task = bar.add_task("eval", total=episodes)
            result = evaluate_agent(env_id, agent, episodes=episodes, seed=seed, env_kwargs=env_kwargs,
                                    on_episode=lambda _k: bar.advance(task))
    except AgentError as exc:
        _fail(str(exc))
        return
    if as_json:
        print(json.dumps({"env": env_id, "agent": agent, "split": env_kwargs.get("split"), **result.to_dict()},
                         indent=2))
    else:
        where = f" ({env_kwargs['split']} split)" if "split" in env_kwargs else ""
        console.print(f"{agent} on {env_id}{where}: {result}", highlight=False)


@app.command()
def plot(
    run: Annotated[str, typer.Argument(help="Run folder made by agentgym train.")],
    out: Annotated[str | None, typer.Option(help="Folder for the PNGs (default RUN/plots).")] = None,
) -> None:
    """Write learning-curve PNGs (return, success, reward components, losses, speed) of a run."""
    from agentgym.trainers import Run, RunError

    try:
        paths = Run.open(run).plot(out)
    except RunError as exc:
        _fail(str(exc))
        return
    if not paths:
        _fail(f"{run} has no metrics to plot yet")
    for path in paths:
        console.print(str(path), highlight=False)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of both episodes.")] = 0,
    steps: Annotated[int, typer.Option(min=1, help="MuJoCo steps to run with the reference reward.")] = 300,
    train_steps: Annotated[int, typer.Option("--train-steps", min=512, help="PPO steps on MiniGrid-Empty-5x5.")] = 8192,
) -> None:
    """A short tour on the embedded defaults: a text env solved by its planner, and reward code on MuJoCo.

    1. agentgym/MiniGrid-DoorKey-5x5-Text-v0: the planner (oracle) plays; each turn shows the
       action, the ground-truth progress and the observation.
    2. agentgym/HalfCheetah-Backward-v0 (sparse success only): its hand-written dense reference
       reward is loaded through the checked reward loader and applied with RewardWrapper; the
       mean of each named component over random actions is shown.
    3. Native PPO trains on agentgym/MiniGrid-Empty-5x5-v0 and is evaluated.
    """
    import gymnasium as gym
    import numpy as np

    from agentgym.core import RewardWrapper, get_task_spec, load_reward_fn
    from agentgym.envs.mujoco.reference_rewards import reference_reward_path
    from agentgym.envs.registration import CATALOG, families

    console.rule("[bold]agentgym demo")
    console.print(f"{len(CATALOG)} envs registered in families: {', '.join(families())} (see `agentgym list`)\n")

    text_id = "agentgym/MiniGrid-DoorKey-5x5-Text-v0"
    console.rule(f"1. {text_id}, played by its planner")
    env = gym.make(text_id)
    obs, info = env.reset(seed=seed)
    console.print(f"[bold]Task:[/] {info['task']}", highlight=False)
    console.print(obs, markup=False, highlight=False)
    ret, done = 0.0, False
    while not done:
        action = env.unwrapped.oracle_action()
        obs, reward, terminated, truncated, info = env.step(action)
        ret += reward
        done = terminated or truncated
        console.print(f"[bold]> {action}[/]  progress={info.get('progress', float('nan')):.2f}", highlight=False)
    console.print(obs, markup=False, highlight=False)
    console.print(f"success={info['success']}  return={ret:.3f}  steps={env.unwrapped.compact_state()['steps']}\n")
    env.close()

    mj_id = "agentgym/HalfCheetah-Backward-v0"
    console.rule(f"2. {mj_id} with its dense reference reward")
    env = gym.make(mj_id)
    spec = get_task_spec(env)
    console.print(f"[bold]Task:[/] {spec.task}\n[bold]Success:[/] {spec.success_criterion}", highlight=False)
    path = reference_reward_path(mj_id)
    console.print(f"reward code: {path.name} (checked by the loader: imports, names, signature)", highlight=False)
    env = RewardWrapper(env, load_reward_fn(path), mode="replace")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    sums: dict[str, list[float]] = {}
    for _ in range(steps):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        for name, value in {"total": reward, **info["reward_components"]}.items():
            sums.setdefault(name, []).append(value)
        if terminated or truncated:
            env.reset()
    table = Table(title=f"reward components over {steps} random steps")
    for col in ("component", "mean", "min", "max"):
        table.add_column(col, justify="left" if col == "component" else "right")
    for name, values in sums.items():
        v = np.asarray(values)
        table.add_row(name, f"{v.mean():+.3f}", f"{v.min():+.3f}", f"{v.max():+.3f}")
    console.print(table)
    console.print(f"sparse task success after random actions: {info['success']} (progress {info['progress']:.2f})")
    env.close()

    import tempfile

    import agentgym

    train_id = "agentgym/MiniGrid-Empty-5x5-v0"
    console.rule(f"3. native PPO on {train_id}")
    with tempfile.TemporaryDirectory() as tmp:
        run = agentgym.train(train_id, "ppo", train_steps, seed=seed, num_envs=8, out=f"{tmp}/run",
                             hyperparams={"num_steps": 64}, eval_episodes=20)
        rows = [r for r in run.metrics() if "episode/return" in r]
        first, last = rows[0], rows[-1]
        console.print(f"training return {first['episode/return']:.2f} -> {last['episode/return']:.2f}, "
                      f"{last['time/steps_per_s']:,.0f} steps/s", highlight=False)
        console.print(f"evaluation: {run.evaluate(20)}", highlight=False)


@app.command("serve-llm")
def serve_llm(
    model: Annotated[str | None, typer.Option("--model", "-m", help="LLM spec: local (embedded SmolLM2-135M-Instruct), local:<HF id | folder | file.gguf>, or openai:<model>[@<base_url>] to relay. Default: $AGENTGYM_LLM, else local.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback only unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 8000,
    name: Annotated[str | None, typer.Option("--name", help="Model id the server lists and answers as (default: the model's name).")] = None,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback --host. The server has no authentication: anyone who reaches it can use the model.")] = False,
    max_n: Annotated[int, typer.Option("--max-n", min=1, help="Most choices per request (a larger n gets this many).")] = 16,
    preload: Annotated[bool, typer.Option("--preload/--lazy", help="Load a local model before serving, or on the first request.")] = True,
    device: Annotated[str, typer.Option(help="Local model device: auto, cpu, cuda, mps.")] = "auto",
) -> None:
    """Serve an LLM over an OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models); Ctrl-C stops.

    Any OpenAI client can use it, and so can agentgym:
    AGENTGYM_LLM='openai:<name>@http://127.0.0.1:8000/v1'. Requests are answered one generation at a time.
    """
    from agentgym.reward_synth import LLMError, LLMServer, LocalClient, make_client
    from agentgym.reward_synth.serve import check_host

    try:
        check_host(host, allow_remote)  # before loading anything
        client = make_client(model)
        if isinstance(client, LocalClient):
            client.device = device
            if preload:
                with console.status(f"loading {client.name} ...".replace("[", "\\[")):
                    seconds = client.load().load_seconds
                console.print(f"loaded {client.name} in {seconds:.1f}s", highlight=False, markup=False)
        server = LLMServer(client, host, port, name, allow_remote=allow_remote, max_n=max_n)
        server.bind()
    except (ValueError, LLMError) as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail_listen(host, port, exc)
        return
    from rich.markup import escape

    url = server.url
    console.print(f"Serving [bold]{escape(client.name)}[/] as model [bold]{escape(server.model_name)}[/] "
                  f"at [bold]{escape(url)}[/]", highlight=False, soft_wrap=True)
    console.print(f"""
Point agentgym at it:
  export AGENTGYM_LLM='openai:{server.model_name}@{url}'
Point any OpenAI client at it (no key needed):
  export OPENAI_BASE_URL={url} OPENAI_API_KEY=not-needed
  python -c "from openai import OpenAI; r = OpenAI().chat.completions.create(model='{server.model_name}', \\
      messages=[{{'role': 'user', 'content': 'Say hi.'}}], max_tokens=32); print(r.choices[0].message.content)"

Ctrl-C stops the server.""", highlight=False, markup=False, soft_wrap=True)  # soft_wrap: keep the commands copyable
    # "Ctrl-C stops" comes last: whoever waits for it (a script, the tests) has the whole banner by then
    try:
        server.serve_forever()  # in this thread, so Ctrl-C lands here; requests run in daemon threads
    except KeyboardInterrupt:
        pass
    console.print("stopped")


def _fail_listen(host: str, port: int, exc: OSError) -> None:
    _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another server on that port? "
          f"Choose another with --port (0 picks a free one).")


SERVE_APPS = ("webshop",)


@app.command("serve")
def serve(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="What to serve: webshop (the WebShop env as web pages a person can play in a browser).")],
    host: Annotated[str, typer.Option(help="Address to bind; loopback only unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 8080,
    env: Annotated[str, typer.Option("--env", help="Default shop: WebShop-v0 or WebShop-Small-v0 (/?env= picks per episode).")] = "WebShop-v0",
    record: Annotated[str, typer.Option("--record", help="JSONL file each finished episode is appended to (one Trajectory a line).")] = "runs/webshop_human.jsonl",
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback --host. The server has no authentication: anyone who reaches it can play and append episodes to the record file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No access log.")] = False,
) -> None:
    """Serve an env as web pages a person can play in a browser; Ctrl-C stops.

    `agentgym serve webshop` serves the WebShop env: every button sends the same action a text agent would
    (search[...] / click[...]), and each finished episode is appended to --record as a trajectory. Open
    http://127.0.0.1:8080/ (/?goal=N plays goal N, /?seed=N seeds the goal draw, /?env=WebShop-Small-v0).
    """
    if app_name.lower() not in SERVE_APPS:
        _fail(f"unknown app {app_name!r}; choose {', '.join(SERVE_APPS)} (serve-llm serves an LLM)")
    from agentgym.envs.webshop.server import WebShopServer

    try:
        with console.status("building the shop ..."):
            server = WebShopServer(env_id=env, host=host, port=port, record=record, allow_remote=allow_remote,
                                   quiet=quiet)
    except ValueError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail_listen(host, port, exc)
        return
    console.print(f"Serving the WebShop ({server.app.default_env}) at {server.url}  (Ctrl-C stops); "
                  f"episodes go to {record}", highlight=False, markup=False, soft_wrap=True)
    try:
        server.serve_forever()  # in this thread, so Ctrl-C lands here; requests run in daemon threads
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    console.print(f"stopped ({server.app.episodes_recorded} episodes recorded)", highlight=False)


reward_app = typer.Typer(help="Reward synthesis: an LLM writes, checks, trains with and refines reward code.",
                         no_args_is_help=True)
app.add_typer(reward_app, name="reward")


@reward_app.command("synth")
def reward_synth(
    env: Annotated[str, typer.Option("--env", "-e", help="Env id (agentgym namespace optional).")],
    task: Annotated[str | None, typer.Option(help="The task in words (default: the env's TaskSpec task).")] = None,
    samples: Annotated[int, typer.Option(min=1, help="Candidates the LLM writes per round (Eureka: 16).")] = 4,
    iterations: Annotated[int, typer.Option(min=1, help="Rounds of write, check, train, reflect.")] = 3,
    steps: Annotated[int | None, typer.Option(min=1, help="PPO steps per candidate (default: MiniGrid 50k, MuJoCo 200k).")] = None,
    llm: Annotated[str | None, typer.Option(help="LLM: local[:smollm2|HF id|path] or openai:MODEL[@BASE_URL] (default: $AGENTGYM_LLM or the embedded SmolLM2).")] = None,
    out: Annotated[str | None, typer.Option(help="Output folder (default runs/synth_<env>_<time>).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of training, critic samples and evaluation.")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, help="Candidates trained in parallel (default: one per core).")] = None,
    num_envs: Annotated[int | None, typer.Option("--num-envs", min=1, help="Envs per candidate's training.")] = None,
    eval_episodes: Annotated[int, typer.Option("--eval-episodes", min=1, help="Evaluation episodes per candidate (fitness).")] = 20,
    reward_mode: Annotated[str, typer.Option("--reward-mode", help="replace or add the env reward.")] = "replace",
    temperature: Annotated[float, typer.Option(min=0.0, help="LLM sampling temperature.")] = 0.7,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=16, help="LLM reply length limit.")] = 768,
) -> None:
    """Synthesize a reward for ENV: the best program goes to OUT/best_reward.py, the story to OUT/report.md.

    Point it at a strong model with an OpenAI-compatible endpoint, e.g.
    --llm openai:gpt-4o (OPENAI_API_KEY set) or --llm openai:MODEL@http://127.0.0.1:8000/v1.
    """
    from agentgym.core.sandbox import SandboxError
    from agentgym.reward_synth.llm import GenerationConfig, LLMError, make_client
    from agentgym.reward_synth.loop import SynthConfig, synthesize

    env_id = _resolve(env)
    folder = out or f"runs/synth_{env_id.split('/')[-1]}_{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        client = make_client(llm)
        config = SynthConfig(env_id, task=task, samples=samples, iterations=iterations, train_steps=steps, seed=seed,
                             workers=workers, num_envs=num_envs, eval_episodes=eval_episodes, reward_mode=reward_mode,
                             generation=GenerationConfig(temperature=temperature, max_tokens=max_tokens, seed=seed))
        result = synthesize(client, config, folder, on_event=lambda line: console.print(line, highlight=False))
    except (ValueError, LLMError, SandboxError) as exc:
        _fail(str(exc))
        return
    console.print(f"critic rejected {result.critic_catch_rate():.0%} of the candidates", highlight=False)
    if result.best is None:
        console.print(f"no candidate trained; see {folder}/report.md", highlight=False)
        raise typer.Exit(1)
    console.print(f"best: {result.best.name}, success {result.best.success_rate:.0%} -> {result.best_path}\n"
                  f"report: {folder}/report.md\n"
                  f"train with it: agentgym train --env {env_id} --reward-code {result.best_path}", highlight=False)


@reward_app.command("check")
def reward_check(
    file: Annotated[str, typer.Argument(help="A reward file (or an LLM reply holding a ```python block).")],
    env: Annotated[str, typer.Option("--env", "-e", help="Env whose random transitions the code runs on.")],
    samples: Annotated[int, typer.Option(min=1, help="Transitions to run it on.")] = 256,
    seed: Annotated[int, typer.Option(help="Seed of the sampled transitions.")] = 0,
) -> None:
    """Run the reward critic on a file: static checks, then the sandbox on sampled transitions."""
    from pathlib import Path

    from agentgym.reward_synth.critic import critique, sample_transitions

    path = Path(file)
    if not path.is_file():
        _fail(f"no such file: {file}")
    result = critique(path.read_text(), sample_transitions(_resolve(env), samples, seed), name=str(path))
    if not result.ok:
        _fail(result.feedback(), code=1)
    table = Table(title=f"{path.name} on {samples} random transitions of {env}")
    for col in ("term", "mean", "std", "min", "max"):
        table.add_column(col)
    for name, s in result.stats.items():
        table.add_row(name, *(f"{s[k]:.4g}" for k in ("mean", "std", "min", "max")))
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print("[green]passed[/]")


swe_app = typer.Typer(help="SWE sandboxes: build the Docker images, generate tasks, remove leaked containers.",
                      no_args_is_help=True)
app.add_typer(swe_app, name="swe")


def _swe_errors() -> tuple[type[BaseException], ...]:
    from agentgym.envs.swe.generate import GenerateError
    from agentgym.envs.swe.images import ImageBuildError
    from agentgym.envs.swe.sandbox import DockerUnavailableError, SandboxError

    return (DockerUnavailableError, ImageBuildError, SandboxError, GenerateError, KeyError, ValueError)


@swe_app.command("build")
def swe_build(
    repo: Annotated[list[str] | None, typer.Option("--repo", "-r", help="Only these task repos (repeatable).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Build again even when an image with the same hash exists.")] = False,
) -> None:
    """Build the base image (debootstrap, about a minute, needs root) and one image per task repo.

    Images are tagged by a hash of what they are made from: a build is skipped when its image exists.
    """
    from agentgym.envs.swe import images

    try:
        names = repo or images.repo_names()
        for name in names:
            images.repo_dir(name)  # unknown names fail before any work
        with console.status("building SWE images") as status:
            def show(line: str) -> None:
                status.update(line)
                console.print(line, highlight=False)

            tags = images.build_all(names, show, rebuild=rebuild)
    except _swe_errors() as exc:
        _fail(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
        return
    for name, tag in tags.items():
        console.print(f"{name}: {tag}", highlight=False)


@swe_app.command("gc")
def swe_gc(
    all_: Annotated[bool, typer.Option("--all", help="Remove every agentgym container, not only those whose process is gone.")] = False,
) -> None:
    """Remove leaked SWE containers (those whose owning process is gone; every one with --all)."""
    from agentgym.envs.swe.sandbox import collect_garbage

    try:
        removed = collect_garbage(everything=all_)
    except _swe_errors() as exc:
        _fail(str(exc))
        return
    console.print(f"removed {removed} container(s)", highlight=False)


@swe_app.command("generate")
def swe_generate(
    repo: Annotated[str, typer.Option("--repo", "-r", help="The task repo to inject bugs into (see `agentgym swe repos`).")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="How many validated tasks to make.")] = 50,
    out: Annotated[str, typer.Option(help="JSONL file the tasks are added to (tasks of the same id are replaced).")] = "swe_tasks.jsonl",
    seed: Annotated[int, typer.Option(help="Seed of the bug sample (the same seed gives the same tasks).")] = 0,
    workers: Annotated[int, typer.Option(min=1, help="Sandboxes validating in parallel.")] = 2,
    runs: Annotated[int, typer.Option(min=1, help="Test-suite runs that must agree for a bug to count.")] = 3,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only these mutation kinds (repeatable).")] = None,
) -> None:
    """Inject bugs into REPO by AST mutation and keep those the sandbox validates as tasks.

    A bug is a task when, over RUNS runs that agree, at least one test fails and at least one passes.
    """
    from pathlib import Path

    from agentgym.envs.swe import images
    from agentgym.envs.swe.generate import generate_tasks
    from agentgym.envs.swe.mutate import KINDS
    from agentgym.envs.swe.tasks import load_tasks, save_tasks

    unknown = sorted(set(kind or []) - set(KINDS))
    if unknown:
        _fail(f"unknown mutation kind(s) {unknown}; known: {', '.join(KINDS)}")
    try:
        images.repo_dir(repo)
        path = Path(out)
        existing = load_tasks(path) if path.is_file() else []
        started = time.monotonic()
        tasks, rejected = generate_tasks(repo, n, seed=seed, workers=workers, runs=runs, kinds=kind,
                                         progress=lambda line: console.print(line, highlight=False),
                                         exclude={t.instance_id for t in existing})
    except _swe_errors() as exc:
        _fail(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
        return
    ids = {t.instance_id for t in tasks}
    merged = [t for t in existing if t.instance_id not in ids] + tasks
    save_tasks(merged, path)
    why = ", ".join(f"{k}: {v}" for k, v in sorted(rejected.items())) or "none"
    console.print(f"{len(tasks)} tasks of {repo} in {time.monotonic() - started:.0f} s -> {path} ({len(merged)} in all); "
                  f"rejected: {why}", highlight=False)


@swe_app.command("repos")
def swe_repos() -> None:
    """List the task repos and their shipped tasks."""
    from agentgym.envs.swe import images
    from agentgym.envs.swe.tasks import TEST_REPOS, load_tasks

    tasks = load_tasks()
    table = Table(title="SWE task repos")
    for col in ("repo", "split", "tasks", "image"):
        table.add_column(col)
    for name in images.repo_names():
        count = sum(t.repo_name == name for t in tasks)
        table.add_row(name, "test" if name in TEST_REPOS else "train", str(count), images.repo_tag(name))
    console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
