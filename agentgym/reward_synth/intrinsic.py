"""LLM-feedback intrinsic rewards (ONI / Motif style) for sparse-reward envs that report event messages.

Envs that know what a step did say it in ``info["message"]`` ("You pick up the yellow key.";
``""`` when nothing notable happened): MiniGrid, its text view, the text games. While PPO
trains:

1. every new (task, message) pair goes to an :class:`AsyncAnnotator`, which asks an LLM, in a
   background thread, whether the message is a sign of progress on the task. Training never
   waits for it: messages are scored 0 until their label arrives.
2. The labels are distilled into a :class:`HelpfulnessModel`: a lookup table of the labelled
   messages, and a small logistic-regression classifier over hashed words that scores messages
   the annotator has not labelled yet (once it has seen both kinds).
3. The intrinsic reward of a step with message ``o`` is
   ``r_int = 1[r̂(o) > ε] · r̂(o) / N_ep(o)^β`` (β = 3: repeating a message within an episode
   soon pays nothing), and training sees ``α_ext · r_ext + α_int · r_int``.

Two ways of asking the LLM (:func:`make_labeler`):

* :class:`ScoreLabeler`, for local models: a few-shot prompt from unrelated games, read as the
  probability of " yes" against " no" for the next token, corrected for the model's prior by
  content-free calibration (Zhao et al. 2021: the same prompt with "N/A", "" and "[event]"
  as the event). A soft label in [0, 1]. Small models answer "no" to everything when asked to
  generate; their scores still rank messages.
* :class:`ChatLabeler`, for any chat model (an OpenAI-compatible endpoint): the same examples
  as a chat, the first "yes"/"no" of a greedy reply as a hard label.

The labels are written to ``intrinsic_labels.jsonl`` in the run folder as they arrive, and
read back on resume, so no LLM call is ever paid twice.

Example::

    from agentgym.reward_synth.intrinsic import LLMFeedback
    import agentgym

    agentgym.train("MiniGrid-DoorKey-8x8-v0", intrinsic=LLMFeedback("local"))
"""

from __future__ import annotations

import json
import math
import queue
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .llm import GenerationConfig, LLMClient, LLMError, LocalClient, make_client

#: The info key that carries event messages.
MESSAGE_KEY = "message"
#: File in the run folder where labels are kept.
LABELS_FILE = "intrinsic_labels.jsonl"

#: Few-shot examples from games unrelated to any agentgym env: (goal, event, helpful).
EXAMPLES: tuple[tuple[str, str, bool], ...] = (
    ("bake a cake", "You take the flour from the shelf.", True),
    ("bake a cake", "You bump into the table.", False),
    ("mail the letter", "You open the mailbox.", True),
    ("mail the letter", "Nothing happens.", False),
    ("light the lamp", "You pick up the matches.", True),
    ("light the lamp", "You drop the matches.", False),
)
#: Content-free events for calibration (averaged).
CONTENT_FREE = ("N/A", "", "[event]")


def _goal(task: str) -> str:
    return task.strip().rstrip(".")


#: The few-shot examples as raw text: the prefix of every :class:`ScoreLabeler` prompt.
SCORE_EXAMPLES = "".join(f"Goal: {goal}.\nEvent: {event}\nHelpful: {'yes' if ok else 'no'}\n\n"
                         for goal, event, ok in EXAMPLES)


def score_prompt(task: str, message: str) -> str:
    """The question whose next token :class:`ScoreLabeler` reads (after :data:`SCORE_EXAMPLES`)."""
    return f"Goal: {_goal(task)}.\nEvent: {message}\nHelpful:"


def chat_prompt(task: str, message: str) -> list[dict[str, str]]:
    """The chat :class:`ChatLabeler` sends: instructions, the examples as turns, the question."""
    chat = [{"role": "system", "content": (
        "You judge events in a game for a player with a goal. Answer 'yes' if the event is a step of "
        "progress toward the goal (getting or using something the goal needs, reaching a new place "
        "the goal needs), and 'no' otherwise (no effect, a mistake, a failure). Answer with one word.")}]
    for goal, event, ok in EXAMPLES:
        chat.append({"role": "user", "content": f"Goal: {goal}.\nEvent: {event}\nHelpful?"})
        chat.append({"role": "assistant", "content": "yes" if ok else "no"})
    chat.append({"role": "user", "content": f"Goal: {_goal(task)}.\nEvent: {message}\nHelpful?"})
    return chat


