"""agentgym/SWE-v0 in real containers: grading, episodes, actions, rewards, limits, bring-your-own tasks."""

from __future__ import annotations

import json
import re

import gymnasium as gym
import pytest

from agentgym.envs.swe import grading
from agentgym.envs.swe.env import SWEEnv
from agentgym.envs.swe.pool import get_pool
from agentgym.envs.swe.tasks import SWETask, load_tasks, save_tasks

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def tasks(swe_images):
    return load_tasks()


@pytest.fixture(scope="module")
def one_per_repo(tasks):
    chosen: dict[str, SWETask] = {}
    for task in tasks:
        chosen.setdefault(task.repo_name, task)
    return list(chosen.values())


@pytest.fixture(scope="module")
def task(tasks):
    # a single-file, single-hunk bug, so that edit() can apply the gold fix
    for t in tasks:
        if t.patch.count("\n@@") == 1 and t.patch.count("\n-    ") + t.patch.count("\n-") >= 1:
            return t
    raise AssertionError("no single-hunk task")


def _gold_edit(task: SWETask) -> str:
    """The gold fix as an edit() action: the hunk's old and new lines."""
    path = re.search(r"^\+\+\+ b/(\S+)$", task.patch, re.MULTILINE).group(1)
    hunk = task.patch.split("\n@@", 1)[1].split("\n", 1)[1]
    old, new = [], []
    for line in hunk.splitlines():
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        elif line.startswith(" "):
            old.append(line[1:])
            new.append(line[1:])
    return f"edit({path!r}, {chr(10).join(old)!r}, {chr(10).join(new)!r})"


def _grade(task: SWETask, diff: str) -> grading.GradeResult:
    box = get_pool(task.image).fresh()
    try:
        return grading.grade(box, task, diff)
    finally:
        box.close()


def test_gold_patch_resolves_and_empty_patch_does_not_for_a_task_of_every_repo(one_per_repo):
    assert len(one_per_repo) >= 6
    for task in one_per_repo:
        gold = _grade(task, task.patch)
        assert gold.resolved, (task.instance_id, gold.message)
        assert all(gold.fail_to_pass.values()) and all(gold.pass_to_pass.values())
        empty = _grade(task, "")
        assert not empty.resolved, task.instance_id
        assert not any(empty.fail_to_pass.values())  # each F2P test fails on the broken code
        assert all(empty.pass_to_pass.values())


def test_a_patch_that_does_not_apply_is_graded_unresolved(task):
    bad = "diff --git a/nothing.py b/nothing.py\n--- a/nothing.py\n+++ b/nothing.py\n@@ -1 +1 @@\n-x\n+y\n"
    result = _grade(task, bad)
    assert not result.resolved and not result.patch_applied
    assert "does not apply" in result.message


def test_an_episode_that_applies_the_gold_fix_with_edit_resolves(task):
    env = gym.make("agentgym/SWE-v0", split="all", instance_id=task.instance_id)
    obs, info = env.reset(seed=0)
    assert task.problem_statement.splitlines()[0] in obs
    assert info["task"] == task.problem_statement and info["instance_id"] == task.instance_id
    obs, reward, terminated, truncated, info = env.step(_gold_edit(task))
    assert obs.startswith("<returncode>0</returncode><output>edited "), obs
    assert info["valid_action"] and reward == 0.0 and not terminated
    obs, reward, terminated, truncated, info = env.step("submit")
    assert terminated and not truncated
    assert reward == 1.0 and info["success"] is True
    assert info["grade"]["resolved"] and set(info["grade"]["FAIL_TO_PASS"]) == set(task.FAIL_TO_PASS)
    assert all(info["grade"]["PASS_TO_PASS"].values())
    assert info["patch"].startswith("diff --git")
    assert "Resolved: yes" in obs
    env.close()


