"""The repo inside a sandbox: reset it to a task's broken state, take the agent's diff, run tests, grade.

Grading follows SWE-bench: in a fresh container, the repo is reset to the broken state, the
agent's diff is applied, the hidden test files are put back (``test_patch``, over whatever the
agent did to them), and the ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` tests are run. The task is
resolved iff every one of them passes.

Tests of agentgym's own repos run as ``python3 -I -B -m pytest -c /opt/agentgym/grade.ini
--noconftest``: isolated mode and a configuration fixed in the image, so that a patch cannot
shadow pytest, add a conftest or change the options.

Example (no Docker needed):
    >>> report = parse_pytest_report('''
    ... ===== short test summary info =====
    ... PASSED tests/test_a.py::test_one
    ... FAILED tests/test_a.py::test_two - assert 1 == 2
    ... ERROR tests/test_b.py::test_three - NameError: x
    ... ''')
    >>> report.status
    {'tests/test_a.py::test_one': 'PASSED', 'tests/test_a.py::test_two': 'FAILED', 'tests/test_b.py::test_three': 'ERROR'}
    >>> report.messages['tests/test_a.py::test_two']
    'assert 1 == 2'
"""

from __future__ import annotations

import io
import re
import shlex
import tarfile
import threading
from dataclasses import dataclass, field
from typing import Any

from agentgym.envs.swe.images import GRADE_INI
from agentgym.envs.swe.sandbox import CommandResult, Sandbox, SandboxError
from agentgym.envs.swe.tasks import SWETask

#: Largest agent diff graded (bytes); a bigger one is refused.
MAX_DIFF_BYTES = 1 << 20
#: Deterministic commits in the sandbox (the broken state has the same hash in every container).
GIT_ENV = {
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}
#: A wide terminal, so that pytest's summary lines keep their whole message.
WIDE = {"COLUMNS": "4000"}
_STATUSES = ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS")
_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)(?: - (.*))?$")

# Restores /work/repo to the task's broken state: /work and /tmp emptied, the base commit's files
# (a tar read from the image's vault, which the agent cannot read) unpacked, the bug patch applied,
# and the result committed as the first commit of a new history, so that nothing in the repo (log,
# objects, reflog) shows the clean code or the bug's diff. Stdin is a tar of snapshot.tar and bug.patch.
_RESET = r"""
set -u -o pipefail
cd /work || exit 90
chmod -R u+rwX /work /tmp 2>/dev/null
find /work /tmp -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
mkdir -p /tmp/.agentgym-in /work/repo && tar -x -C /tmp/.agentgym-in || exit 93
cd /work/repo || exit 90
tar -x -f /tmp/.agentgym-in/snapshot.tar || exit 91
if [ -s /tmp/.agentgym-in/bug.patch ]; then git apply /tmp/.agentgym-in/bug.patch || exit 92; fi
rm -rf /tmp/.agentgym-in
git init -q && git add -A && git commit -q --no-verify -m "task" || exit 95
git rev-parse HEAD
"""

_snapshots: dict[tuple[str, str, str], bytes] = {}
_snapshots_lock = threading.Lock()


def snapshot(sandbox: Sandbox, task: SWETask) -> bytes:
    """The files of the task's base commit as a tar, read once per (image, repo, commit) from the vault."""
    key = (task.image, task.repo_path, task.base_commit)
    with _snapshots_lock:
        data = _snapshots.get(key)
    if data is None:
        path, commit = shlex.quote(task.repo_path), shlex.quote(task.base_commit)
        try:
            data = sandbox.read_as_owner(f"git -C {path} archive --format=tar {commit} 2>/dev/null")
        except SandboxError as exc:
            raise ResetError(f"commit {task.base_commit[:12]} of {task.repo_path} could not be read: {exc}") from exc
        with _snapshots_lock:
            _snapshots[key] = data
    return data


