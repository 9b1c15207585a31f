"""SWE sandboxes: fix bugs in real Python repos inside locked-down Docker containers.

* :mod:`~agentgym.envs.swe.sandbox`: containers with no network, no root, no capabilities, limits on
  memory, processes, CPU and writes; commands with timeouts and capped output; leak-proof cleanup;
* :mod:`~agentgym.envs.swe.images`: the base image from Debian packages and one image per task repo;
* :mod:`~agentgym.envs.swe.pool`: warm container pools (reset restores the repo, not the container);
* :mod:`~agentgym.envs.swe.mutate`: AST bug injection; :mod:`~agentgym.envs.swe.generate` turns bugs
  into tasks validated in the sandbox;
* :mod:`~agentgym.envs.swe.tasks`: SWE-bench-format task records; :mod:`~agentgym.envs.swe.grading`;
* :mod:`~agentgym.envs.swe.env`: the ``agentgym/SWE-v0`` env.

Importing this package does not need Docker; making an env does not either, until ``reset``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FAMILY = "swe"


def register_envs(register: Callable[..., Any]) -> None:
    register(
        "SWE-v0",
        family=FAMILY,
        summary="fix a bug in a Python repo in a Docker sandbox (shell, edit, submit; graded by hidden tests)",
        entry_point="agentgym.envs.swe.env:SWEEnv",
        kwargs={"max_steps": 30},
        max_episode_steps=30,
        text=True,
    )