def test_submitting_nothing_fails_and_lists_the_failing_tests(task):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    obs, reward, terminated, _, info = env.step("```bash\nsubmit\n```")
    assert terminated and reward == 0.0 and info["success"] is False
    assert not any(info["grade"]["FAIL_TO_PASS"].values())
    assert f"FAIL_TO_PASS: 0/{len(task.FAIL_TO_PASS)} pass" in obs
    env.close()


def test_reset_restores_the_broken_state_in_the_same_container(task):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    container = env._sandbox.id
    path = re.search(r"^\+\+\+ b/(\S+)$", task.patch, re.MULTILINE).group(1)
    before = env.step(f"```bash\nmd5sum {path}\n```")[0]
    env.step(f"```bash\necho garbage > {path}; touch new_file.txt; mkdir -p /tmp/junk\n```")
    env.reset(seed=0)
    assert env._sandbox.id == container  # the warm container, not a new one
    assert env.step(f"```bash\nmd5sum {path}\n```")[0] == before
    status = env.step("```bash\ngit status --short; ls /tmp\n```")[0]
    assert status == "<returncode>0</returncode><output></output>"
    env.close()


def test_neither_the_clean_code_nor_the_bug_nor_the_hidden_tests_are_visible(task):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    log = env.step("```bash\ngit log --all --oneline | wc -l; git reflog | wc -l\n```")[0]
    assert log == "<returncode>0</returncode><output>1\n1\n</output>"
    vault = env.step("```bash\nls /opt/agentgym/vault/repo\n```")[0]
    assert "Permission denied" in vault and "<returncode>2</returncode>" in vault
    for hidden in grading.patch_files(task.test_patch):
        assert "<returncode>1</returncode>" in env.step(f"```bash\ntest -e {hidden}\n```")[0]
    env.close()


def test_edit_reports_missing_ambiguous_and_outside_paths(task):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    path = re.search(r"^\+\+\+ b/(\S+)$", task.patch, re.MULTILINE).group(1)
    obs = env.step(f'edit("{path}", "text that is not there 12345", "x")')[0]
    assert obs.startswith("<returncode>1</returncode>") and "is not in" in obs
    obs = env.step(f'edit("{path}", "def ", "def  ")')[0]
    assert "occurs" in obs and "times" in obs
    obs = env.step('edit("../../etc/passwd", "root", "x")')[0]
    assert "outside the repository" in obs
    obs = env.step('edit("no/such/file.py", "a", "b")')[0]
    assert "no file no/such/file.py" in obs
    assert env.step("```bash\ngit status --short\n```")[0] == "<returncode>0</returncode><output></output>"
    env.close()


@pytest.mark.parametrize(
    "action,reason",
    [
        ("hello there", "no action found"),
        ("```bash\nls\n```\n```bash\npwd\n```", "2 command blocks"),
        ("```bash\n\n```", "empty"),
        ('edit("a.py", "x")', "three Python string literals"),
        ("edit(path, 'a', 'b')", "not a string literal"),
        ("", "empty"),
    ],
    ids=["prose", "two_blocks", "empty_block", "edit_two_args", "edit_name", "empty"],
)
def test_invalid_actions_cost_a_step_and_say_why(task, action, reason):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(action)
    assert not info["valid_action"] and reason in obs
    assert reward == 0.0 and not terminated and not truncated
    assert env.unwrapped.compact_state()["steps"] == 1
    env.close()


def test_a_slow_command_times_out_with_124_and_the_episode_goes_on(task):
    env = SWEEnv(split="all", instance_id=task.instance_id, command_timeout=1)
    env.reset(seed=0)
    obs = env.step("```bash\nsleep 1000\n```")[0]
    assert obs.startswith("<returncode>124</returncode>") and "timed out after 1 s" in obs
    assert env.step("```bash\necho ok\n```")[0] == "<returncode>0</returncode><output>ok\n</output>"
    env.close()


