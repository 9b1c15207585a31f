"""Make SWE tasks: inject a bug by AST mutation, keep it only if the sandbox shows it is a good task.

For each candidate bug (from :func:`agentgym.envs.swe.mutate.sample_mutations`, seeded):

1. the repo is reset to its clean commit plus the bug, in a sandbox of the repo's image;
2. the whole test suite runs three times;
3. the bug is a task only if the three runs agree (no flaky test), at least one test that passes on
   the clean repo fails (``FAIL_TO_PASS``) and at least one still passes (``PASS_TO_PASS``).

The task hides the test files that hold its ``FAIL_TO_PASS`` tests (``bug_patch`` removes them,
``test_patch`` puts them back at grading), and its problem statement is written from the failing
tests' names and assertion messages only, never from the diff. Patches are made by git on a
staged copy of the repo, so they apply exactly.

``agentgym swe generate --repo R --n N`` runs this; the shipped tasks came from it.
"""

from __future__ import annotations

import hashlib
import queue
import random
import re
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from agentgym.envs.swe import grading, images
from agentgym.envs.swe.mutate import Mutation, apply_mutation, sample_mutations
from agentgym.envs.swe.sandbox import Sandbox, SandboxLimits
from agentgym.envs.swe.tasks import SWETask

RUN_MARK = "@@agentgym-run-end@@"
#: Failing tests named in a problem statement (the rest are counted).
STATEMENT_TESTS = 6

Progress = Callable[[str], None]


class GenerateError(RuntimeError):
    """Tasks could not be made (the repo's own suite fails, say); the message says why."""


@dataclass
class Candidate:
    """The outcome of validating one bug."""

    mutation: Mutation
    bug_diff: str
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    messages: dict[str, str]
    stable: bool
    reason: str = ""

    @property
    def valid(self) -> bool:
        return not self.reason


def _noop(_: str) -> None:
    pass


def source_files(repo: str) -> dict[str, str]:
    """The repo's library modules (not its tests) by path: where bugs go."""
    files = images.repo_files(repo)
    return {
        path: data.decode("utf-8")
        for path, data in files.items()
        if path.endswith(".py") and not path.startswith("tests/") and "/tests/" not in path
    }


def node_file(test_id: str) -> str:
    """The file part of a pytest node id."""
    return test_id.split("::", 1)[0]


def _suite_runs(sandbox: Sandbox, runs: int, timeout: float) -> list[grading.PytestReport] | None:
    """Run the whole suite ``runs`` times in one command; None when it timed out."""
    one = grading.pytest_command(None, None)
    command = "; ".join([f"{one}; echo {RUN_MARK}"] * runs)
    result = sandbox.run(command, timeout=timeout, head=8 << 20, tail=0, env=grading.WIDE)
    if result.timed_out or result.output.count(RUN_MARK) != runs:
        return None
    return [grading.parse_pytest_report(part) for part in result.output.split(RUN_MARK)[:runs]]


def clean_suite(sandbox: Sandbox, task: SWETask, runs: int = 3, timeout: float = 300) -> list[str]:
    """The test ids of the clean repo; every one must pass in every run."""
    grading.reset_repo(sandbox, task)
    reports = _suite_runs(sandbox, runs, timeout)
    if reports is None:
        raise GenerateError(f"the test suite of {task.repo} timed out after {timeout:g} s")
    tests = sorted(reports[0].status)
    if not tests:
        raise GenerateError(f"no test of {task.repo} ran on the clean repo")
    for report in reports:
        bad = sorted(t for t in tests if not report.passed(t)) + sorted(set(report.status) - set(tests))
        if bad:
            raise GenerateError(f"the clean suite of {task.repo} does not pass reliably: {', '.join(bad[:5])}")
    return tests


