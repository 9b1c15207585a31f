"""TaskSpec: what a task asks, what the compact state holds, and how success is measured.

A TaskSpec is what a person reads in ``agentgym info ENV`` and what an LLM reads when it
writes reward code. Every registered agentgym env carries one as ``env.unwrapped.task_spec``
and returns its compact state from ``env.unwrapped.compact_state()``.

Example:
    >>> import numpy as np
    >>> spec = TaskSpec(
    ...     name="Reach",
    ...     task="Move the point to the origin.",
    ...     state_fields=(StateField("pos", (2,), "m", "x and y position of the point"),),
    ...     action_meaning="2-d velocity command in m/s",
    ...     success_criterion="norm(pos) < 0.05",
    ... )
    >>> spec.validate_state({"pos": np.zeros(2)})
    >>> print(spec.to_prompt().splitlines()[0])
    class State:
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class StateField:
    """One named array of the compact state.

    Attributes:
        name: key in the state dict (a Python identifier).
        shape: array shape; ``()`` for a scalar.
        unit: physical or logical unit ("m", "rad/s", "cells", "bool", "index", ...).
        meaning: one sentence on what the value is.
        dtype: numpy dtype name of the array.
    """

    name: str
    shape: tuple[int, ...]
    unit: str
    meaning: str
    dtype: str = "float64"

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"state field name {self.name!r} is not a Python identifier")
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))

    def describe_shape(self) -> str:
        return "scalar" if self.shape == () else f"shape {self.shape}"


@dataclass(frozen=True)
class TaskSpec:
    """A task in words plus the compact-state fields a reward function may read.

    Attributes:
        name: short name of the task (e.g. "HalfCheetah-Backward").
        task: the instruction in plain words.
        state_fields: fields of the compact state, in order.
        action_meaning: what an action is (shape, range, unit or the list of words).
        success_criterion: a precise, measurable test of success, in words or a formula over
            the state fields.
        notes: anything else a reward writer should know (time step, episode length, ...).
    """

    name: str
    task: str
    state_fields: tuple[StateField, ...]
    action_meaning: str
    success_criterion: str
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "state_fields", tuple(self.state_fields))
        names = [f.name for f in self.state_fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"TaskSpec {self.name!r}: duplicate state fields {dupes}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.state_fields]

    def field(self, name: str) -> StateField:
        for f in self.state_fields:
            if f.name == name:
                return f
        raise KeyError(f"TaskSpec {self.name!r} has no state field {name!r}; fields: {self.field_names}")

    def validate_state(self, state: Mapping[str, Any], *, batched: bool = False) -> None:
        """Raise ``ValueError`` unless ``state`` has every field with its declared shape.

        With ``batched=True`` every array carries one extra leading axis.
        """
        missing = [n for n in self.field_names if n not in state]
        if missing:
            raise ValueError(f"state of {self.name!r} misses fields {missing}")
        for f in self.state_fields:
            shape = np.shape(state[f.name])
            expected = f.shape if not batched else shape[:1] + f.shape
            if shape != expected:
                raise ValueError(
                    f"state field {f.name!r} of {self.name!r} has shape {shape}, expected {expected}"
                )

    def render(self) -> str:
        """The spec as text for people (``agentgym info``)."""
        lines = [f"Task: {self.name}", f"  {self.task}", "", "Compact state:"]
        width = max((len(f.name) for f in self.state_fields), default=0)
        for f in self.state_fields:
            lines.append(f"  {f.name:<{width}}  {f.describe_shape():<14} [{f.unit}]  {f.meaning}")
        lines += ["", f"Action: {self.action_meaning}", f"Success: {self.success_criterion}"]
        if self.notes:
            lines += ["", f"Notes: {self.notes}"]
        return "\n".join(lines)

    def to_prompt(self) -> str:
        """The spec as a compact, Pythonic description of the state, for LLM prompts.

        The state is shown as a class whose attributes are the fields (Text2Reward style),
        followed by the task, the action and the success test as comments.
        """
        lines = ["class State:", f'    """Compact state of the {self.name} task (dict keys below)."""']
        for f in self.state_fields:
            shape = "float" if f.shape == () and f.dtype.startswith("float") else (
                f"np.ndarray  # {f.describe_shape()}, {f.dtype}"
            )
            if f.shape == () and not f.dtype.startswith("float"):
                shape = f"{f.dtype}"
            lines.append(f"    {f.name}: {shape}")
            lines.append(f"    # {f.meaning} [{f.unit}]")
        lines += [
            "",
            f"# Task: {self.task}",
            f"# Action: {self.action_meaning}",
            f"# Success: {self.success_criterion}",
        ]
        if self.notes:
            lines.append(f"# Notes: {self.notes}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task": self.task,
            "state_fields": [
                {"name": f.name, "shape": list(f.shape), "unit": f.unit, "meaning": f.meaning, "dtype": f.dtype}
                for f in self.state_fields
            ],
            "action_meaning": self.action_meaning,
            "success_criterion": self.success_criterion,
            "notes": self.notes,
        }


def get_task_spec(env: Any) -> TaskSpec:
    """The TaskSpec of an env or of any wrapper around it.

    Raises ``AttributeError`` with a clear message when the env carries none.
    """
    spec = getattr(getattr(env, "unwrapped", env), "task_spec", None)
    if spec is None and hasattr(env, "get_wrapper_attr"):
        try:
            spec = env.get_wrapper_attr("task_spec")
        except AttributeError:
            spec = None
    if not isinstance(spec, TaskSpec):
        raise AttributeError(f"{env} carries no agentgym TaskSpec (env.unwrapped.task_spec)")
    return spec


def compact_state_fn(env: Any) -> Callable[[], dict[str, np.ndarray]]:
    """The ``compact_state`` method of an env or of the env under any wrappers."""
    base = getattr(env, "unwrapped", env)
    fn = getattr(base, "compact_state", None)
    if fn is None and hasattr(env, "get_wrapper_attr"):
        try:
            fn = env.get_wrapper_attr("compact_state")
        except AttributeError:
            fn = None
    if fn is None:
        raise AttributeError(f"{env} has no compact_state(); it is not an agentgym env")
    return fn


def get_compact_state(env: Any) -> dict[str, np.ndarray]:
    """The compact state of an env (or of the env under any wrappers).

    Envs return fresh arrays from ``compact_state()`` (the contract), so nothing is copied here.
    """
    return {k: np.asarray(v) for k, v in compact_state_fn(env)().items()}
