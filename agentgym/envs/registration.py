"""The agentgym env catalogue: registers every env with gymnasium under the ``agentgym/`` namespace.

Each family's ``__init__`` defines ``register_envs(register)``; it calls :func:`register_env`
(passed in as ``register``) once per env, with a string entry point so that nothing heavy
(MuJoCo, MiniGrid, torch) is imported until an env is made.

Example:
    >>> import agentgym
    >>> entry = CATALOG["agentgym/MiniGrid-DoorKey-5x5-Text-v0"]
    >>> entry.family, entry.text
    ('minigrid', True)
    >>> resolve_env_id("MiniGrid-DoorKey-5x5-Text-v0")
    'agentgym/MiniGrid-DoorKey-5x5-Text-v0'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

NAMESPACE = "agentgym"


@dataclass(frozen=True)
class EnvEntry:
    """One registered env: its id, family, a one-line task, and how to build it."""

    id: str
    family: str
    summary: str
    entry_point: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    text: bool = False


#: Every registered agentgym env, by full id (``agentgym/Name-vN``), in registration order.
CATALOG: dict[str, EnvEntry] = {}


class UnknownEnvError(KeyError):
    """An env id agentgym does not know; the message suggests close matches."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


def register_env(
    name: str,
    *,
    family: str,
    summary: str,
    entry_point: str,
    kwargs: dict[str, Any] | None = None,
    max_episode_steps: int | None = None,
    text: bool = False,
) -> EnvEntry:
    """Register ``agentgym/<name>`` with gymnasium and in :data:`CATALOG`.

    Args:
        name: id without the namespace, e.g. ``"MiniGrid-DoorKey-5x5-Text-v0"``.
        family: the env family (``"minigrid"``, ``"mujoco"``, ...).
        summary: the task in one line, for ``agentgym list``.
        entry_point: ``"module.path:callable"`` that builds the env.
        kwargs: keyword arguments for the entry point.
        max_episode_steps: episode length limit (gymnasium's TimeLimit).
        text: whether observations and actions are text (a :class:`~agentgym.core.TextEnv`).
    """
    env_id = f"{NAMESPACE}/{name}"
    entry = EnvEntry(env_id, family, summary, entry_point, dict(kwargs or {}), max_episode_steps, text)
    if env_id not in gym.registry:
        gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs or {}), max_episode_steps=max_episode_steps)
    CATALOG[env_id] = entry
    return entry


def resolve_env_id(env_id: str) -> str:
    """Turn ``Name-v0``, ``agentgym/Name-v0`` or ``agentgym:agentgym/Name-v0`` into a catalogue id.

    Raises :class:`UnknownEnvError` with "did you mean" suggestions for an unknown id.
    """
    name = env_id.split(":", 1)[1] if env_id.startswith(f"{NAMESPACE}:") else env_id
    if not name.startswith(f"{NAMESPACE}/"):
        name = f"{NAMESPACE}/{name}"
    if name in CATALOG:
        return name
    lower = {k.lower(): k for k in CATALOG}
    if name.lower() in lower:
        return lower[name.lower()]
    # compare bare names: the shared namespace prefix would make everything look close
    bare = {k.split("/", 1)[1].lower(): k for k in CATALOG}
    wanted = name.split("/", 1)[1].lower()
    close = [bare[c] for c in difflib.get_close_matches(wanted, list(bare), n=3, cutoff=0.6)]
    if not close:  # fall back to substring matches on the name without its version
        stem = wanted.rsplit("-v", 1)[0]
        close = [full for b, full in bare.items() if stem and stem in b][:3]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownEnvError(f"unknown env id {env_id!r}.{hint} Run `agentgym list` to see all envs.")


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make`` for an agentgym id, with a "did you mean" error for unknown ids."""
    return gym.make(resolve_env_id(env_id), **kwargs)


def families() -> list[str]:
    return sorted({e.family for e in CATALOG.values()})
