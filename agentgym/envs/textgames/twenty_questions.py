"""Twenty Questions: find the hidden object with yes/no questions, then guess it.

The game is played over the shipped table ``data/twenty_questions.json``: common objects
(animals, plants, foods, drinks, tools, kitchen things, vehicles, instruments, furniture,
electronics, clothing, sports gear, household and natural things), each with the full answer
vector of every yes/no question (features the table lists for an object are "yes", all others
"no"). Every two objects differ in at least one answer. The hidden object is drawn from the
split's objects (:func:`~agentgym.envs.textgames.splits.split_items` over the names).

Rules:

* ask: ``ask: is it an animal?``, the bare question text, or any free-text question that
  matches one of the table's questions (by its words and keywords: ``Is it a living thing?``
  asks ``is it alive?``); an unmatched question is an invalid action whose message lists
  example questions. At most ``max_questions`` (20) questions; a question asked twice is
  invalid (the message repeats its answer);
* guess: ``guess: dog`` (also ``guess dog`` or ``is it a dog?``); guessing a name the table
  does not hold is invalid;
* reward -1 per question, per wrong guess and per invalid action; 0 on the correct guess,
  which ends the episode (terminated, success);
* the episode is cut (truncated) after ``max_questions + 1`` steps (21: twenty questions and a
  final guess), as registered.

``admissible_actions``: every question not asked yet (``ask: ...``, while questions remain)
plus ``guess: NAME`` for the objects still consistent with the answers once at most
``list_guesses_below`` (10) remain, or once the questions are used up. Any known object may be
guessed at any time.

Progress is the information gained: ``1 - log(1 + c) / log(1 + n)`` with ``c`` the objects of
the whole table consistent with the answers and ``n`` all objects (0 at reset, below 1 until
the right guess), and 1 on the correct guess.

Example:
    >>> env = TwentyQuestionsEnv()
    >>> obs, info = env.reset(seed=0, options={"object": "dog"})
    >>> obs, reward, terminated, truncated, info = env.step("Is it a living thing?")
    >>> print(obs)
    Is it alive? Yes.
    Answers so far: is it alive? yes.
    Questions left: 19 of 20.
    >>> obs, reward, terminated, truncated, info = env.step("ask: can it fly?")
    >>> obs.splitlines()[0], reward
    ('Can it fly? No.', -1.0)
    >>> obs, reward, terminated, truncated, info = env.step("guess: a dog")
    >>> obs.splitlines()[0], reward, terminated, info["success"]
    ('Yes! It is a dog. You found it with 2 questions.', 0.0, True, True)
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentgym.core import TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv, to_printable

from .common import information_progress
from .splits import check_split, split_items

DATA_FILE = Path(__file__).with_name("data") / "twenty_questions.json"
_MAX_ACTION_CHARS = 300
_ASK = re.compile(r"^(?:ask\s*:\s*|ask\s+)(.*)$")
_GUESS = re.compile(r"^(?:guess|answer)(?:\s*:\s*|\s+)(?:it is\s+|it's\s+)?(.*?)[.!?]*$")
_IS_IT = re.compile(r"^is it\s+(.*?)\s*\?*$")
_ARTICLE = re.compile(r"^(?:an?|the)\s+")
_STOPWORDS = frozenset(
    "a an and any are be by can could s do does for has have is it its it's kind of often on or "
    "really some something that the thing this to usually commonly mostly very was would you your".split()
)

ACTION_MEANING = (
    "'ask: QUESTION' with a yes/no question (the admissible questions, or free text matched to them), or "
    "'guess: NAME' to name the hidden object"
)


@dataclass(frozen=True)
class Table:
    """The objects, the questions and every answer.

    Attributes:
        features: feature names (one per question), in table order.
        questions: the yes/no question of each feature.
        keywords: further words that point to each feature (free-text matching).
        objects: object names, in table order.
        categories: category of each object.
        answers: ``(objects, features)`` booleans: the answer to each question for each object.
    """

    features: tuple[str, ...]
    questions: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]
    objects: tuple[str, ...]
    categories: tuple[str, ...]
    answers: np.ndarray


@functools.cache
def load_table() -> Table:
    """The shipped table (checked: known feature names, no two objects with the same answers)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    features = tuple(f["name"] for f in data["features"])
    column = {name: j for j, name in enumerate(features)}
    answers = np.zeros((len(data["objects"]), len(features)), dtype=bool)
    for i, obj in enumerate(data["objects"]):
        unknown = [y for y in obj["yes"] if y not in column]
        if unknown:
            raise ValueError(f"{DATA_FILE.name}: object {obj['name']!r} names unknown features {unknown}")
        answers[i, [column[y] for y in obj["yes"]]] = True
    if len({row.tobytes() for row in answers}) != len(answers):
        raise ValueError(f"{DATA_FILE.name}: two objects have the same answers to every question")
    return Table(
        features=features,
        questions=tuple(f["question"] for f in data["features"]),
        keywords=tuple(tuple(f["keywords"]) for f in data["features"]),
        objects=tuple(o["name"] for o in data["objects"]),
        categories=tuple(o["category"] for o in data["objects"]),
        answers=answers,
    )


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _tokens(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOPWORDS}