def validate(sandbox: Sandbox, base: SWETask, clean_tests: list[str], mutation: Mutation, bug_diff: str,
             runs: int = 3, timeout: float = 30) -> Candidate:
    """Run the suite ``runs`` times with the bug in; the candidate says whether it makes a task."""
    probe = SWETask(**{**base.to_record(), "bug_patch": bug_diff})
    try:
        grading.reset_repo(sandbox, probe)
    except grading.ResetError as exc:
        return Candidate(mutation, bug_diff, [], [], {}, False, f"bug does not apply: {exc}")
    # One run first; the other runs only for a bug that would make a task (they check it is stable).
    reports = _suite_runs(sandbox, 1, timeout)
    if reports is None:
        return Candidate(mutation, bug_diff, [], [], {}, False, "the suite timed out")
    outcome = {t: reports[0].passed(t) for t in clean_tests}
    f2p = [t for t in clean_tests if not outcome[t]]
    p2p = [t for t in clean_tests if outcome[t]]
    messages = {t: reports[0].messages.get(t) or _file_message(reports[0], t) for t in f2p}
    reason = "no test fails" if not f2p else "no test passes" if not p2p else ""
    stable = True
    if not reason and runs > 1:
        more = _suite_runs(sandbox, runs - 1, timeout)
        stable = more is not None and all({t: r.passed(t) for t in clean_tests} == outcome for r in more)
        if not stable:
            reason = "flaky: the runs disagree"
    return Candidate(mutation, bug_diff, f2p, p2p, messages, stable, reason)


def _file_message(report: grading.PytestReport, test_id: str) -> str:
    """The message of a collection error of the test's file (where the file itself failed)."""
    return report.messages.get(node_file(test_id), "")


# --------------------------------------------------------------------------------------------------
# problem statements

_INTROS = (
    "A regression in `{repo}` makes these tests fail:",
    "Since the last change, part of `{repo}` behaves wrongly. The failing tests are:",
    "Users of `{repo}` report wrong results. These checks fail:",
    "Some behaviour of `{repo}` is broken; the following tests fail:",
)
_OUTROS = (
    "These tests are not in the repository (the rest of the test suite is). Fix the library code, not the tests.",
    "The failing tests are hidden from the repository; the other tests are there and should keep passing. "
    "Find the cause in the library and fix it.",
)


def _words(test_id: str) -> str:
    name = test_id.rsplit("::", 1)[-1]
    name = re.sub(r"\[.*\]$", "", name)
    name = re.sub(r"^test_?", "", name)
    return name.replace("_", " ").strip() or name


def problem_statement(repo: str, fail_to_pass: list[str], messages: dict[str, str], rng: random.Random) -> str:
    """A problem statement written from the failing tests' names and assertion messages only."""
    title = _words(fail_to_pass[0])
    lines = [f"{repo}: {title} no longer holds", "", rng.choice(_INTROS).format(repo=repo), ""]
    for test_id in fail_to_pass[:STATEMENT_TESTS]:
        lines.append(f"- `{test_id}` ({_words(test_id)})")
        message = " ".join((messages.get(test_id) or "").split())
        if message:
            if len(message) > 300:
                message = message[:297] + "..."
            lines.append(f"  fails with: {message}")
    if len(fail_to_pass) > STATEMENT_TESTS:
        lines.append(f"- and {len(fail_to_pass) - STATEMENT_TESTS} more tests")
    lines += ["", rng.choice(_OUTROS)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# patches (made by git on a staged copy, so they apply exactly)


class _Staged:
    """The repo staged on the host as git makes it in the image, to write patches with git."""

    def __init__(self, repo: str, root: Path):
        self.root = root / repo
        self.commit = images.stage_repo(repo, self.root)

    def _git(self, *args: str) -> str:
        env = {**images._GIT_ENV, "PATH": "/usr/bin:/bin:/usr/local/bin"}
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise GenerateError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def patches(self, path: str, original: str, mutated: str, hidden: list[str]) -> tuple[str, str, str]:
        """(bug_patch, gold patch, test_patch) for a bug in ``path`` and hidden test files ``hidden``."""
        try:
            (self.root / path).write_text(mutated, encoding="utf-8")
            self._git("add", "--", path)
            if hidden:
                self._git("rm", "-q", "--", *hidden)
            bug = self._git("diff", "--cached", "--binary", "--no-color")
            self._git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "broken")
            (self.root / path).write_text(original, encoding="utf-8")
            gold = self._git("diff", "--binary", "--no-color", "--", path)
            tests = ""
            if hidden:
                self._git("checkout", self.commit, "--", *hidden)
                tests = self._git("diff", "--cached", "--binary", "--no-color", "--", *hidden)
        finally:
            self._git("reset", "-q", "--hard", self.commit)
        return bug, gold, tests

    def bug_only(self, path: str, mutated: str) -> str:
        try:
            (self.root / path).write_text(mutated, encoding="utf-8")
            return self._git("diff", "--binary", "--no-color")
        finally:
            self._git("reset", "-q", "--hard", self.commit)