def test_the_step_limit_grades_and_truncates(task):
    env = SWEEnv(split="all", instance_id=task.instance_id, max_steps=2)
    env.reset(seed=0)
    assert not env.step("```bash\nls\n```")[3]
    obs, reward, terminated, truncated, info = env.step("not an action")
    assert truncated and not terminated and reward == 0.0
    assert "Step limit (2) reached" in obs and info["grade"]["resolved"] is False
    env.close()


def test_partial_reward_counts_the_fail_to_pass_fraction(task):
    # Move one passing test into FAIL_TO_PASS: with no fix, 1 of k+1 "F2P" tests passes.
    k = len(task.FAIL_TO_PASS)
    variant = SWETask(**{**task.to_record(), "FAIL_TO_PASS": task.FAIL_TO_PASS + task.PASS_TO_PASS[:1],
                         "PASS_TO_PASS": task.PASS_TO_PASS[1:]})
    env = SWEEnv(tasks=[variant], split="all", reward="partial")
    env.reset(seed=0)
    _, reward, *_ = env.step("submit")
    assert reward == pytest.approx(1 / (k + 1))
    env.close()


def test_process_bonuses_are_paid_only_when_the_outcome_passes_the_gate(task):
    bonus = {"patch_applies": 0.1, "tests_ran": 0.2}
    env = SWEEnv(split="all", instance_id=task.instance_id, process_bonus=bonus, gate=1.0)
    env.reset(seed=0)
    env.step("```bash\npython3 -m pytest -q -x tests 2>&1 | tail -1\n```")
    env.step("```bash\necho '# a comment' >> README.md\n```")
    _, reward, *_, info = env.step("submit")
    assert reward == 0.0  # a patch that applies and tests that ran earn nothing when the bug is not fixed
    assert info["reward_components"] == {"outcome": 0.0, "patch_applies": 0.0, "tests_ran": 0.0}
    env.reset(seed=0)
    env.step("```bash\npython3 -m pytest -q tests 2>&1 | tail -1\n```")
    env.step(_gold_edit(task))
    _, reward, *_, info = env.step("submit")
    assert reward == pytest.approx(1.3)
    assert info["reward_components"] == {"outcome": 1.0, "patch_applies": 0.1, "tests_ran": 0.2}
    env.close()


def test_a_dead_container_is_replaced_and_the_episode_continues(task):
    env = SWEEnv(split="all", instance_id=task.instance_id)
    env.reset(seed=0)
    old = env._sandbox
    old.container.kill()
    obs = env.step("```bash\necho hi\n```")[0]
    assert obs.startswith("<returncode>125</returncode>") and "replaced" in obs
    assert env._sandbox.id != old.id
    assert env.step("```bash\necho hi\n```")[0] == "<returncode>0</returncode><output>hi\n</output>"
    env.close()


def test_bring_your_own_swebench_jsonl_round_trips(tmp_path, task):
    # SWE-bench files store the test lists as JSON strings and may name no image.
    record = task.to_record()
    record["FAIL_TO_PASS"] = json.dumps(record["FAIL_TO_PASS"])
    record["PASS_TO_PASS"] = json.dumps(record["PASS_TO_PASS"])
    image = record.pop("image")
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(record) + "\n")
    loaded = load_tasks(path, image=image)
    assert loaded[0].to_record() == task.to_record()
    again = tmp_path / "again.jsonl"
    save_tasks(loaded, again)
    assert load_tasks(again)[0] == task
    env = SWEEnv(tasks=str(path), image=image, split="all")
    env.reset(seed=0)
    env.step(_gold_edit(task))
    assert env.step("submit")[1] == 1.0
    env.close()


def test_seeds_choose_tasks_reproducibly(tasks):
    env = SWEEnv(split="test")
    ids = []
    for seed in (1, 2, 1):
        env.reset(seed=seed)
        ids.append(env.current_task.instance_id)
    assert ids[0] == ids[2]
    assert all(env.current_task.repo_name in ("minicalc", "planegeo") for _ in [0])
    env.close()
