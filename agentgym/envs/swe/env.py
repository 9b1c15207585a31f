"""``agentgym/SWE-v0``: fix a bug in a real repository inside a locked-down Docker container.

Each episode is one task (chosen by seed, or by ``instance_id``). The first observation is the
problem statement; each action is one of

* a shell command in a fenced block (```` ```bash ```` ... ```` ``` ````), run in ``/work/repo``
  with a timeout; the observation is ``<returncode>N</returncode><output>...</output>``;
* ``edit(path, old, new)``: replace the one exact occurrence of ``old`` in ``path`` with ``new``
  (Python string literals; a clear error if ``old`` is missing or not unique);
* ``submit``: grade the changes and end the episode.

Grading (at ``submit`` or at the step limit) applies the agent's diff in a fresh container, adds
the hidden tests, and runs ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` (see :mod:`.grading`);
``info["grade"]`` lists both with pass/fail. Rewards (``reward=``):

* ``"resolved"`` (default): 1 iff every F2P and P2P test passes;
* ``"partial"``: the F2P fraction when every P2P test passes, else 0;

plus, with ``process_bonus={"patch_applies": b1, "tests_ran": b2}``, gated process bonuses: they are
paid only when the outcome reaches ``gate`` (gated reward accumulation), so they cannot be farmed
by patches that fail.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentgym.core.task_spec import StateField, TaskSpec
from agentgym.core.text_env import TEXT_STATE_FIELDS, TextEnv
from agentgym.envs.swe import grading
from agentgym.envs.swe.pool import get_pool
from agentgym.envs.swe.sandbox import SandboxError, SandboxLimits
from agentgym.envs.swe.tasks import SWETask, find_task, load_tasks, select_tasks

REWARDS = ("resolved", "partial")
BONUS_KINDS = ("patch_applies", "tests_ran")
SWE_STATE_FIELDS: tuple[StateField, ...] = (
    StateField("commands", (), "count", "shell commands run this episode", "int64"),
    StateField("edits", (), "count", "successful edit() actions this episode", "int64"),
    StateField("submitted", (), "bool", "1 once the changes were graded", "int64"),
)
_FENCE = re.compile(r"```[ \t]*(bash|sh|shell)?[ \t]*\n(.*?)```", re.DOTALL)
_PYTEST = re.compile(r"\b(pytest|py\.test)\b")

# Runs inside the container: one exact replacement, confined to /work/repo (request on stdin).
_EDIT = r"""
import json, os, sys
req = json.load(sys.stdin)
root = os.path.realpath("/work/repo")
rel = req["path"]
path = os.path.realpath(os.path.join(root, rel))
if not path.startswith(root + os.sep):
    print(f"error: {rel} is outside the repository"); sys.exit(2)
if not os.path.isfile(path):
    print(f"error: no file {rel} in the repository"); sys.exit(2)
try:
    with open(path, encoding="utf-8") as f:
        text = f.read()
except (OSError, UnicodeDecodeError) as exc:
    print(f"error: cannot read {rel}: {exc}"); sys.exit(2)
old, new = req["old"], req["new"]
count = text.count(old)
if count == 0:
    print(f"error: the old text is not in {rel} (it must match exactly, whitespace included); nothing changed")
    sys.exit(1)
if count > 1:
    print(f"error: the old text occurs {count} times in {rel}; include more lines around it so that it is unique")
    sys.exit(1)
start = text[: text.index(old)].count("\n") + 1
text = text.replace(old, new, 1)
try:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
except OSError as exc:
    print(f"error: cannot write {rel}: {exc}"); sys.exit(2)
lines = text.splitlines()
end = start + max(new.count("\n"), 0)
lo, hi = max(start - 3, 1), min(end + 3, len(lines))
print(f"edited {rel}: lines {start}-{end} now read:")
for n in range(lo, hi + 1):
    print(f"{n:5d} {lines[n - 1]}")