class Labeler(Protocol):
    """Labels one (task, message) pair: a score in [0, 1], or None if the LLM gave no usable answer."""

    name: str

    def label(self, task: str, message: str) -> float | None: ...


class ScoreLabeler:
    """Soft labels from a local model's next-token probabilities (see the module doc)."""

    YES = (" yes", " Yes")
    NO = (" no", " No")

    def __init__(self, client: LocalClient, calibrate: bool = True) -> None:
        self.client, self.calibrate = client, calibrate
        self.name = f"{client.name} (scored)"
        self._prior: dict[str, float] = {}

    def _p_yes(self, task: str, message: str) -> float:
        yes, no = self.client.next_token_probs(score_prompt(task, message), [self.YES, self.NO], prefix=SCORE_EXAMPLES)
        return yes / (yes + no) if yes + no > 0 else 0.5

    def prior(self, task: str) -> float:
        """The model's P(yes) on content-free events for ``task`` (cached per task)."""
        if task not in self._prior:
            self._prior[task] = float(np.mean([self._p_yes(task, event) for event in CONTENT_FREE]))
        return self._prior[task]

    def label(self, task: str, message: str) -> float | None:
        p = self._p_yes(task, message)
        if not self.calibrate:
            return p
        b = min(max(self.prior(task), 1e-6), 1 - 1e-6)
        yes, no = p / b, (1 - p) / (1 - b)
        return yes / (yes + no)


_ANSWER = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


class ChatLabeler:
    """Hard labels (1.0 yes, 0.0 no) from any chat client's greedy reply."""

    def __init__(self, client: LLMClient, config: GenerationConfig | None = None) -> None:
        self.client = client
        self.config = config or GenerationConfig(temperature=0.0, max_tokens=8, seed=0)
        self.name = getattr(client, "name", type(client).__name__)

    def label(self, task: str, message: str) -> float | None:
        reply = self.client.complete(chat_prompt(task, message), n=1, config=self.config)[0]
        found = _ANSWER.search(reply)
        return None if found is None else float(found.group(1).lower() == "yes")


def make_labeler(client: LLMClient | str | None, mode: str = "auto") -> Labeler:
    """A labeler over ``client`` (a client or a :func:`~agentgym.reward_synth.llm.make_client` spec).

    ``mode``: ``"score"`` (local models only), ``"chat"``, or ``"auto"`` (score for local models).
    """
    client = make_client(client)
    if mode not in ("auto", "score", "chat"):
        raise ValueError(f"labeling mode must be auto, score or chat, got {mode!r}")
    if mode == "score" or (mode == "auto" and isinstance(client, LocalClient)):
        if not isinstance(client, LocalClient):
            raise ValueError("score labeling reads token probabilities: it needs a local model (local or local:<path>)")
        return ScoreLabeler(client)
    return ChatLabeler(client)


class AnnotatorError(RuntimeError):
    """The annotator's LLM failed too many times in a row."""


