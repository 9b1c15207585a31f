"""Wordle: guess a hidden five-letter word in six tries from per-letter feedback.

Words come from the shipped lists in ``data/``: ``wordle_answers.txt`` (common words; the
hidden word is drawn from the split's share of them, see
:func:`~agentgym.envs.textgames.splits.split_items`) and ``wordle_guesses.txt`` (further
words accepted as guesses). Every answer is a valid guess in every split.

Feedback marks each letter ``correct`` (right letter, right place), ``present`` (in the word
elsewhere) or ``absent``, with the usual duplicate-letter rule: correct letters are marked
first, then each remaining guess letter, left to right, is ``present`` only while the answer
still has an unmarked copy of it (guess ``speed`` against ``abide``: only the first ``e`` is
present).

Rules:

* actions: ``guess WORD`` or just ``WORD``;
* every step is a try, an invalid one too (a word not in the list, a wrong length, an
  unparseable or non-string action): it is rejected (``valid_action`` False) with the reason
  *and* uses up one of the six tries;
* reward 1 on the solving guess, 0 otherwise; with ``turn_penalty=True`` every try costs -1
  instead and the solving guess earns 0;
* the episode terminates on the solve or when the sixth try is spent (success False): running
  out of tries is the end of the game, not a time limit.

``admissible_actions`` are ``guess WORD`` for every word of the list (``admissible="all"``,
the default: the list says what is valid, not what is wise, so a random agent over it is a fair
floor). ``admissible="consistent"`` lists only the answer words still consistent with all
feedback so far (the hidden word is always among them), alphabetically, at most
``admissible_limit`` (50) of them: a hint mode that does the deduction for the agent.

Progress is the information gained: ``1 - log(1 + c) / log(1 + n)`` with ``c`` the answer
words still consistent with the feedback and ``n`` all answer words (0 at reset, below 1 until
the word is actually guessed), and 1 on the solve.

Example:
    >>> env = WordleEnv()
    >>> obs, info = env.reset(seed=0, options={"answer": "abide"})
    >>> obs, reward, terminated, truncated, info = env.step("guess speed")
    >>> print(obs)
    Guess 1: SPEED -> s:absent p:absent e:present e:absent d:present  [--Y-Y]
    Letters not in the word: p s
    Tries left: 5 of 6.
    >>> obs, reward, terminated, truncated, info = env.step("xyzzy")
    >>> info["valid_action"], obs.splitlines()[0]
    (False, "Invalid action: 'xyzzy' is not a five-letter word in the word list; the try still counts: 4 of 6 left.")
    >>> obs, reward, terminated, truncated, info = env.step("abide")
    >>> reward, terminated, info["success"], info["progress"]
    (1.0, True, True, 1.0)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import numpy as np

from agentgym.core import TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv, to_printable

from .common import information_progress
from .splits import check_split, split_items

WORD_LENGTH = 5
DATA_DIR = Path(__file__).with_name("data")
#: Feedback values: absent, present (elsewhere), correct (right place).
ABSENT, PRESENT, CORRECT = 0, 1, 2
FEEDBACK_WORDS = ("absent", "present", "correct")
_PATTERN_CHARS = "-YG"
_MAX_ACTION_CHARS = 200
_GUESS = re.compile(r"^(?:guess(?:\s*:\s*|\s+))?([^\s:]+)$")

ACTION_MEANING = (
    "'guess WORD' (or just 'WORD') with a five-letter English word from the game's word list. "
    "Every action uses one of the six tries, invalid ones included."
)


@functools.cache
def load_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(answers, extra_guesses)``: the shipped answer words and the further accepted guesses."""
    def read(name: str) -> tuple[str, ...]:
        lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
        return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))

    return read("wordle_answers.txt"), read("wordle_guesses.txt")


def score(guess: str, answer: str) -> tuple[int, ...]:
    """Feedback of ``guess`` against ``answer``: per letter ABSENT (0), PRESENT (1) or CORRECT (2).

    >>> score("speed", "abide")
    (0, 0, 1, 0, 1)
    >>> score("eerie", "there")
    (1, 0, 1, 0, 2)
    """
    marks = [CORRECT if g == a else ABSENT for g, a in zip(guess, answer, strict=True)]
    unmatched: dict[str, int] = {}
    for a, mark in zip(answer, marks, strict=True):
        if mark != CORRECT:
            unmatched[a] = unmatched.get(a, 0) + 1
    for i, g in enumerate(guess):
        if marks[i] != CORRECT and unmatched.get(g, 0) > 0:
            marks[i] = PRESENT
            unmatched[g] -= 1
    return tuple(marks)