def make_task(repo: str, image: str, commit: str, staged: _Staged, candidate: Candidate, original: str,
              mutated: str) -> SWETask:
    """The SWE task of a valid candidate."""
    m = candidate.mutation
    hidden = sorted({node_file(t) for t in candidate.fail_to_pass})
    bug, gold, tests = staged.patches(m.path, original, mutated, hidden)
    digest = hashlib.sha256(candidate.bug_diff.encode()).hexdigest()[:8]
    rng = random.Random(digest)
    return SWETask(
        instance_id=f"agentgym__{repo}-{digest}",
        repo=f"agentgym/{repo}",
        base_commit=commit,
        problem_statement=problem_statement(repo, candidate.fail_to_pass, candidate.messages, rng),
        patch=gold,
        test_patch=tests,
        FAIL_TO_PASS=candidate.fail_to_pass,
        PASS_TO_PASS=candidate.pass_to_pass,
        image=image,
        bug_patch=bug,
        version="1",
        meta={"kind": m.kind, "path": m.path, "line": m.line, "function": m.function, "mutation": m.description},
    )


def generate_tasks(
    repo: str,
    n: int,
    *,
    seed: int = 0,
    workers: int = 2,
    runs: int = 3,
    kinds: list[str] | None = None,
    per_function: int = 3,
    limits: SandboxLimits | None = None,
    progress: Progress = _noop,
    exclude: set[str] | None = None,
) -> tuple[list[SWETask], dict[str, int]]:
    """Up to ``n`` validated tasks of ``repo`` and counts of why the other candidates were rejected.

    Candidates are every mutation of the repo's library code (at most ``per_function`` per function,
    spread over the kinds by :func:`~agentgym.envs.swe.mutate.sample_mutations`).

    Candidates are validated in a fixed order and the first ``n`` valid ones are kept, so the
    result depends only on the seed (not on timing). ``exclude`` skips instance ids already made.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    image = images.repo_image(repo, progress)
    commit = images.repo_commit(repo)
    limits = limits or SandboxLimits(timeout=120)
    files = source_files(repo)
    mutations = sample_mutations(files, n=10**6, seed=seed, kinds=kinds, per_function=per_function)
    progress(f"{repo}: {len(mutations)} candidate bugs; validating until {n} tasks ({runs} runs each)")
    base = SWETask("probe", f"agentgym/{repo}", commit, "", "", "", [], [], image)
    sandboxes = [Sandbox.start(image, limits, role="validate") for _ in range(max(1, workers))]
    rejected: dict[str, int] = {}
    tasks: list[SWETask] = []
    exclude = exclude or set()
    try:
        clean = clean_suite(sandboxes[0], base, runs)
        progress(f"{repo}: the clean suite has {len(clean)} tests, all passing in {runs} runs")
        with tempfile.TemporaryDirectory(prefix="agentgym-gen-") as tmp:
            staged = _Staged(repo, Path(tmp))
            if staged.commit != commit:
                raise GenerateError(f"staged commit {staged.commit} differs from the image's {commit}")
            prepared = []
            for m in mutations:
                mutated = apply_mutation(files[m.path], m)
                prepared.append((m, mutated, staged.bug_only(m.path, mutated)))
            prepared = [p for p in prepared
                        if f"agentgym__{repo}-{hashlib.sha256(p[2].encode()).hexdigest()[:8]}" not in exclude]
            free: queue.Queue[Sandbox] = queue.Queue()
            for sandbox in sandboxes:
                free.put(sandbox)

            def check(m: Mutation, diff: str) -> Candidate:
                sandbox = free.get()  # one job per sandbox at a time
                try:
                    return validate(sandbox, base, clean, m, diff, runs)
                finally:
                    free.put(sandbox)

            chunk = len(sandboxes) * 2
            with ThreadPoolExecutor(max_workers=len(sandboxes)) as executor:
                for start in range(0, len(prepared), chunk):
                    batch = prepared[start : start + chunk]
                    jobs = [executor.submit(check, m, diff) for m, _, diff in batch]
                    for (m, mutated, _), job in zip(batch, jobs, strict=True):
                        candidate = job.result()
                        if candidate.valid:
                            tasks.append(make_task(repo, image, commit, staged, candidate, files[m.path], mutated))
                            progress(f"{repo}: {len(tasks)}/{n} tasks ({m.kind} in {m.path}:{m.line})")
                            if len(tasks) >= n:
                                break
                        else:
                            key = candidate.reason.split(":")[0]
                            rejected[key] = rejected.get(key, 0) + 1
                    if len(tasks) >= n:
                        break
    finally:
        for sandbox in sandboxes:
            sandbox.close()
    return tasks, rejected