class AsyncAnnotator:
    """Labels (task, message) pairs in a background thread; :meth:`labels` returns those done so far.

    Args:
        labeler: what asks the LLM.
        store: a JSONL file that labels are appended to as they arrive (and read from at start).
        max_failures: consecutive LLM errors after which :meth:`check` raises.
    """

    def __init__(self, labeler: Labeler, store: str | Path | None = None, max_failures: int = 5) -> None:
        self.labeler = labeler
        self.store = Path(store) if store is not None else None
        self.max_failures = max_failures
        self._labels: dict[tuple[str, str], float] = {}
        self._queued: set[tuple[str, str]] = set()
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self.failures = 0  # consecutive
        self.errors = 0  # all
        self.unusable = 0  # replies with no yes/no
        self.last_error: str | None = None
        if self.store is not None and self.store.is_file():
            for line in self.store.read_text().splitlines():
                try:
                    row = json.loads(line)
                    self._labels[(row["task"], row["message"])] = float(row["label"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a crash
        self._thread = threading.Thread(target=self._work, name="agentgym-annotator", daemon=True)
        self._thread.start()

    def submit(self, task: str, message: str) -> None:
        """Queue a pair for labeling (no-op if it is labelled or queued already)."""
        key = (task, message)
        with self._lock:
            if key in self._labels or key in self._queued:
                return
            self._queued.add(key)
        self._queue.put(key)

    def labels(self) -> dict[tuple[str, str], float]:
        """A copy of the labels so far."""
        with self._lock:
            return dict(self._labels)

    @property
    def pending(self) -> int:
        """Pairs queued and not labelled yet."""
        with self._lock:
            return len(self._queued)

    def check(self) -> None:
        """Raise :class:`AnnotatorError` if the LLM has failed ``max_failures`` times in a row."""
        if self.failures >= self.max_failures:
            raise AnnotatorError(f"the annotator ({self.labeler.name}) failed {self.failures} times in a row; "
                                 f"last error: {self.last_error}")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued pair is labelled (for tests and benchmarks); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pending and self._thread.is_alive():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return not self.pending

    def close(self) -> None:
        """Stop the thread after the pair it is labeling (queued pairs are dropped)."""
        while True:
            try:
                self._queue.get_nowait()
                self._queue.task_done()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join(timeout=60)

    def _work(self) -> None:
        while True:
            key = self._queue.get()
            try:
                if key is None:
                    return
                self._label(key)
            finally:
                self._queue.task_done()

    def _label(self, key: tuple[str, str]) -> None:
        try:
            value = self.labeler.label(*key)
        except (LLMError, OSError, RuntimeError, ValueError) as exc:
            self.failures += 1
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._queued.discard(key)  # may be submitted again
            return
        self.failures = 0
        with self._lock:
            self._queued.discard(key)
            if value is None:
                self.unusable += 1
                self._labels[key] = 0.0  # an answer that is neither yes nor no: not helpful
            else:
                self._labels[key] = float(min(1.0, max(0.0, value)))
            label = self._labels[key]
        if self.store is not None:
            with self.store.open("a") as f:
                f.write(json.dumps({"task": key[0], "message": key[1], "label": label}) + "\n")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class HelpfulnessModel:
    """The labels distilled: a lookup table, then a logistic-regression classifier for unlabelled messages.

    Features are hashed word unigrams and bigrams of the message, and the task's words (so one
    model serves tasks that change per episode, like BabyAI's missions). The classifier is fitted
    (full-batch gradient descent on soft labels, L2-regularized, deterministic) once at least
    ``min_labels`` labels of both kinds (above and below 0.5) are in.
    """

    def __init__(self, n_features: int = 1024, min_labels: int = 8, l2: float = 1e-3, iterations: int = 300) -> None:
        self.n_features, self.min_labels, self.l2, self.iterations = n_features, min_labels, l2, iterations
        self.table: dict[tuple[str, str], float] = {}
        self.weights: np.ndarray | None = None
        self.bias = 0.0
        self._features: dict[tuple[str, str], np.ndarray] = {}

    @property
    def fitted(self) -> bool:
        return self.weights is not None

    def featurize(self, task: str, message: str) -> np.ndarray:
        key = (task, message)
        if key not in self._features:
            words = _words(message)
            tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)] + [f"task:{w}" for w in _words(task)]
            x = np.zeros(self.n_features)
            for token in tokens:
                x[zlib.crc32(token.encode()) % self.n_features] = 1.0
            norm = np.linalg.norm(x)
            self._features[key] = x / norm if norm else x
        return self._features[key]

    def update(self, labels: Mapping[tuple[str, str], float]) -> bool:
        """Take the annotator's labels; refit the classifier if they changed. True if it refitted."""
        if len(labels) == len(self.table):
            return False
        self.table = dict(labels)
        values = np.array(list(self.table.values()))
        if len(values) < self.min_labels or not ((values > 0.5).any() and (values <= 0.5).any()):
            return False
        X = np.stack([self.featurize(*key) for key in self.table])
        w, b = np.zeros(self.n_features), 0.0
        for _ in range(self.iterations):
            p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
            grad = p - values
            w -= 1.0 * (X.T @ grad / len(values) + self.l2 * w)
            b -= 1.0 * float(grad.mean())
        self.weights, self.bias = w, b
        return True

    def score(self, task: str, message: str) -> float:
        """r̂: the label if the message was labelled, else the classifier's score, else 0."""
        key = (task, message)
        if key in self.table:
            return self.table[key]
        if self.weights is None:
            return 0.0
        return float(1.0 / (1.0 + math.exp(-(self.featurize(task, message) @ self.weights + self.bias))))


