"""The SWE sandbox holds: no network, no host files, no root, limits on processes, writes, time and output,
and no leaked container (even after the owning process is killed with SIGKILL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from agentgym.envs.swe import sandbox as sb_mod
from agentgym.envs.swe.sandbox import (
    LABEL,
    OWNER_LABEL,
    TIMEOUT_EXIT,
    Sandbox,
    SandboxLimits,
    _cap_text,
    collect_garbage,
    list_containers,
    owner_alive,
    owner_id,
)

pytestmark = pytest.mark.docker

LIMITS = SandboxLimits(timeout=5, pids=128, memory="512m", work_size="32m", tmp_size="16m", file_size=64 * 2**20)


@pytest.fixture(scope="module")
def image(swe_images):
    return swe_images["textkit"]


@pytest.fixture
def box(image):
    sandbox = Sandbox.start(image, LIMITS)
    sandbox.run("mkdir -p /work/repo", workdir="/work")
    yield sandbox
    sandbox.close()


def test_cap_text_keeps_head_and_tail_and_counts_the_cut():
    text, cut = _cap_text(b"abc", b"xyz", 10)
    assert cut == 4
    assert text.startswith("abc") and text.endswith("xyz")
    assert "4 bytes of output cut" in text
    assert _cap_text(b"abc", b"", 3) == ("abc", 0)


def test_limits_are_checked():
    with pytest.raises(ValueError, match="pids"):
        SandboxLimits(pids=2)
    with pytest.raises(ValueError, match="timeout"):
        SandboxLimits(timeout=0)


def test_owner_ids_name_live_processes_only():
    assert owner_alive(owner_id())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not owner_alive(owner_id(child.pid))
    assert not owner_alive("nonsense")


def test_commands_run_as_the_unprivileged_agent_in_the_repo(box):
    result = box.run("id -u; pwd; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status")
    lines = result.output.split()
    assert result.exit_code == 0
    assert lines[0] == "1000"
    assert lines[1] == "/work/repo"
    assert "0000000000000000" in result.output  # no effective capability
    assert lines[-1] == "1"  # no-new-privileges


def test_network_is_unreachable(box):
    code = (
        "import socket\n"
        "for host in ('203.0.113.1', '127.0.0.1'):\n"
        "    s = socket.socket(); s.settimeout(2)\n"
        "    try:\n"
        "        s.connect((host, 80)); print(host, 'connected')\n"
        "    except OSError as e:\n"
        "        print(host, type(e).__name__, e.errno)\n"
    )
    result = box.run(f"python3 -c \"{code}\"; cat /proc/net/dev | tail -n +3 | cut -d: -f1")
    assert "connected" not in result.output
    assert "203.0.113.1 OSError 101" in result.output  # ENETUNREACH: no route out
    interfaces = [line.strip() for line in result.output.splitlines()[2:] if line.strip()]
    assert interfaces == ["lo"]


def test_host_files_are_not_visible_and_the_root_is_read_only(box):
    marker = f"/tmp/agentgym-host-marker-{uuid.uuid4().hex}"
    with open(marker, "w") as f:
        f.write("host secret")
    try:
        result = box.run(f"cat {marker}; ls /work; touch /etc/x /usr/x /opt/x 2>&1; echo rc=$?")
        assert "host secret" not in result.output
        assert "No such file" in result.output
        assert result.output.count("Read-only file system") == 3
        mounts = box.run("cat /proc/self/mountinfo").output
        assert "/var/run/docker.sock" not in mounts and " /host" not in mounts
        assert "docker.sock" not in box.run("ls -la /var/run /run 2>&1").output
    finally:
        os.remove(marker)


def test_a_fork_bomb_is_contained_and_the_sandbox_keeps_working(box):
    started = time.monotonic()
    result = box.run("bomb() { bomb | bomb & }; bomb; sleep 2; echo survived", timeout=4)
    assert time.monotonic() - started < 20
    assert result.exit_code in (0, TIMEOUT_EXIT)
    after = box.run("echo ok; ps -e --no-headers 2>/dev/null | wc -l || ls /proc | grep -c '^[0-9]'")
    assert after.exit_code == 0 and after.output.startswith("ok")
    processes = int(after.output.split()[-1])
    assert processes < 10  # the bomb's processes were all killed when its command returned


def test_yes_into_a_file_stops_at_the_write_limit(box):
    host_free = os.statvfs("/").f_bavail
    result = box.run("yes > /work/repo/big; echo rc=$?; ls -l /work/repo/big | awk '{print $5}'", timeout=20)
    assert "No space left on device" in result.output or "File too large" in result.output
    size = int(result.output.split()[-1])
    assert 0 < size <= 32 * 2**20  # the /work tmpfs limit, not the host disk
    assert abs(os.statvfs("/").f_bavail - host_free) * os.statvfs("/").f_frsize < 16 * 2**20
    assert box.run("rm /work/repo/big && echo fine").output.strip() == "fine"
    tmp = box.run("yes > /tmp/big; echo done", timeout=20)
    assert "No space left on device" in tmp.output or "File too large" in tmp.output


def test_sleep_1000_times_out_with_exit_code_124(box):
    started = time.monotonic()
    result = box.run("sleep 1000", timeout=2)
    assert time.monotonic() - started < 8
    assert result.exit_code == TIMEOUT_EXIT and result.timed_out
    assert "timed out after 2 s" in result.output
    background = box.run("sleep 1000 & echo started", timeout=2)
    assert background.exit_code == 0 and background.output.startswith("started")
    assert box.run("echo next").output == "next\n"
    # A command that ignores TERM is killed 2 s later, and is still reported as a timeout.
    stubborn = box.run("trap '' TERM; while true; do sleep 0.1; done", timeout=1)
    assert stubborn.exit_code == TIMEOUT_EXIT and stubborn.timed_out and 3 <= stubborn.duration < 8
    assert box.run("echo next").output == "next\n"


def test_50_mb_of_output_is_capped_head_and_tail(box):
    result = box.run("head -c 50000000 /dev/zero | tr '\\0' a; echo; echo THE-END", timeout=60)
    assert result.exit_code == 0
    assert result.bytes_total == 50_000_000 + 1 + 8
    assert len(result.output) < LIMITS.output_head + LIMITS.output_tail + 200
    assert result.bytes_cut == result.bytes_total - LIMITS.output_head - LIMITS.output_tail
    assert f"{result.bytes_cut} bytes of output cut" in result.output
    assert result.output.rstrip().endswith("THE-END")
    assert box.run("echo alive").output == "alive\n"


def test_memory_limit_holds(box):
    result = box.run("python3 -c \"x = bytearray(900 * 2**20); print('allocated')\"", timeout=30)
    assert "allocated" not in result.output.splitlines()
    assert result.exit_code == 137  # killed by the memory limit
    assert box.run("echo alive").output == "alive\n"


def test_containers_carry_agentgym_labels(box):
    labels = box.container.labels
    assert labels[LABEL] == "1"
    assert labels[OWNER_LABEL] == owner_id()
    assert any(c.id == box.id for c in list_containers(owner=owner_id()))


def test_a_killed_owner_leaves_nothing_running_after_the_next_start(image):
    script = (
        "import os, signal, sys\n"
        "from agentgym.envs.swe.sandbox import Sandbox\n"
        f"box = Sandbox.start({image!r})\n"
        "print(box.id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9
    leaked = done.stdout.strip()
    assert leaked and any(c.id == leaked for c in list_containers())
    # The next process to start a sandbox collects it first.
    start_next = (
        "from agentgym.envs.swe.sandbox import Sandbox, list_containers\n"
        f"box = Sandbox.start({image!r})\n"
        f"print(any(c.id == {leaked!r} for c in list_containers()))\n"
        "box.close()\n"
    )
    after = subprocess.run([sys.executable, "-c", start_next], capture_output=True, text=True, timeout=120)
    assert after.stdout.strip() == "False", after.stderr
    assert not any(c.id == leaked for c in list_containers())


def _dead_owner() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{owner_id().rsplit(':', 2)[0]}:{child.pid}:1"  # this host, a pid that is gone


def test_gc_removes_only_containers_whose_owner_is_gone(image):
    mine = Sandbox.start(image, LIMITS)
    remote = sb_mod.start_container(image, LIMITS, labels={OWNER_LABEL: "another-host:1:1"})
    dead = sb_mod.start_container(image, LIMITS, labels={OWNER_LABEL: _dead_owner()})
    try:
        removed = collect_garbage()
        ids = {c.id for c in list_containers()}
        assert removed >= 1
        assert dead.id not in ids
        assert mine.id in ids  # a live owner keeps its containers
        assert remote.id in ids  # only the other host can tell whether its owner lives
    finally:
        mine.close()
        sb_mod._remove(remote)
    assert mine.id not in {c.id for c in list_containers()}


def test_exit_removes_the_process_containers(image):
    script = (
        "from agentgym.envs.swe.sandbox import Sandbox\n"
        f"box = Sandbox.start({image!r})\n"
        "print(box.id, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() not in {c.id for c in list_containers()}


def test_gc_cli_removes_a_dead_owners_container(image):
    from typer.testing import CliRunner

    from agentgym.cli import app

    orphan = sb_mod.start_container(image, LIMITS, labels={OWNER_LABEL: _dead_owner()})
    result = CliRunner().invoke(app, ["swe", "gc"])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert orphan.id not in {c.id for c in list_containers()}
