"""Learning curves from a run's metrics, as PNG files.

Example:
    >>> import tempfile
    >>> rows = [{"global_step": s, "episode/return": s / 10, "loss/value": 1 / (s + 1)} for s in range(0, 100, 10)]
    >>> [p.name for p in plot_run(rows, Path(tempfile.mkdtemp()))]
    ['return.png', 'losses.png']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Each figure: a file name, a title, and the metric keys (or key prefixes ending in "/") it draws.
FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("return.png", "Episode return", ("episode/return", "eval/mean_return")),
    ("success.png", "Success rate", ("episode/success", "eval/success_rate")),
    ("reward_components.png", "Reward components (per episode)", ("reward/",)),
    ("losses.png", "Losses", ("loss/",)),
    ("speed.png", "Steps per second", ("time/steps_per_s",)),
)


def _keys(rows: list[dict[str, Any]], patterns: tuple[str, ...]) -> list[str]:
    present = sorted({k for row in rows for k in row})
    return [k for k in present if any(k == p or (p.endswith("/") and k.startswith(p)) for p in patterns)]


def plot_run(rows: list[dict[str, Any]], out: Path, title: str = "") -> list[Path]:
    """Write one PNG per figure that has data; return their paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no screen needed
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, label, patterns in FIGURES:
        keys = _keys(rows, patterns)
        if not keys:
            continue
        fig, ax = plt.subplots(figsize=(7, 4))
        for key in keys:
            points = [(r["global_step"], r[key]) for r in rows if key in r]
            xs, ys = zip(*points, strict=True)
            style = "o" if key.startswith("eval/") else "-"
            ax.plot(xs, ys, style, label=key)
        ax.set_xlabel("env steps")
        ax.set_title(f"{title}: {label}" if title else label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out / filename
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