"""


def _task_spec(n_tasks: int, split: str, max_steps: int, reward: str) -> TaskSpec:
    return TaskSpec(
        name="SWE",
        task=(
            "Fix the bug that the problem statement in info['task'] describes, in a Python repository in /work/repo "
            "inside a sandboxed container: read code and run commands, edit files, then submit. The changes are "
            "graded by hidden tests."
        ),
        state_fields=TEXT_STATE_FIELDS + SWE_STATE_FIELDS,
        action_meaning=(
            "a shell command in a fenced ```bash block (run in /work/repo, with a timeout, output capped); "
            "edit(path, old, new) with Python string literals (one exact replacement); or submit (grade and end)"
        ),
        success_criterion="every FAIL_TO_PASS and PASS_TO_PASS test passes after the agent's diff is applied",
        notes=(
            f"{n_tasks} tasks, split {split!r} (splits are by repo). Reward {reward!r}: 0 on every step but the "
            f"last, which grades the diff. Episodes are graded and cut after {max_steps} steps. Invalid actions cost "
            "a step and change nothing. The container has no network, a read-only root filesystem, and size limits "
            "on what it can write."
        ),
    )


def parse_action(action: str) -> tuple[str, Any] | str:
    """``("bash", command)``, ``("edit", (path, old, new))`` or ``("submit", None)``; else why it is invalid."""
    text = action.strip()
    if not text:
        return "the action is empty"
    if text.lower() in ("submit", "submit()"):
        return ("submit", None)
    if re.match(r"^edit\s*\(", text):
        return _parse_edit(text)
    blocks = _FENCE.findall(text)
    if len(blocks) > 1:
        return f"{len(blocks)} command blocks; give exactly one ```bash block per action"
    if len(blocks) == 1:
        command = blocks[0][1].strip()
        if not command:
            return "the ```bash block is empty"
        if command.lower() in ("submit", "submit()"):
            return ("submit", None)
        return ("bash", command)
    return "no action found; use a ```bash block, edit(path, old, new) or submit"


def _parse_edit(text: str) -> tuple[str, Any] | str:
    usage = 'edit(path, old, new) takes three Python string literals, e.g. edit("pkg/mod.py", "a < b", "a <= b")'
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        return f"edit(...) does not parse ({exc.msg}); {usage}"
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id != "edit":
        return usage
    names = ["path", "old", "new"]
    values: dict[str, str] = {}
    if len(node.args) > 3:
        return usage
    for name, arg in zip(names, node.args, strict=False):
        values[name] = arg  # type: ignore[assignment]
    for keyword in node.keywords:
        if keyword.arg not in names or keyword.arg in values:
            return usage
        values[keyword.arg] = keyword.value  # type: ignore[assignment]
    if set(values) != set(names):
        return usage
    out: dict[str, str] = {}
    for name in names:
        try:
            value = ast.literal_eval(values[name])  # type: ignore[arg-type]
        except (ValueError, SyntaxError):
            return f"edit(...): {name} is not a string literal; {usage}"
        if not isinstance(value, str):
            return f"edit(...): {name} is not a string; {usage}"
        out[name] = value
    if not out["path"].strip():
        return "edit(...): the path is empty"
    if not out["old"]:
        return "edit(...): old is empty; give the exact text to replace"
    return ("edit", (out["path"], out["old"], out["new"]))


def format_output(returncode: int, output: str) -> str:
    """The observation of a command: ``<returncode>N</returncode><output>...</output>``."""
    return f"<returncode>{returncode}</returncode><output>{output}</output>"


class SWEEnv(TextEnv):
    """Fix a bug in a repo in a Docker sandbox (see the module docstring).

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` (by repo; see :mod:`.tasks`).
        tasks: a JSONL file of SWE-bench-format tasks (agentgym's shipped tasks by default).
        image: the image for every task of ``tasks`` (for SWE-bench files that name none).
        instance_id: always this task (else ``options={"instance_id": ...}`` or the seed chooses).
        repos: only the tasks of these repos.
        reward: ``"resolved"`` or ``"partial"``.
        process_bonus: ``{"patch_applies": x, "tests_ran": y}``, paid only when the outcome >= ``gate``.
        max_steps: graded and truncated after this many steps.
        command_timeout: seconds a command may run (default: the limits' timeout).
        limits: container limits (:class:`SandboxLimits` or a dict of its fields).
        build: build a missing agentgym image on first use (else fail with the command to run).
    """

    case_sensitive_actions = True

    def __init__(
        self,
        *,
        split: str = "train",
        tasks: str | Path | Sequence[SWETask] | None = None,
        image: str | None = None,
        instance_id: str | None = None,
        repos: Sequence[str] | None = None,
        reward: str = "resolved",
        process_bonus: dict[str, float] | None = None,
        gate: float = 1.0,
        max_steps: int = 30,
        command_timeout: float | None = None,
        limits: SandboxLimits | dict[str, Any] | None = None,
        build: bool = True,
        render_mode: str | None = None,
        max_observation_length: int = 16384,
        max_action_length: int = 16384,
    ) -> None:
        super().__init__(render_mode=render_mode, max_observation_length=max_observation_length,
                         max_action_length=max_action_length)
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {REWARDS}, got {reward!r}")
        bonus = dict(process_bonus or {})
        unknown = sorted(set(bonus) - set(BONUS_KINDS))
        if unknown:
            raise ValueError(f"unknown process_bonus key(s) {unknown}; known: {BONUS_KINDS}")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        if isinstance(limits, dict):
            limits = SandboxLimits(**limits)
        self.limits = limits or SandboxLimits()
        self.command_timeout = float(command_timeout) if command_timeout is not None else self.limits.timeout
        all_tasks = list(tasks) if isinstance(tasks, Sequence) and not isinstance(tasks, str) else load_tasks(
            tasks, image=image)
        self.tasks = select_tasks(all_tasks, split, repos) if instance_id is None else all_tasks
        if instance_id is not None:
            find_task(self.tasks, instance_id)  # fail now on an unknown id
        self.split = split
        self.instance_id = instance_id
        self.reward_mode = reward
        self.process_bonus = bonus
        self.gate = float(gate)
        self.max_steps = int(max_steps)
        self.build = build
        self.task_spec = _task_spec(len(self.tasks), split, self.max_steps, reward)
        self._sandbox: Any = None
        self.current_task: SWETask | None = None
        self._broken_commit = ""
        self._commands = 0
        self._edits = 0
        self._ran_tests = False
        self._grade: grading.GradeResult | None = None
        self._diff = ""
        self._last_reward_components: dict[str, float] = {}

    # ---------------------------------------------------------------- sandbox
    def _ensure_image(self, task: SWETask) -> None:
        if not task.image.startswith("agentgym-swe/"):
            return
        from agentgym.envs.swe import images

        repo = task.repo_name
        if repo in images.repo_names():
            current = images.repo_tag(repo)
            if current != task.image:
                raise RuntimeError(
                    f"task {task.instance_id} was made for image {task.image}, but repo {repo!r} now builds "
                    f"{current}: the repo changed since its tasks were generated; regenerate them with "
                    f"`agentgym swe generate --repo {repo}`"
                )
            if not images._image_exists(task.image):
                if not self.build:
                    raise RuntimeError(f"image {task.image} is missing: run `agentgym swe build`")
                print(f"agentgym: building {task.image} (once; `agentgym swe build` does it ahead)", file=sys.stderr)
                images.repo_image(repo, lambda msg: print(f"agentgym: {msg}", file=sys.stderr))

    def _acquire(self, task: SWETask) -> None:
        if self._sandbox is not None and (self._sandbox.broken or self._sandbox.image != task.image):
            self._release()
        if self._sandbox is None:
            self._ensure_image(task)
            self._sandbox = get_pool(task.image, self.limits).acquire()

    def _release(self) -> None:
        if self._sandbox is not None:
            get_pool(self._sandbox.image, self.limits).release(self._sandbox)
            self._sandbox = None

    def _restore(self, task: SWETask) -> None:
        """Reset the repo to the task's broken state, replacing the container once if it fails."""
        for attempt in range(2):
            self._acquire(task)
            try:
                self._broken_commit = grading.reset_repo(self._sandbox, task)
                return
            except grading.ResetError:
                if attempt or self._sandbox.alive():
                    raise
                self._sandbox.broken = True
            except SandboxError:
                if attempt:
                    raise
                self._sandbox.broken = True

    # ------------------------------------------------------------------ hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        options = options or {}
        wanted = options.get("instance_id", self.instance_id)
        if wanted is not None:
            task = find_task(self.tasks, str(wanted))
        else:
            task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self.current_task = task
        self._commands = self._edits = 0
        self._ran_tests = False
        self._grade = None
        self._diff = ""
        self._last_reward_components = {}
        self._restore(task)
        return (
            f"You are working in the repository {task.repo} at /work/repo.\n\n"
            f"{task.problem_statement.strip()}\n\n"
            "Act with one of these per turn:\n"
            f"- a shell command in a fenced block, ```bash\\n<command>\\n``` (runs in /work/repo; "
            f"{self.command_timeout:g} s limit; no network)\n"
            '- edit("path/in/repo.py", "exact old text", "new text") (replaces one exact occurrence)\n'
            f"- submit (your changes are graded by hidden tests; the episode ends). At most {self.max_steps} steps."
        )

    def _task(self) -> str:
        return self.current_task.problem_statement if self.current_task is not None else ""

    def normalize_action(self, action: str) -> str:
        return action.strip()

    def _check(self, action: str) -> str | None:
        parsed = parse_action(action)
        return parsed if isinstance(parsed, str) else None

    def _step(self, action: str) -> tuple[str, float, bool]:
        kind, arg = parse_action(action)  # type: ignore[misc]
        if kind == "submit":
            return self._submit()
        try:
            if kind == "bash":
                self._commands += 1
                result = self._sandbox.run(arg, timeout=self.command_timeout)
                if _PYTEST.search(arg) and result.exit_code in (0, 1):
                    self._ran_tests = True
                return format_output(result.exit_code, result.output), 0.0, False
            path, old, new = arg
            request = json.dumps({"path": path, "old": old, "new": new}).encode()
            result = self._sandbox.run(f"python3 -I -c {_shell_quote(_EDIT)}", stdin=request, timeout=30)
            if result.exit_code == 0:
                self._edits += 1
            return format_output(result.exit_code, result.output), 0.0, False
        except SandboxError as exc:
            # The container broke (it could not stop a command, or died): a new one, at the task's start.
            self._sandbox.broken = True
            self._restore(self.current_task)
            message = f"the sandbox failed ({exc}); it was replaced and the repository is back at the task's start"
            return format_output(125, message), 0.0, False

    def _submit(self) -> tuple[str, float, bool]:
        task = self.current_task
        try:
            self._diff = grading.agent_diff(self._sandbox, self._broken_commit)
        except SandboxError as exc:
            self._sandbox.broken = True
            self._diff = ""
            message = f"could not read the changes ({exc}); graded as no change"
        else:
            message = ""
        fresh = get_pool(task.image, self.limits).fresh()
        try:
            self._grade = grading.grade(fresh, task, self._diff)
        finally:
            fresh.close()
        reward = self._reward(self._grade)
        g = self._grade
        lines = [
            f"Submitted. Resolved: {'yes' if g.resolved else 'no'}.",
            f"FAIL_TO_PASS: {sum(g.fail_to_pass.values())}/{len(g.fail_to_pass)} pass; "
            f"PASS_TO_PASS: {sum(g.pass_to_pass.values())}/{len(g.pass_to_pass)} pass.",
        ]
        if g.message or message:
            lines.append((g.message or message)[:2000])
        return "\n".join(lines), reward, True

    def _reward(self, g: grading.GradeResult) -> float:
        if self.reward_mode == "resolved":
            outcome = float(g.resolved)
        else:
            outcome = g.f2p_fraction if (g.patch_applied and g.tests_ran and g.p2p_all_pass) else 0.0
        components = {"outcome": outcome}
        events = {"patch_applies": bool(self._diff.strip()) and g.patch_applied, "tests_ran": self._ran_tests}
        for name, value in self.process_bonus.items():
            components[name] = float(value) if (events[name] and outcome >= self.gate) else 0.0
        self._last_reward_components = components
        return float(sum(components.values()))

    def _success(self) -> bool:
        return self._grade is not None and self._grade.resolved

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {
            "commands": np.array(self._commands, dtype=np.int64),
            "edits": np.array(self._edits, dtype=np.int64),
            "submitted": np.array(int(self._grade is not None), dtype=np.int64),
        }

    # ----------------------------------------------------------------- public
    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)
        if not terminated and self._steps >= self.max_steps:
            # The step limit grades what is there, as a submit would.
            graded, extra, _ = self._submit()
            obs = f"{obs}\n\nStep limit ({self.max_steps}) reached. {graded}"
            self._last_obs = obs
            reward += extra
            truncated = True
            self._done = True
            info = self._info()
        return obs, reward, terminated, truncated, info

    def _info(self) -> dict[str, Any]:
        info = super()._info()
        if self.current_task is not None:
            info["instance_id"] = self.current_task.instance_id
            info["repo"] = self.current_task.repo
        if self._grade is not None:
            info["grade"] = self._grade.to_info()
            info["patch"] = self._diff
            info["reward_components"] = dict(self._last_reward_components)
        return info

    def close(self) -> None:
        self._release()
        super().close()

    def __del__(self) -> None:  # pragma: no cover - best effort; pools are also emptied at exit
        try:
            self._release()
        except Exception:
            pass


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
