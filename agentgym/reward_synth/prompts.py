"""Prompts for reward synthesis: the task, the state, the contract, the rules, and the feedback.

The first round's user message holds the task in words, the env's TaskSpec as a Pythonic
``class State`` (Text2Reward style), the required signature (the total and named components,
Eureka style), the rules, and optional few-shot examples. Later rounds add the best candidate
of the previous round with its reward reflection (how each component and the success rate
moved during training, how failed episodes ended), or the errors that sank every candidate.

Example:
    >>> from agentgym.core import StateField, TaskSpec
    >>> spec = TaskSpec("Reach", "Move the point to the origin.", (StateField("pos", (2,), "m", "position"),),
    ...                 "2-d velocity", "norm(pos) < 0.05")
    >>> messages = build_messages(spec)
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> "def compute_reward(state, action, next_state, info)" in messages[1]["content"]
    True
"""

from __future__ import annotations

from collections.abc import Sequence

from agentgym.core import TaskSpec
from agentgym.core.reward import ALLOWED_IMPORTS

SYSTEM = (
    "You are a reward engineer for reinforcement learning. You write Python reward functions that "
    "make a policy learn the task quickly and reliably. You answer with one Python code block."
)

SIGNATURE = '''\
def compute_reward(state, action, next_state, info):
    """Reward of one transition: state --action--> next_state.

    state, next_state: dicts of numpy arrays with the fields of class State above.
    action: the action the agent took. info: the env's info dict of this step.
    Returns (total, components): total is a float; components maps a short name to the float
    value of each term, so that training can log each one (their sum should be the total).
    """'''

RULES = """\
Rules:
1. Use only the fields of State (state[...] and next_state[...]), the action, and numpy. Do not invent fields.
2. Imports: only {imports}. No files, no printing, no randomness, no global state between calls.
3. Return (total, {{name: value}}) with plain floats; never NaN or infinity.
4. Keep each term's typical per-step magnitude within about [-1, 1] and weigh the terms deliberately; \
an episode lasts many steps, so per-step terms add up.
5. When a term goes through a transformation such as np.exp or np.tanh, give it a named temperature \
constant (e.g. temp_distance = 0.5) and use it inside the transformation.
6. Reward progress toward the success test, and the success itself clearly more than anything else.
7. Answer with exactly one ```python code block that defines compute_reward (helpers are allowed)."""

FEEDBACK_INTRO = """\
We trained a policy with each reward function you wrote. The best one, and what happened in its \
training, follow. The values were sampled at about ten points in training; "success" is the \
ground-truth success rate of training episodes, the measure that counts."""

FEEDBACK_ADVICE = """\
Study the curves before you write:
- If the success rate stays near zero, rethink the reward: what should the agent do first?
- If a component barely changes, the agent cannot learn from it: rescale it, reshape it, or drop it.
- If one component dwarfs the others, rescale it (or its temperature).
- If failed episodes end the same way again and again, reward avoiding that ending.
Write an improved reward function."""

ERRORS_INTRO = """\
None of your reward functions could be trained. Each was stopped by the checks below; the \
messages point at the line that failed. Fix the problems and write a new reward function."""


def task_message(spec: TaskSpec, task: str | None = None, examples: Sequence[str] = ()) -> str:
    """The first round's user message."""
    parts = [
        f"Write a reward function for this task: {task or spec.task}",
        "",
        "The environment's compact state:",
        "```python",
        spec.to_prompt(),
        "```",
        "",
        "The function must have this signature:",
        "```python",
        SIGNATURE,
        "```",
        "",
        RULES.format(imports=", ".join(sorted(ALLOWED_IMPORTS))),
    ]
    for i, example in enumerate(examples, 1):
        parts += ["", f"Example {i} of a reward function (for another task):", "```python", example.strip(), "```"]
    return "\n".join(parts)


def feedback_message(code: str, reflection: str) -> str:
    """The next round's feedback: the best candidate's code and its reward reflection."""
    return "\n".join([FEEDBACK_INTRO, "", "```python", code.strip(), "```", "", reflection.strip(), "",
                      FEEDBACK_ADVICE])


def errors_message(errors: Sequence[tuple[str, str]]) -> str:
    """The next round's feedback when no candidate trained: (code, error) pairs, deduplicated by error."""
    parts = [ERRORS_INTRO]
    seen: set[str] = set()
    for code, error in errors:
        if error in seen:
            continue
        seen.add(error)
        parts += ["", "```python", code.strip() or "# (no code found in the reply)", "```", f"Error: {error.strip()}"]
        if len(seen) == 3:
            break
    return "\n".join(parts)


def build_messages(spec: TaskSpec, task: str | None = None, *, examples: Sequence[str] = (),
                   feedback: str | None = None) -> list[dict[str, str]]:
    """The chat messages of one round: system, the task, and (after round one) the feedback."""
    user = task_message(spec, task, examples)
    if feedback:
        user = f"{user}\n\n{feedback}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