def _reset_input(snapshot_tar: bytes, bug_patch: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (("snapshot.tar", snapshot_tar), ("bug.patch", bug_patch.encode())):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


# The agent's changes since the broken state, as a binary-safe git diff.
_DIFF = "git add -A >/dev/null 2>&1; git diff --cached --binary --no-color --no-ext-diff --no-textconv {broken}"

# Puts the hidden test files back: each file the test patch touches is first reset to the broken
# state (or removed where it does not exist there), then the patch (stdin) is applied.
_TEST_PATCH = r"""
set -u
cat > /tmp/.agentgym-test.patch
for f in {files}; do git checkout -q {broken} -- "$f" 2>/dev/null || rm -rf -- "$f"; done
git apply /tmp/.agentgym-test.patch || exit 94
rm -f /tmp/.agentgym-test.patch
"""


class ResetError(SandboxError):
    """The repo could not be put into the task's broken state (a bad task, or a broken container)."""


@dataclass
class PytestReport:
    """Per-test outcomes parsed from pytest's ``-rA`` summary."""

    status: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    def passed(self, test_id: str) -> bool:
        return self.status.get(test_id) in ("PASSED", "XFAIL")

    @property
    def failing(self) -> list[str]:
        return [t for t, s in self.status.items() if s in ("FAILED", "ERROR", "XPASS")]


def parse_pytest_report(output: str) -> PytestReport:
    """Read the per-test lines of pytest's short test summary (``-rA``)."""
    report = PytestReport()
    lines = output.splitlines()
    start = 0
    for i, line in enumerate(lines):
        if "short test summary info" in line:
            start = i + 1  # only the last summary counts (earlier ones could be printed by tests)
    for line in lines[start:]:
        match = _LINE.match(line.rstrip())
        if match:
            status, test_id, message = match.groups()
            report.status.setdefault(test_id, status)
            if message:
                report.messages.setdefault(test_id, message.strip())
    return report


def pytest_command(task: SWETask | None, test_ids: list[str] | None) -> str:
    """The command that runs ``test_ids`` (all tests when None) for ``task``."""
    ids = " ".join(shlex.quote(t) for t in (test_ids or []))
    if task is not None and task.test_cmd:
        return f"{task.test_cmd} {ids}".strip()
    base = f"python3 -I -B -m pytest -c {GRADE_INI} --rootdir=/work/repo --noconftest -p no:cacheprovider -rA --tb=line -q"
    return f"{base} {ids}".strip()


def reset_repo(sandbox: Sandbox, task: SWETask) -> str:
    """Put ``/work/repo`` into the task's broken state; returns the commit of that state."""
    result = sandbox.run(_RESET, stdin=_reset_input(snapshot(sandbox, task), task.bug_patch), workdir="/work",
                         env=GIT_ENV, timeout=60)
    commit = result.output.strip().splitlines()[-1] if result.output.strip() else ""
    if result.exit_code != 0 or not re.fullmatch(r"[0-9a-f]{40}", commit):
        reasons = {90: "/work/repo could not be made", 91: "the base commit's files could not be unpacked",
                   92: "the bug patch does not apply", 93: "the reset input could not be unpacked",
                   95: "the task state could not be committed"}
        why = reasons.get(result.exit_code, f"exit code {result.exit_code}")
        raise ResetError(f"reset of {task.instance_id} failed: {why}\n{result.output[-1500:]}")
    return commit


def agent_diff(sandbox: Sandbox, broken_commit: str) -> str:
    """The agent's changes to the repo since the broken state, as a git diff ('' if none)."""
    result = sandbox.run(_DIFF.format(broken=broken_commit), timeout=60, head=MAX_DIFF_BYTES + 1, tail=0)
    if result.exit_code != 0:
        raise SandboxError(f"git diff failed: {result.output[-500:]}")
    return result.output if result.output.strip() else ""


def patch_files(patch: str) -> list[str]:
    """The paths a git diff touches (both sides of renames)."""
    files: list[str] = []
    for match in re.finditer(r"^diff --git a/(\S+) b/(\S+)$", patch, flags=re.MULTILINE):
        for path in match.groups():
            if path not in files:
                files.append(path)
    return files


def run_tests(sandbox: Sandbox, task: SWETask | None, test_ids: list[str] | None = None, *,
              timeout: float = 120) -> tuple[PytestReport, CommandResult]:
    """Run tests in ``/work/repo``; the report of each test, and the raw result."""
    result = sandbox.run(pytest_command(task, test_ids), timeout=timeout, head=4 << 20, tail=1 << 16, env=WIDE)
    return parse_pytest_report(result.output), result


@dataclass
class GradeResult:
    """The outcome of grading one patch."""

    resolved: bool
    patch_applied: bool
    fail_to_pass: dict[str, bool]
    pass_to_pass: dict[str, bool]
    tests_ran: bool
    message: str = ""
    duration: float = 0.0

    @property
    def f2p_fraction(self) -> float:
        return sum(self.fail_to_pass.values()) / max(len(self.fail_to_pass), 1)

    @property
    def p2p_all_pass(self) -> bool:
        return all(self.pass_to_pass.values())

    def to_info(self) -> dict[str, Any]:
        return {
            "resolved": self.resolved,
            "patch_applied": self.patch_applied,
            "tests_ran": self.tests_ran,
            "FAIL_TO_PASS": dict(self.fail_to_pass),
            "PASS_TO_PASS": dict(self.pass_to_pass),
            "message": self.message,
        }


def grade(sandbox: Sandbox, task: SWETask, diff: str, *, timeout: float = 120) -> GradeResult:
    """Grade ``diff`` for ``task`` in ``sandbox``, which should be fresh (no agent code ever ran in it)."""
    import time

    started = time.monotonic()
    f2p = dict.fromkeys(task.FAIL_TO_PASS, False)
    p2p = dict.fromkeys(task.PASS_TO_PASS, False)

    def done(applied: bool, ran: bool, message: str) -> GradeResult:
        resolved = applied and ran and all(f2p.values()) and all(p2p.values())
        return GradeResult(resolved, applied, f2p, p2p, ran, message, time.monotonic() - started)

    if len(diff.encode()) > MAX_DIFF_BYTES:
        return done(False, False, f"the patch is larger than {MAX_DIFF_BYTES} bytes")
    broken = reset_repo(sandbox, task)
    if diff.strip():
        applied = sandbox.run("git apply --whitespace=nowarn -", stdin=diff.encode(), timeout=60)
        if applied.exit_code != 0:
            return done(False, False, "the patch does not apply: " + applied.output.strip()[-1000:])
    if task.test_patch.strip():
        files = " ".join(shlex.quote(f) for f in patch_files(task.test_patch))
        restored = sandbox.run(_TEST_PATCH.format(files=files, broken=broken), stdin=task.test_patch.encode(),
                               timeout=60)
        if restored.exit_code != 0:
            return done(True, False, "the hidden tests could not be added: " + restored.output.strip()[-1000:])
    report, result = run_tests(sandbox, task, task.tests, timeout=timeout)
    for test_id in f2p:
        f2p[test_id] = report.passed(test_id)
    for test_id in p2p:
        p2p[test_id] = report.passed(test_id)
    if result.timed_out:
        return done(True, False, f"the tests timed out after {timeout:g} s")
    ran = bool(report.status)
    message = "" if ran else "no test ran: " + result.output.strip()[-1000:]
    return done(True, ran, message)
