"""Per-episode accumulators: compact-state fields that depend on the history of an episode.

Each tracker declares its :class:`~agentgym.core.StateField`\\ s, is reset with the first state of
an episode, updated with the state after every step, and reports its values. They see the raw
and derived fields only (never each other), so the order of trackers does not matter. The state
they get computes each field when it is first read, so a tracker costs only what it reads.
Values are plain Python numbers: the env's per-step success test reads them as they are (numbers
compare ~10x faster than 0-d arrays) and ``compact_state()`` turns them into arrays of each
field's dtype.

Example:
    >>> import numpy as np
    >>> clock = MotionTracker(dt=0.5, planar=True)
    >>> clock.reset({"x": np.array(0.0), "pitch": np.array(0.0)})
    >>> clock.update({"x": np.array(1.0), "pitch": np.array(0.5)})
    >>> clock.values()["x_velocity_1s"]
    2.0
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from agentgym.core import StateField

State = Mapping[str, np.ndarray | np.generic]
Number = float | int


class Accumulator(Protocol):
    """What the env needs from a tracker."""

    fields: tuple[StateField, ...]

    def reset(self, state: State) -> None: ...

    def update(self, state: State) -> None: ...

    def values(self) -> dict[str, Number]: ...


class MotionTracker:
    """Step count, elapsed time, windowed and episode-average forward speed, total pitch rotation.

    ``x_velocity_1s`` is the displacement over the last second divided by its duration (over
    the whole episode while it is shorter than 1 s); ``pitch_rotation`` (planar robots only)
    is the torso's signed rotation about +y since reset, so one forward flip adds 2*pi.
    """

    def __init__(self, dt: float, planar: bool, window_s: float = 1.0) -> None:
        self.dt = dt
        self.planar = planar
        self.window = max(1, round(window_s / dt))
        self.fields = (
            StateField("step", (), "steps", "env steps taken since reset", dtype="int64"),
            StateField("elapsed_time", (), "s", f"simulated time since reset (step * {dt:g})"),
            StateField("x_velocity_1s", (), "m/s", "mean forward velocity over the last 1 s "
                       "(x displacement / time; over the whole episode while it is shorter)"),
            StateField("x_velocity_avg", (), "m/s", "mean forward velocity since reset ((x - x at reset) / elapsed_time)"),
        )
        if planar:
            self.fields += (StateField("pitch_rotation", (), "rad", "pitch minus pitch at reset: signed total "
                                       "rotation, +2*pi after one forward (front-down) flip, -2*pi after a backflip"),)
        self._xs: deque[float] = deque(maxlen=self.window + 1)
        self._x0 = self._pitch0 = self._pitch = 0.0
        self._steps = 0

    def reset(self, state: State) -> None:
        self._xs.clear()
        self._xs.append(float(state["x"]))
        self._x0 = float(state["x"])
        self._steps = 0
        if self.planar:
            self._pitch0 = self._pitch = float(state["pitch"])

    def update(self, state: State) -> None:
        self._steps += 1
        self._xs.append(float(state["x"]))
        if self.planar:
            self._pitch = float(state["pitch"])

    def values(self) -> dict[str, Number]:
        xs, steps = self._xs, self._steps
        elapsed = steps * self.dt
        span = (len(xs) - 1) * self.dt
        out = {
            "step": steps,
            "elapsed_time": elapsed,
            "x_velocity_1s": (xs[-1] - xs[0]) / span if span else 0.0,
            "x_velocity_avg": (xs[-1] - self._x0) / elapsed if elapsed else 0.0,
        }
        if self.planar:
            out["pitch_rotation"] = self._pitch - self._pitch0
        return out


class HoldTimer:
    """Time a pose has held without a break: grows by dt while ``predicate(state)``, else drops to 0.

    Example:
        >>> timer = HoldTimer("up_time", lambda s: s["z"] > 1.0, dt=0.1, meaning="time with z > 1")
        >>> timer.reset({"z": np.array(1.2)})
        >>> timer.update({"z": np.array(1.2)}); timer.update({"z": np.array(1.3)})
        >>> timer.values()["up_time"]
        0.2
    """

    def __init__(self, name: str, predicate: Callable[[State], bool], dt: float, meaning: str) -> None:
        self.name = name
        self.predicate = predicate
        self.dt = dt
        self.fields = (StateField(name, (), "s", meaning),)
        self._steps = 0  # counted, not summed, so that n steps read exactly n * dt

    def reset(self, state: State) -> None:
        self._steps = 0  # the pose must be held over steps, so the reset pose never counts

    def update(self, state: State) -> None:
        self._steps = self._steps + 1 if self.predicate(state) else 0

    def values(self) -> dict[str, Number]:
        return {self.name: self._steps * self.dt}


class CircleTracker:
    """Signed angle travelled around the world origin (counter-clockwise seen from above is +).

    A step counts only when the torso is between ``r_min`` and ``r_max`` metres from the origin
    both before and after it, so spinning on the spot or wandering far away adds nothing.
    """

    def __init__(self, r_min: float, r_max: float) -> None:
        self.r_min, self.r_max = r_min, r_max
        self.fields = (
            StateField("circle_angle", (), "rad", f"signed angle travelled around the origin (x=0, y=0), "
                       f"counter-clockwise +, counted only while {r_min:g} m <= radius <= {r_max:g} m"),
        )
        self._angle = 0.0
        self._prev = (0.0, 0.0)

    def _in_band(self, x: float, y: float) -> bool:
        return self.r_min <= math.hypot(x, y) <= self.r_max

    def reset(self, state: State) -> None:
        self._angle = 0.0
        self._prev = (float(state["x"]), float(state["y"]))

    def update(self, state: State) -> None:
        (x0, y0), (x1, y1) = self._prev, (float(state["x"]), float(state["y"]))
        if self._in_band(x0, y0) and self._in_band(x1, y1):
            # atan2 of (cross, dot) is the signed turn between the two position vectors, in (-pi, pi].
            self._angle += math.atan2(x0 * y1 - y0 * x1, x0 * x1 + y0 * y1)
        self._prev = (x1, y1)

    def values(self) -> dict[str, Number]:
        return {"circle_angle": self._angle}
