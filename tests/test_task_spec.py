import numpy as np
import pytest

from agentgym.core import StateField, TaskSpec

SPEC = TaskSpec(
    name="Reach",
    task="Move the point to the origin.",
    state_fields=(
        StateField("pos", (2,), "m", "x and y position"),
        StateField("speed", (), "m/s", "speed of the point"),
        StateField("steps", (), "steps", "time step", "int64"),
    ),
    action_meaning="2-d velocity command in m/s, each in [-1, 1]",
    success_criterion="norm(pos) < 0.05",
    notes="dt = 0.1 s",
)


def test_validate_state_accepts_right_shapes_and_names_what_is_wrong():
    SPEC.validate_state({"pos": np.zeros(2), "speed": np.array(0.0), "steps": np.array(3)})
    SPEC.validate_state({"pos": np.zeros((5, 2)), "speed": np.zeros(5), "steps": np.zeros(5)}, batched=True)
    with pytest.raises(ValueError, match=r"misses fields \['speed'\]"):
        SPEC.validate_state({"pos": np.zeros(2), "steps": np.array(1)})
    with pytest.raises(ValueError, match=r"'pos' .* shape \(3,\), expected \(2,\)"):
        SPEC.validate_state({"pos": np.zeros(3), "speed": np.array(0.0), "steps": np.array(1)})


def test_render_and_prompt_carry_every_field_and_the_success_test():
    text = SPEC.render()
    for needle in ["Move the point", "pos", "shape (2,)", "[m/s]", "norm(pos) < 0.05", "dt = 0.1 s"]:
        assert needle in text
    prompt = SPEC.to_prompt()
    assert prompt.startswith("class State:")
    assert "    pos: np.ndarray  # shape (2,), float64" in prompt
    assert "    speed: float" in prompt and "    steps: int64" in prompt
    assert "# Success: norm(pos) < 0.05" in prompt


def test_bad_specs_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        TaskSpec("x", "t", (StateField("a", (), "u", "m"), StateField("a", (), "u", "m")), "a", "s")
    with pytest.raises(ValueError, match="identifier"):
        StateField("not a name", (), "u", "m")
    with pytest.raises(KeyError, match="no state field 'nope'"):
        SPEC.field("nope")


def test_to_dict_round_trips_the_fields():
    d = SPEC.to_dict()
    assert [f["name"] for f in d["state_fields"]] == ["pos", "speed", "steps"]
    assert d["state_fields"][0]["shape"] == [2]