def encode(words: list[str] | tuple[str, ...]) -> np.ndarray:
    """Words as an ``(n, 5)`` array of letter indices (a = 0)."""
    return np.frombuffer("".join(words).encode("ascii"), dtype=np.uint8).reshape(-1, WORD_LENGTH) - ord("a")


def pattern_codes(guesses: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """Feedback of every guess against every answer as ``(G, N)`` codes ``sum(mark_i * 3**i)``.

    ``guesses`` ``(G, 5)`` and ``answers`` ``(N, 5)`` come from :func:`encode`; the result
    agrees with :func:`score` pair by pair.
    """
    g = guesses[:, None, :]
    a = answers[None, :, :]
    green = g == a  # (G, N, 5)
    # copies of guess letter i among the answer's non-green letters
    spare = ((g[..., :, None] == a[..., None, :]) & ~green[..., None, :]).sum(-1)
    codes = np.zeros(green.shape[:2], dtype=np.int64)
    for i in range(WORD_LENGTH):
        # earlier non-green copies of the same letter in the guess took the spare copies first
        earlier = ((g[..., :i] == g[..., i:i + 1]) & ~green[..., :i]).sum(-1)
        yellow = ~green[..., i] & (earlier < spare[..., i])
        codes += 3 ** i * np.where(green[..., i], CORRECT, yellow.astype(np.int64))
    return codes


def code_of(marks: tuple[int, ...]) -> int:
    """The :func:`pattern_codes` code of a :func:`score` result."""
    return sum(m * 3 ** i for i, m in enumerate(marks))


def feedback_line(guess: str, marks: tuple[int, ...]) -> str:
    """``SPEED -> s:absent p:absent e:present e:absent d:present  [--Y-Y]`` (G correct, Y present, - absent)."""
    letters = " ".join(f"{ch}:{FEEDBACK_WORDS[m]}" for ch, m in zip(guess, marks, strict=True))
    return f"{guess.upper()} -> {letters}  [{''.join(_PATTERN_CHARS[m] for m in marks)}]"


@functools.cache
def _vocabulary() -> tuple[tuple[str, ...], np.ndarray, frozenset[str]]:
    answers, extra = load_words()
    return answers, encode(answers), frozenset(answers) | frozenset(extra)


@functools.cache
def best_opener() -> str:
    """The guess (from the whole word list) whose feedback splits all answers most informatively.

    Computed once per process (a fraction of a second).
    """
    answers, coded, _ = _vocabulary()
    words = sorted(set(answers) | set(load_words()[1]))
    guesses = encode(words)
    best, best_entropy = words[0], -1.0
    for start in range(0, len(words), 64):
        codes = pattern_codes(guesses[start:start + 64], coded)
        for k, row in enumerate(codes):
            entropy = _entropy(row)
            if entropy > best_entropy + 1e-12:
                best, best_entropy = words[start + k], entropy
    return best


def _entropy(codes: np.ndarray) -> float:
    counts = np.bincount(codes, minlength=3 ** WORD_LENGTH)
    p = counts[counts > 0] / len(codes)
    return float(-(p * np.log2(p)).sum())


@functools.cache
def _all_guesses() -> list[str]:
    """``guess WORD`` for every valid guess, alphabetically (shared: callers copy it)."""
    return [f"guess {w}" for w in sorted(_vocabulary()[2])]


class WordleEnv(TextEnv):
    """Wordle over the shipped word list.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` answer words.
        max_guesses: tries per game (6).
        turn_penalty: reward -1 per try and 0 on the solve, instead of 1 on the solve.
        admissible: ``"all"`` (every valid guess) or ``"consistent"`` (the hint mode above).
        admissible_limit: most consistent words listed in ``"consistent"`` mode.
        render_mode: ``"ansi"`` or ``"human"``.
    """

    def __init__(
        self,
        split: str = "train",
        max_guesses: int = 6,
        turn_penalty: bool = False,
        admissible_limit: int = 50,
        *,
        admissible: str = "all",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if admissible not in ("all", "consistent"):
            raise ValueError(f"admissible must be 'all' or 'consistent', got {admissible!r}")
        self.admissible = admissible
        if isinstance(max_guesses, bool) or not isinstance(max_guesses, int | np.integer) or max_guesses < 1:
            raise ValueError(f"max_guesses must be a positive integer, got {max_guesses!r}")
        if not isinstance(turn_penalty, bool | np.bool_):
            raise ValueError(f"turn_penalty must be True or False, got {turn_penalty!r}")
        if isinstance(admissible_limit, bool) or not isinstance(admissible_limit, int | np.integer) or admissible_limit < 1:
            raise ValueError(f"admissible_limit must be a positive integer, got {admissible_limit!r}")
        self.split = check_split(split)
        self.max_guesses = int(max_guesses)
        self.turn_penalty = bool(turn_penalty)
        self.admissible_limit = int(admissible_limit)
        self.invalid_action_reward = -1.0 if self.turn_penalty else 0.0
        self.answers, self._coded, self.dictionary = _vocabulary()
        self.split_answers = tuple(split_items(self.answers, self.split))
        if not self.split_answers:
            raise ValueError(f"the {self.split!r} split holds no answer words")
        self._index = {w: i for i, w in enumerate(self.answers)}
        self.task_spec = self._build_task_spec()
        self.answer = self.split_answers[0]
        self.guesses: list[tuple[str, tuple[int, ...]]] = []
        self._candidates = np.ones(len(self.answers), dtype=bool)
        self._solved = False
        self._event = ""

    # ------------------------------------------------------------ public API
    @property
    def tries_used(self) -> int:
        """Tries spent so far (every step, valid or not)."""
        return self._steps

    def candidates(self) -> list[str]:
        """The answer words consistent with all feedback so far, alphabetically."""
        return [self.answers[i] for i in np.flatnonzero(self._candidates)]

    def oracle_action(self) -> str | None:
        """A strong next guess: the best opener, then the consistent word with the most informative feedback."""
        if self._solved or self._steps >= self.max_guesses:
            return None
        idx = np.flatnonzero(self._candidates)
        if len(idx) == len(self.answers):
            return f"guess {best_opener()}"
        if len(idx) <= 2:
            return f"guess {self.answers[idx[0]]}"
        codes = pattern_codes(self._coded[idx], self._coded[idx])
        entropies = [_entropy(row) for row in codes]
        return f"guess {self.answers[idx[int(np.argmax(entropies))]]}"

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)
        if not terminated and self._steps >= self.max_guesses:
            # the last try went to an invalid action: the game is lost (terminal, not a time cut)
            terminated, truncated, self._done = True, False, True
        return obs, reward, terminated, truncated, info

    # ------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        forced = (options or {}).get("answer")
        if forced is not None:
            if not isinstance(forced, str) or forced.lower() not in self._index:
                raise ValueError(f"options['answer'] must be one of the game's answer words, got {forced!r}")
            self.answer = forced.lower()
        else:
            self.answer = self.split_answers[int(self.np_random.integers(len(self.split_answers)))]
        self.guesses = []
        self._candidates = np.ones(len(self.answers), dtype=bool)
        self._solved = False
        self._event = ""
        return self._board("")

    def _task(self) -> str:
        return (
            f"Guess the hidden five-letter English word in {self.max_guesses} tries. After each guess every letter "
            "is marked correct (right place), present (in the word, elsewhere) or absent. "
            "Say 'guess WORD'; a word not in the list is rejected but still uses a try."
        )

    def _admissible(self) -> list[str]:
        if self.admissible == "all":
            return _all_guesses()
        idx = np.flatnonzero(self._candidates)[: self.admissible_limit]
        return [f"guess {self.answers[i]}" for i in idx]

    def _check(self, action: str) -> str | None:
        reason = self._why_invalid(action)
        if reason is None:
            return None
        left = self.max_guesses - self._steps
        if left > 0:
            reason += f"; the try still counts: {left} of {self.max_guesses} left."
        else:
            reason += f"; that was your last try. The word was {self.answer.upper()}."
        # the board shown under the reason reports the tries left after this one
        self._view = to_printable(self._board(""), self.max_observation_length)
        return reason

    def _step(self, action: str) -> tuple[str, float, bool]:
        word = self._parse(action)
        assert word is not None  # _check accepted it
        marks = score(word, self.answer)
        self.guesses.append((word, marks))
        idx = np.flatnonzero(self._candidates)
        self._candidates[idx[pattern_codes(encode([word]), self._coded[idx])[0] != code_of(marks)]] = False
        self._solved = word == self.answer
        greens = marks.count(CORRECT)
        if self._solved:
            self._event = "solved"
            outcome = f"You solved it in {self._steps} {'try' if self._steps == 1 else 'tries'}: the word is {word.upper()}."
        elif self._steps >= self.max_guesses:
            self._event = "out of tries"
            outcome = f"Out of tries. The word was {self.answer.upper()}."
        else:
            self._event = f"{greens} correct, {marks.count(PRESENT)} present"
            outcome = ""
        solved_reward = 0.0 if self.turn_penalty else 1.0
        reward = solved_reward if self._solved else (-1.0 if self.turn_penalty else 0.0)
        return self._board(outcome), reward, self._solved or self._steps >= self.max_guesses

    def _success(self) -> bool:
        return self._solved

    def _progress(self) -> float:
        return information_progress(int(self._candidates.sum()), len(self.answers), self._solved)

    def _message(self) -> str:
        return self._event

    def _extra_state(self) -> dict[str, np.ndarray]:
        last = self.guesses[-1][1] if self.guesses else (-1,) * WORD_LENGTH
        known = np.full(WORD_LENGTH, -1, dtype=np.int64)
        status = np.full(26, -1, dtype=np.int64)
        for word, marks in self.guesses:
            for i, (ch, m) in enumerate(zip(word, marks, strict=True)):
                k = ord(ch) - ord("a")
                status[k] = max(status[k], m)
                if m == CORRECT:
                    known[i] = k
        return {
            "tries_used": np.array(self._steps, dtype=np.int64),
            "tries_left": np.array(max(0, self.max_guesses - self._steps), dtype=np.int64),
            "valid_guesses": np.array(len(self.guesses), dtype=np.int64),
            "candidates_left": np.array(int(self._candidates.sum()), dtype=np.int64),
            "greens": np.array(sum(m == CORRECT for m in last), dtype=np.int64),
            "yellows": np.array(sum(m == PRESENT for m in last), dtype=np.int64),
            "last_feedback": np.array(last, dtype=np.int64),
            "known_letters": known,
            "letter_status": status,
        }

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _parse(action: str) -> str | None:
        match = _GUESS.match(action)
        return match.group(1) if match else None

    def _why_invalid(self, action: str) -> str | None:
        if not action:
            return "the action is empty; say 'guess WORD' with a five-letter word, e.g. 'guess crane'"
        if len(action) > _MAX_ACTION_CHARS:
            return f"the action is too long ({len(action)} characters); say 'guess WORD', e.g. 'guess crane'"
        word = self._parse(action)
        shown = repr(to_printable(action if word is None else word, 40))
        if word is None:
            return f"{shown} is not a guess; say 'guess WORD' with one five-letter word, e.g. 'guess crane'"
        if len(word) != WORD_LENGTH or not (word.isascii() and word.isalpha()):
            return f"{shown} is not a five-letter word (letters a-z only)"
        if word not in self.dictionary:
            return f"{shown} is not a five-letter word in the word list"
        return None

    def _board(self, outcome: str) -> str:
        lines = [outcome] if outcome else []
        if self.guesses:
            lines += [f"Guess {i}: {feedback_line(w, m)}" for i, (w, m) in enumerate(self.guesses, 1)]
            absent = sorted({ch for w, m in self.guesses for ch, x in zip(w, m, strict=True) if x == ABSENT}
                            - {ch for w, m in self.guesses for ch, x in zip(w, m, strict=True) if x != ABSENT})
            if absent:
                lines.append(f"Letters not in the word: {' '.join(absent)}")
        else:
            lines.append("No guesses yet. The hidden word has five letters.")
        if not self._solved:
            lines.append(f"Tries left: {max(0, self.max_guesses - self._steps)} of {self.max_guesses}.")
        return "\n".join(lines)

    def _build_task_spec(self) -> TaskSpec:
        fields = TEXT_STATE_FIELDS + (
            StateField("tries_used", (), "tries", "tries spent, invalid actions included", "int64"),
            StateField("tries_left", (), "tries", f"tries remaining of {self.max_guesses}", "int64"),
            StateField("valid_guesses", (), "tries", "guesses that were real words (got feedback)", "int64"),
            StateField("candidates_left", (), "words", "answer words still consistent with all feedback", "int64"),
            StateField("greens", (), "letters", "letters marked correct in the last valid guess", "int64"),
            StateField("yellows", (), "letters", "letters marked present in the last valid guess", "int64"),
            StateField("last_feedback", (5,), "index", "marks of the last valid guess: 0 absent, 1 present, "
                       "2 correct; -1 before any guess", "int64"),
            StateField("known_letters", (5,), "index", "letter (0 = a) known correct at each position, -1 unknown", "int64"),
            StateField("letter_status", (26,), "index", "best mark seen for each letter a..z: -1 untried, 0 absent, "
                       "1 present, 2 correct somewhere", "int64"),
        )
        reward = ("-1 per try (invalid ones included), 0 on the solving guess" if self.turn_penalty
                  else "1 on the solving guess, 0 otherwise")
        return TaskSpec(
            name="Wordle",
            task=f"Guess the hidden five-letter word in {self.max_guesses} tries from per-letter feedback.",
            state_fields=fields,
            action_meaning=ACTION_MEANING,
            success_criterion="the guessed word equals the hidden word (greens == 5); the episode terminates there",
            notes=(
                f"Reward: {reward}. The game ends (terminated) after {self.max_guesses} tries. "
                "progress = 1 - log(1 + candidates_left) / log(1 + all answer words), 1 on the solve."
            ),
        )
