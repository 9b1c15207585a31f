"""Small pieces the text games share."""

from __future__ import annotations

import math


def information_progress(candidates_left: int, candidates_total: int, solved: bool) -> float:
    """Progress of a deduction game: the share of the answer's information gained so far.

    ``1 - log(1 + left) / log(1 + total)``: 0 while every candidate remains, close to 1 with one
    left, and exactly 1 only once solved.

    >>> information_progress(100, 100, False), information_progress(7, 7, True)
    (0.0, 1.0)
    >>> round(information_progress(1, 100, False), 3)
    0.85
    """
    if solved:
        return 1.0
    return 1.0 - math.log1p(candidates_left) / math.log1p(candidates_total)
