"""BabyAI missions as fixed-length word indices, so a classic (SB3) policy can read them.

Index 0 pads, index 1 stands for a word outside :data:`VOCABULARY`.

Example:
    >>> codes = encode_mission("go to the red ball")
    >>> codes.shape, decode_mission(codes)
    ((16,), 'go to the red ball')
    >>> mission_space().contains(codes)
    True
"""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import MultiDiscrete

PAD, UNKNOWN = 0, 1
#: Every word of the BabyAI grammar (minigrid/envs/babyai/core/verifier.py), after PAD and UNKNOWN.
VOCABULARY: tuple[str, ...] = (
    "<pad>", "<unk>",
    "go", "to", "pick", "up", "open", "put", "next", "the", "a", "object",
    "red", "green", "blue", "purple", "yellow", "grey",
    "box", "ball", "key", "door",
    "in", "front", "of", "you", "behind", "on", "your", "left", "right",
    "and", "then", "after", ",",
)
#: Missions longer than this (BabyAI's composite ones) are cut; GoToObj/PickupLoc need <= 9 words.
MISSION_LENGTH = 16
_INDEX = {word: i for i, word in enumerate(VOCABULARY)}


def mission_space() -> MultiDiscrete:
    """The observation space of an encoded mission."""
    return MultiDiscrete(np.full(MISSION_LENGTH, len(VOCABULARY), dtype=np.int64))


def tokenize(mission: str) -> list[str]:
    return mission.lower().replace(",", " , ").split()


def encode_mission(mission: str) -> np.ndarray:
    """Word indices of ``mission``, padded with 0 (or cut) to :data:`MISSION_LENGTH`."""
    codes = np.zeros(MISSION_LENGTH, dtype=np.int64)
    words = [_INDEX.get(w, UNKNOWN) for w in tokenize(mission)][:MISSION_LENGTH]
    codes[: len(words)] = words
    return codes


def decode_mission(codes: np.ndarray) -> str:
    """The words of an encoded mission (padding dropped)."""
    return " ".join(VOCABULARY[int(c)] for c in codes if int(c) != PAD).replace(" ,", ",")
