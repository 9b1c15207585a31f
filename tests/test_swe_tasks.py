"""The shipped SWE tasks and repos, the task format, action parsing and problem statements (no Docker)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections import Counter

import pytest

from agentgym.envs.swe import images
from agentgym.envs.swe.env import SWEEnv, format_output, parse_action
from agentgym.envs.swe.generate import node_file, problem_statement
from agentgym.envs.swe.grading import parse_pytest_report, patch_files
from agentgym.envs.swe.mutate import KINDS
from agentgym.envs.swe.tasks import (
    TEST_REPOS,
    SWETask,
    TaskFormatError,
    find_task,
    load_tasks,
    save_tasks,
    select_tasks,
    split_repos,
)


@pytest.fixture(scope="module")
def tasks():
    return load_tasks()


def test_at_least_six_repos_each_with_a_passing_suite_of_30_tests():
    names = images.repo_names()
    assert len(names) >= 6
    for name in names:
        root = images.repo_dir(name)
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (name, done.stdout[-2000:])
        passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
        assert passed >= 30, (name, passed)


def test_at_least_300_shipped_tasks_spread_over_repos_and_kinds(tasks):
    assert len(tasks) >= 300
    per_repo = Counter(t.repo_name for t in tasks)
    assert set(per_repo) == set(images.repo_names())
    assert min(per_repo.values()) >= 30
    kinds = Counter(t.meta["kind"] for t in tasks)
    assert len(kinds) >= 6 and set(kinds) <= set(KINDS)
    assert len({t.instance_id for t in tasks}) == len(tasks)


def test_shipped_tasks_name_the_current_repo_images_and_commits(tasks):
    for name in images.repo_names():
        tag, commit = images.repo_tag(name), images.repo_commit(name)
        mine = [t for t in tasks if t.repo_name == name]
        assert {t.image for t in mine} == {tag}, f"{name}: regenerate its tasks (agentgym swe generate)"
        assert {t.base_commit for t in mine} == {commit}


def test_each_task_is_well_formed(tasks):
    for t in tasks:
        assert t.FAIL_TO_PASS and t.PASS_TO_PASS, t.instance_id
        assert not set(t.FAIL_TO_PASS) & set(t.PASS_TO_PASS)
        hidden = sorted({node_file(x) for x in t.FAIL_TO_PASS})
        # the bug patch removes the hidden test files; the test patch brings back exactly those
        assert sorted(patch_files(t.test_patch)) == hidden
        assert all("deleted file mode" in t.bug_patch.split(f"diff --git a/{h} ")[1][:200] for h in hidden)
        assert t.test_patch.count("new file mode") == len(hidden)
        # the gold patch touches one library file, never a test
        assert patch_files(t.patch) == [t.meta["path"]] and not t.meta["path"].startswith("tests/")
        assert t.problem_statement and t.repo == f"agentgym/{t.repo_name}"


def test_problem_statements_come_from_tests_never_from_the_diff(tasks):
    for t in tasks:
        statement = t.problem_statement
        assert t.FAIL_TO_PASS[0] in statement
        changed = [line[1:].strip() for line in t.patch.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---")) and len(line[1:].strip()) > 12]
        for line in changed:
            assert line not in statement, (t.instance_id, line)
        assert t.meta["path"] not in statement and t.meta["mutation"] not in statement


def test_problem_statement_lists_tests_with_their_messages():
    text = problem_statement("calc", ["tests/test_a.py::test_adds_two_numbers", "tests/test_b.py::test_x"],
                             {"tests/test_a.py::test_adds_two_numbers": "assert 3 == 4"}, random.Random(0))
    assert text.splitlines()[0] == "calc: adds two numbers no longer holds"
    assert "- `tests/test_a.py::test_adds_two_numbers` (adds two numbers)\n  fails with: assert 3 == 4" in text
    assert "- `tests/test_b.py::test_x` (x)" in text
    many = problem_statement("calc", [f"tests/t.py::test_{i}" for i in range(9)], {}, random.Random(0))
    assert "- and 3 more tests" in many


def test_splits_are_by_repo_and_disjoint(tasks):
    train, test = split_repos("train"), split_repos("test")
    assert set(test) == set(TEST_REPOS) and not set(train) & set(test)
    assert set(train) | set(test) == set(images.repo_names())
    assert {t.repo_name for t in select_tasks(tasks, "test")} == set(TEST_REPOS)
    assert not {t.repo_name for t in select_tasks(tasks, "train")} & set(TEST_REPOS)
    with pytest.raises(ValueError, match="unknown split"):
        split_repos("validation")


def test_task_records_are_checked(tmp_path, tasks):
    record = tasks[0].to_record()
    for broken, message in [
        ({k: v for k, v in record.items() if k != "patch"}, "missing field"),
        ({**record, "FAIL_TO_PASS": "not json"}, "not a JSON list"),
        ({**record, "PASS_TO_PASS": [1, 2]}, "list of test ids"),
        ({**record, "image": ""}, "no image"),
    ]:
        path = tmp_path / "t.jsonl"
        path.write_text(json.dumps(broken) + "\n")
        with pytest.raises(TaskFormatError, match=message):
            load_tasks(path)
    path.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(TaskFormatError, match="duplicate"):
        load_tasks(path)
    path.write_text("{oops\n")
    with pytest.raises(TaskFormatError, match=r"t.jsonl:1: not JSON"):
        load_tasks(path)
    with pytest.raises(FileNotFoundError):
        load_tasks(tmp_path / "missing.jsonl")


def test_tasks_round_trip_through_jsonl(tmp_path, tasks):
    path = tmp_path / "out.jsonl"
    assert save_tasks(tasks[:5], path) == 5
    assert load_tasks(path) == tasks[:5]
    record = {k: v for k, v in tasks[0].to_record().items() if k != "repo_path"}
    swebench = SWETask.from_record({**record, "image": "my/image:1"})
    assert swebench.repo_path == "/testbed"  # SWE-bench images keep the repo there
    assert tasks[0].repo_path == "/opt/agentgym/vault/repo"


def test_find_task_suggests_close_ids(tasks):
    assert find_task(tasks, tasks[3].instance_id) is tasks[3]
    with pytest.raises(KeyError, match="did you mean"):
        find_task(tasks, tasks[3].instance_id[:-1] + "z")


def test_env_checks_its_arguments_without_docker(tasks):
    with pytest.raises(ValueError, match="reward"):
        SWEEnv(reward="fast")
    with pytest.raises(ValueError, match="process_bonus"):
        SWEEnv(process_bonus={"style": 1.0})
    with pytest.raises(KeyError, match="no task"):
        SWEEnv(instance_id="agentgym__nothing-00000000")
    env = SWEEnv(split="test")
    assert {t.repo_name for t in env.tasks} == set(TEST_REPOS)
    assert env.task_spec.name == "SWE"


@pytest.mark.parametrize(
    "action,expected",
    [
        ("submit", ("submit", None)),
        ("  SUBMIT() ", ("submit", None)),
        ("I'll look.\n```bash\nls -la\n```", ("bash", "ls -la")),
        ("```sh\nsubmit\n```", ("submit", None)),
        ("```\ncat a.py\n```", ("bash", "cat a.py")),
        ('edit("a.py", "x < 1", "x <= 1")', ("edit", ("a.py", "x < 1", "x <= 1"))),
        ("edit(path='a.py', old='''one\ntwo''', new='')", ("edit", ("a.py", "one\ntwo", ""))),
    ],
    ids=["submit", "submit_call", "bash_with_prose", "submit_block", "bare_fence", "edit", "edit_keywords"],
)
def test_actions_parse(action, expected):
    assert parse_action(action) == expected


@pytest.mark.parametrize(
    "action,reason",
    [
        ("", "empty"),
        ("ls -la", "no action found"),
        ("```bash\nls\n```\n```bash\npwd\n```", "2 command blocks"),
        ('edit("a.py", "", "y")', "old is empty"),
        ('edit("a.py", "x", 3)', "new is not a string"),
        ('edit("a.py" "x", "y")', "three Python string literals"),
        ("edit(", "does not parse"),
        ('edit("a.py", "x", "y", "z")', "three Python string literals"),
    ],
    ids=["empty", "plain_text", "two_blocks", "empty_old", "int_new", "two_args", "syntax", "four_args"],
)
def test_bad_actions_say_why(action, reason):
    result = parse_action(action)
    assert isinstance(result, str) and reason in result


def test_observation_format():
    assert format_output(0, "hi\n") == "<returncode>0</returncode><output>hi\n</output>"


def test_pytest_report_reads_only_the_last_summary():
    fake = "PASSED tests/t.py::test_a\n== short test summary info ==\nFAILED tests/t.py::test_a - assert 0\n"
    report = parse_pytest_report(fake)
    assert report.status == {"tests/t.py::test_a": "FAILED"} and not report.passed("tests/t.py::test_a")