@dataclass
class IntrinsicConfig:
    """Coefficients of the intrinsic reward (``α_ext r_ext + α_int r̂ 1[r̂ > ε] / N_ep^β``)."""

    alpha_ext: float = 1.0
    alpha_int: float = 0.1
    beta: float = 3.0
    epsilon: float = 0.6  # soft labels near 0.5 are the annotator's coin flips
    min_labels: int = 8
    task: str | None = None  # default: info["task"] of each episode

    def validate(self) -> None:
        for name in ("alpha_ext", "alpha_int", "beta", "epsilon"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not 0 <= self.epsilon < 1:
            raise ValueError(f"epsilon must be in [0, 1), got {self.epsilon}")
        if self.min_labels < 2:
            raise ValueError(f"min_labels must be at least 2, got {self.min_labels}")


class LLMFeedback:
    """What :func:`agentgym.train` takes as ``intrinsic=``: the LLM to ask and the coefficients.

    Args:
        model: a client or a :func:`~agentgym.reward_synth.llm.make_client` spec (``local``,
            ``local:<path>``, ``openai:<model>@<url>``).
        mode: labeling mode (see :func:`make_labeler`).
        **config: :class:`IntrinsicConfig` fields.
    """

    kind = "llm-feedback"

    def __init__(self, model: LLMClient | str | None = "local", mode: str = "auto", **config: Any) -> None:
        self.model, self.mode = model, mode
        self.config = IntrinsicConfig(**config)
        self.config.validate()
        if mode not in ("auto", "score", "chat"):
            raise ValueError(f"labeling mode must be auto, score or chat, got {mode!r}")

    def to_dict(self) -> dict[str, Any]:
        model = self.model if isinstance(self.model, str) or self.model is None else getattr(self.model, "name", "client")
        return {"kind": self.kind, "model": model, "mode": self.mode, **asdict(self.config)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LLMFeedback:
        if data.get("kind") != cls.kind:
            raise ValueError(f"not an {cls.kind} intrinsic config: {dict(data)!r}")
        known = {f.name for f in fields(IntrinsicConfig)}
        return cls(data.get("model", "local"), data.get("mode", "auto"), **{k: v for k, v in data.items() if k in known})

    def build(self, num_envs: int, folder: str | Path | None = None, inner: Any = None) -> LLMFeedbackReward:
        """The rollout reward for a trainer with ``num_envs`` envs (labels kept in ``folder``)."""
        store = Path(folder) / LABELS_FILE if folder is not None else None
        annotator = AsyncAnnotator(make_labeler(self.model, self.mode), store)
        return LLMFeedbackReward(annotator, num_envs, self.config, inner=inner)


class LLMFeedbackReward:
    """The rollout reward (see :mod:`agentgym.trainers.rewards`) that adds the intrinsic term.

    Messages are read at each step (``info["message"]``, the final step's for envs that ended),
    counted per episode, and scored at :meth:`flush` with the labels that have arrived by then.
    ``inner`` is a rollout reward computed first (sandboxed reward code), whose result is then
    the extrinsic part.
    """

    def __init__(self, annotator: AsyncAnnotator, num_envs: int, config: IntrinsicConfig | None = None,
                 inner: Any = None) -> None:
        self.annotator, self.num_envs, self.inner = annotator, num_envs, inner
        self.config = config or IntrinsicConfig()
        self.config.validate()
        self.model = HelpfulnessModel(min_labels=self.config.min_labels)
        self._counts = [Counter[str]() for _ in range(num_envs)]
        self._tasks = [""] * num_envs
        self._steps: list[list[tuple[str, str, int]]] = []  # per step, per env: (task, message, episodic count)
        self._seen: set[tuple[str, str]] = set()
        self._paid = 0.0
        self._helpful_steps = 0

    # ------------------------------------------------------------ rollout reward protocol
    def reset(self, infos: Mapping[str, Any]) -> None:
        if MESSAGE_KEY not in infos:
            raise ValueError(f"LLM-feedback intrinsic rewards need envs that report info[{MESSAGE_KEY!r}] "
                             "(event messages: MiniGrid, its text view, text games); this env does not")
        self._counts = [Counter[str]() for _ in range(self.num_envs)]
        self._tasks = [self._task_of(infos, i) for i in range(self.num_envs)]
        self._steps = []
        if self.inner is not None:
            self.inner.reset(infos)

    def record(self, actions: np.ndarray, dones: np.ndarray, infos: Mapping[str, Any]) -> None:
        final = infos.get("final_info", {})
        row = []
        for i in range(self.num_envs):
            source = final if dones[i] else infos
            message = str(_at(source, MESSAGE_KEY, i) or "")
            task = self._tasks[i]
            count = 0
            if message:
                self._counts[i][message] += 1
                count = self._counts[i][message]
                if (task, message) not in self._seen:
                    self._seen.add((task, message))
                    self.annotator.submit(task, message)
            row.append((task, message, count))
            if dones[i]:  # the next episode starts: fresh counts, its own task
                self._counts[i] = Counter()
                self._tasks[i] = self._task_of(infos, i)
        self._steps.append(row)
        if self.inner is not None:
            self.inner.record(actions, dones, infos)

    @property
    def pending(self) -> int:
        return len(self._steps)

    def flush(self, env_rewards: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Rewards (T, N): α_ext times the extrinsic reward plus α_int times the intrinsic one."""
        self.annotator.check()
        if self.inner is not None:
            extrinsic, components = self.inner.flush(env_rewards)
        else:
            extrinsic, components = np.asarray(env_rewards, dtype=np.float64), {}
        self.model.update(self.annotator.labels())
        cfg = self.config
        intrinsic = np.zeros((len(self._steps), self.num_envs))
        for t, row in enumerate(self._steps):
            for i, (task, message, count) in enumerate(row):
                if count:
                    score = self.model.score(task, message)
                    if score > cfg.epsilon:
                        intrinsic[t, i] = score / count**cfg.beta
        self._steps = []
        self._paid += float(intrinsic.sum())
        self._helpful_steps += int((intrinsic > 0).sum())
        extrinsic = np.asarray(extrinsic, dtype=np.float64).reshape(intrinsic.shape)
        out = dict(components)
        out["extrinsic"] = cfg.alpha_ext * extrinsic
        out["intrinsic"] = cfg.alpha_int * intrinsic
        return out["extrinsic"] + out["intrinsic"], out

    def metrics(self) -> dict[str, float]:
        """Annotator and model statistics for the metrics log (``intrinsic/...``)."""
        labels = self.model.table
        return {
            "intrinsic/messages": float(len(self._seen)),
            "intrinsic/labelled": float(len(labels)),
            "intrinsic/pending": float(self.annotator.pending),
            "intrinsic/helpful_share": float(np.mean([v > self.config.epsilon for v in labels.values()])) if labels else 0.0,
            "intrinsic/classifier": float(self.model.fitted),
            "intrinsic/llm_errors": float(self.annotator.errors),
        }

    def close(self) -> None:
        self.annotator.close()
        if self.inner is not None and hasattr(self.inner, "close"):
            self.inner.close()

    def _task_of(self, infos: Mapping[str, Any], i: int) -> str:
        if self.config.task:
            return self.config.task
        return str(_at(infos, "task", i) or "")


def _at(infos: Mapping[str, Any], key: str, i: int) -> Any:
    """``infos[key][i]`` of a vector env's infos (None where absent)."""
    if key not in infos:
        return None
    mask = infos.get(f"_{key}")
    if mask is not None and not mask[i]:
        return None
    return infos[key][i]