def _article(name: str) -> str:
    return "an" if name[:1] in "aeiou" else "a"


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("?", " ").split())


class QuestionMatcher:
    """Match a free-text question to a feature of the table.

    An exact question (any case, with or without ``?``) matches its feature. Otherwise the
    question's words are scored against each feature's question words and keywords, each
    word weighted by how rare it is among the features; the best feature wins when it is
    unique.

    >>> matcher = QuestionMatcher(load_table())
    >>> [load_table().features[matcher.match(q)] for q in ("Is it alive?", "does it have wheels", "Can it swim?")]
    ['alive', 'wheels', 'lives_in_water']
    >>> matcher.match("what is your favourite colour") is None
    True
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self._exact = {_plain(q): j for j, q in enumerate(table.questions)}
        self._question_words = [_tokens(q) for q in table.questions]
        self._vocab = [qw | {_stem(k) for k in kw} for qw, kw in zip(self._question_words, table.keywords, strict=True)]
        counts: dict[str, int] = {}
        for vocab in self._vocab:
            for word in vocab:
                counts[word] = counts.get(word, 0) + 1
        n = len(self._vocab)
        self._weight = {word: math.log(1 + n / c) for word, c in counts.items()}

    def exact(self, text: str) -> int | None:
        """The feature whose question is ``text`` (ignoring case, spacing and ``?``), or None."""
        return self._exact.get(_plain(text))

    def match(self, text: str) -> int | None:
        """The feature index ``text`` asks about, or None (no match or a tie)."""
        exact = self.exact(text)
        if exact is not None:
            return exact
        words = _tokens(text)
        if not words:
            return None
        scored = []
        for j, vocab in enumerate(self._vocab):
            hit = words & vocab
            if hit:
                cover = len(words & self._question_words[j]) / max(1, len(self._question_words[j]))
                scored.append((round(sum(self._weight[w] for w in hit), 9), cover, j))
        if not scored:
            return None
        scored.sort(reverse=True)
        if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
            return None
        return scored[0][2]


class TwentyQuestionsEnv(TextEnv):
    """Twenty Questions over the shipped table.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` objects.
        max_questions: questions allowed (20); the episode is cut after ``max_questions + 1`` steps.
        list_guesses_below: list ``guess: NAME`` actions once at most this many objects remain.
        render_mode: ``"ansi"`` or ``"human"``.
    """

    invalid_action_reward = -1.0

    def __init__(
        self,
        split: str = "train",
        max_questions: int = 20,
        list_guesses_below: int = 10,
        *,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if isinstance(max_questions, bool) or not isinstance(max_questions, int | np.integer) or max_questions < 1:
            raise ValueError(f"max_questions must be a positive integer, got {max_questions!r}")
        if isinstance(list_guesses_below, bool) or not isinstance(list_guesses_below, int | np.integer) \
                or list_guesses_below < 0:
            raise ValueError(f"list_guesses_below must be a non-negative integer, got {list_guesses_below!r}")
        self.split = check_split(split)
        self.max_questions = int(max_questions)
        self.max_steps = self.max_questions + 1
        self.list_guesses_below = int(list_guesses_below)
        self.table = load_table()
        self.matcher = QuestionMatcher(self.table)
        self.split_objects = tuple(split_items(self.table.objects, self.split))
        if not self.split_objects:
            raise ValueError(f"the {self.split!r} split holds no objects")
        self._object_index = {name: i for i, name in enumerate(self.table.objects)}
        self._ask_actions = tuple(f"ask: {q.lower()}" for q in self.table.questions)
        self.task_spec = self._build_task_spec()
        self.target = self._object_index[self.split_objects[0]]
        self.asked: dict[int, bool] = {}
        self.wrong_guesses: list[int] = []
        self._candidates = np.ones(len(self.table.objects), dtype=bool)
        self._solved = False
        self._last_answer = -1
        self._pending: tuple[str, int] = ("ask", 0)
        self._event = ""

    # ------------------------------------------------------------ public API
    @property
    def hidden_object(self) -> str:
        return self.table.objects[self.target]

    def candidates(self) -> list[str]:
        """The objects of the table consistent with every answer so far (wrong guesses removed)."""
        return [self.table.objects[i] for i in np.flatnonzero(self._candidates)]

    def oracle_action(self) -> str | None:
        """Ask the question that splits the remaining objects most evenly; guess when one remains."""
        if self._solved:
            return None
        idx = np.flatnonzero(self._candidates)
        if len(idx) > 1 and len(self.asked) < self.max_questions:
            yes = self.table.answers[idx].sum(axis=0)
            balance = np.abs(2 * yes - len(idx)).astype(float)
            balance[(yes == 0) | (yes == len(idx))] = np.inf
            balance[list(self.asked)] = np.inf
            best = int(np.argmin(balance))
            if np.isfinite(balance[best]):
                return self._ask_actions[best]
        return f"guess: {self.table.objects[idx[0]]}"

    # ------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        forced = (options or {}).get("object")
        if forced is not None:
            if not isinstance(forced, str) or forced.lower() not in self._object_index:
                raise ValueError(f"options['object'] must be an object of the table, got {forced!r}")
            self.target = self._object_index[forced.lower()]
        else:
            name = self.split_objects[int(self.np_random.integers(len(self.split_objects)))]
            self.target = self._object_index[name]
        self.asked = {}
        self.wrong_guesses = []
        self._candidates = np.ones(len(self.table.objects), dtype=bool)
        self._solved = False
        self._last_answer = -1
        self._event = ""
        return self._describe(
            "I am thinking of an object: an animal, a plant, a food or drink, a tool, a vehicle, an instrument, "
            "furniture, an electronic device, something to wear, sports gear, a household thing or part of nature."
        )

    def _task(self) -> str:
        return (
            f"Find the hidden object with at most {self.max_questions} yes/no questions, then guess it. "
            "Ask like 'ask: is it an animal?' and guess like 'guess: dog'. Each question and each wrong guess costs 1."
        )

    def _admissible(self) -> list[str]:
        actions = []
        if len(self.asked) < self.max_questions:
            actions = [a for j, a in enumerate(self._ask_actions) if j not in self.asked]
        idx = np.flatnonzero(self._candidates)
        if len(idx) <= self.list_guesses_below or len(self.asked) >= self.max_questions:
            actions += [f"guess: {self.table.objects[i]}" for i in idx]
        return actions

    def _check(self, action: str) -> str | None:
        if not action:
            return f"the action is empty. {self._hint()}"
        if len(action) > _MAX_ACTION_CHARS:
            return f"the action is too long ({len(action)} characters). {self._hint()}"
        kind, value = self._parse(action)
        if kind == "unknown object":
            return f"{to_printable(value, 40)!r} is not an object of this game. {self._hint()}"
        if kind == "unmatched":
            return f"I cannot match {to_printable(value, 60)!r} to a question I can answer. {self._hint()}"
        if kind == "ask":
            j = int(value)
            if j in self.asked:
                return (f"you already asked {self.table.questions[j]!r}: the answer was "
                        f"{'yes' if self.asked[j] else 'no'}. {self._hint()}")
            if len(self.asked) >= self.max_questions:
                return f"you have used all {self.max_questions} questions: make a guess, e.g. 'guess: dog'"
        self._pending = (kind, int(value))  # parsed once; _step (called next) applies it
        return None

    def _step(self, action: str) -> tuple[str, float, bool]:
        kind, j = self._pending
        if kind == "ask":
            answer = bool(self.table.answers[self.target, j])
            self.asked[j] = answer
            self._last_answer = int(answer)
            self._candidates &= self.table.answers[:, j] == answer
            self._event = "yes" if answer else "no"
            return self._describe(f"{self.table.questions[j]} {'Yes' if answer else 'No'}."), -1.0, False
        self._last_answer = -1
        name = self.table.objects[j]
        if j == self.target:
            self._solved = True
            self._event = "correct guess"
            n = len(self.asked)
            return f"Yes! It is {_article(name)} {name}. You found it with {n} question{'' if n == 1 else 's'}.", 0.0, True
        self.wrong_guesses.append(j)
        self._candidates[j] = False
        self._event = "wrong guess"
        return self._describe(f"No, it is not {_article(name)} {name}."), -1.0, False

    def _truncated(self) -> bool:
        return self._steps >= self.max_steps

    def _success(self) -> bool:
        return self._solved

    def _progress(self) -> float:
        return information_progress(int(self._candidates.sum()), len(self.table.objects), self._solved)

    def _message(self) -> str:
        return self._event

    def _extra_state(self) -> dict[str, np.ndarray]:
        answers = np.full(len(self.table.features), -1, dtype=np.int64)
        for j, yes in self.asked.items():
            answers[j] = int(yes)
        return {
            "questions_asked": np.array(len(self.asked), dtype=np.int64),
            "questions_left": np.array(self.max_questions - len(self.asked), dtype=np.int64),
            "wrong_guesses": np.array(len(self.wrong_guesses), dtype=np.int64),
            "candidates_left": np.array(int(self._candidates.sum()), dtype=np.int64),
            "last_answer": np.array(self._last_answer, dtype=np.int64),
            "answers": answers,
        }

    # ---------------------------------------------------------------- helpers
    def _parse(self, action: str) -> tuple[str, int | str]:
        """``("ask", feature)``, ``("guess", object)``, ``("unknown object", name)`` or ``("unmatched", text)``."""
        guess = _GUESS.match(action)
        if guess:
            name = _ARTICLE.sub("", guess.group(1).strip())
            return ("guess", self._object_index[name]) if name in self._object_index else ("unknown object", name)
        ask = _ASK.match(action)
        question = ask.group(1) if ask else action
        exact = self.matcher.exact(question)
        if exact is not None:
            return "ask", exact
        is_it = _IS_IT.match(question)
        if is_it:  # "is it a dog?" names an object: a guess
            name = _ARTICLE.sub("", is_it.group(1).rstrip("?. ").strip())
            if name in self._object_index:
                return "guess", self._object_index[name]
        feature = self.matcher.match(question)
        return ("ask", feature) if feature is not None else ("unmatched", question)

    def _hint(self) -> str:
        examples = [a for j, a in enumerate(self._ask_actions) if j not in self.asked][:3]
        asks = ", ".join(repr(a) for a in examples)
        return f"Ask a yes/no question such as {asks}, or guess with e.g. 'guess: dog'." if asks else \
            "Make a guess, e.g. 'guess: dog'."

    def _describe(self, event: str) -> str:
        lines = [event] if event else []
        if self.asked:
            history = "; ".join(f"{self.table.questions[j].lower()} {'yes' if yes else 'no'}" for j, yes in self.asked.items())
            lines.append(f"Answers so far: {history}.")
        if self.wrong_guesses:
            lines.append("Wrong guesses: " + ", ".join(self.table.objects[j] for j in self.wrong_guesses) + ".")
        lines.append(f"Questions left: {self.max_questions - len(self.asked)} of {self.max_questions}.")
        return "\n".join(lines)

    def _build_task_spec(self) -> TaskSpec:
        n = len(self.table.features)
        order = ", ".join(self.table.features)
        fields = TEXT_STATE_FIELDS + (
            StateField("questions_asked", (), "questions", "distinct questions asked so far", "int64"),
            StateField("questions_left", (), "questions", f"questions remaining of {self.max_questions}", "int64"),
            StateField("wrong_guesses", (), "guesses", "wrong guesses so far", "int64"),
            StateField("candidates_left", (), "objects", "objects of the table consistent with all answers "
                       "(wrong guesses removed)", "int64"),
            StateField("last_answer", (), "index", "answer to the last action if it was a question: 1 yes, 0 no; "
                       "-1 otherwise", "int64"),
            StateField("answers", (n,), "index", f"answer to each question: 1 yes, 0 no, -1 not asked; in the order {order}",
                       "int64"),
        )
        return TaskSpec(
            name="TwentyQuestions",
            task=f"Find the hidden object with at most {self.max_questions} yes/no questions, then guess it.",
            state_fields=fields,
            action_meaning=ACTION_MEANING,
            success_criterion="the guess names the hidden object; the episode terminates there",
            notes=(
                f"Reward -1 per question, wrong guess or invalid action, 0 on the correct guess. Episodes are cut after "
                f"{self.max_steps} steps. {len(self.table.objects)} objects, {n} questions. "
                "progress = 1 - log(1 + candidates_left) / log(1 + all objects), 1 on success."
            ),
        )
