"""The small text games: Maze, Wordle, Twenty Questions (rules, rewards, oracles, malformed input, splits)."""

from __future__ import annotations

import itertools
import random
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym  # noqa: F401  (registers the envs)
from agentgym.core import get_compact_state, get_task_spec
from agentgym.envs.registration import CATALOG
from agentgym.envs.textgames.maze import MazeEnv, bfs_distances, generate_maze, parse_move
from agentgym.envs.textgames.splits import split_items
from agentgym.envs.textgames.twenty_questions import QuestionMatcher, TwentyQuestionsEnv, load_table
from agentgym.envs.textgames.wordle import WordleEnv, code_of, encode, load_words, pattern_codes, score

IDS = ["agentgym/Maze-v0", "agentgym/Maze-Partial-v0", "agentgym/Wordle-v0", "agentgym/TwentyQuestions-v0"]
FACTORIES = {"maze": MazeEnv, "maze-partial": lambda **kw: MazeEnv(observed="partial", **kw),
             "wordle": WordleEnv, "twenty-questions": TwentyQuestionsEnv}
TINY = ["#####",
        "#A..#",
        "###.#",
        "#G..#",
        "#####"]
MALFORMED = ["", "   ", "x" * 10_000, "\u2603 \u52d5\u7269 caf\u00e9?", "xyzzy plugh frobozz", "move move move"]


def _play(env, policy, seed: int, options=None):
    """Run one episode; return (rewards, infos, terminated, truncated)."""
    obs, info = env.reset(seed=seed, options=options)
    rewards, infos = [], [info]
    terminated = truncated = False
    while not (terminated or truncated):
        obs, reward, terminated, truncated, info = env.step(policy(env, info))
        assert env.observation_space.contains(obs)
        rewards.append(reward)
        infos.append(info)
    return rewards, infos, terminated, truncated


def _oracle(env, info):
    return env.oracle_action()


# ------------------------------------------------------------------- all three


@pytest.mark.parametrize("env_id", IDS)
def test_registered_and_gymnasium_checker_passes(env_id):
    env = gym.make(env_id)
    assert CATALOG[env_id].text and CATALOG[env_id].family == "textgames"
    assert env.spec.max_episode_steps == {"Maze": 100, "Wordle": 6, "TwentyQuestions": 21}[env_id.split("/")[1].split("-")[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env.unwrapped, skip_render_check=True)
    obs, info = env.reset(seed=0)
    assert {"task", "admissible_actions", "valid_action", "success", "progress", "message"} <= set(info)
    spec = get_task_spec(env)
    spec.validate_state(get_compact_state(env))
    env.step(info["admissible_actions"][0])
    spec.validate_state(get_compact_state(env))
    env.close()


@pytest.mark.parametrize("name", FACTORIES)
def test_same_seed_same_episode_and_seeds_vary(name):
    a, b = FACTORIES[name](), FACTORIES[name]()
    firsts = set()
    for seed in range(8):
        obs_a, info_a = a.reset(seed=seed)
        obs_b, info_b = b.reset(seed=seed)
        assert (obs_a, info_a) == (obs_b, info_b)
        for action in info_a["admissible_actions"][:3]:
            assert a.step(action)[:4] == b.step(action)[:4]
        firsts.add((obs_a, info_a["task"], getattr(a, "answer", None), getattr(a, "target", None)))
    assert len(firsts) > 1  # different seeds give different worlds / hidden words / objects


@pytest.mark.parametrize("name", FACTORIES)
def test_random_admissible_play_is_always_valid_and_progress_stays_in_range(name):
    env = FACTORIES[name]()
    spec = env.task_spec
    rng = random.Random(0)
    for seed in range(30):
        rewards, infos, _, _ = _play(env, lambda e, info: rng.choice(info["admissible_actions"]), seed)
        assert infos[0]["progress"] == 0.0
        for info in infos:
            assert info["valid_action"] is True
            assert 0.0 <= info["progress"] <= 1.0
            assert info["admissible_actions"]
        spec.validate_state(env.compact_state())
        if infos[-1]["success"]:
            assert infos[-1]["progress"] == 1.0


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("action", MALFORMED + [123, None, b"move up", ["move up"]])
def test_malformed_actions_are_invalid_with_a_helpful_message(name, action):
    env = FACTORIES[name]()
    obs0, _ = env.reset(seed=1)
    before = {k: v for k, v in env.compact_state().items() if k not in ("steps", "tries_used", "tries_left")}
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["valid_action"] is False and info["success"] is False
    assert obs.startswith("Invalid action: ") and env.observation_space.contains(obs)
    assert len(obs) < 2000  # a 10 kB action is not echoed back
    if isinstance(action, str):
        assert "guess" in obs or "move up" in obs  # says what a valid action looks like
    after = env.compact_state()
    for key, value in before.items():
        if key != "valid_action":
            assert np.array_equal(after[key], value), key
    assert not terminated and not truncated


@pytest.mark.parametrize("name", FACTORIES)
def test_render_mode_and_bad_kwargs(name):
    env = FACTORIES[name](render_mode="ansi")
    obs, info = env.reset(seed=0)
    assert env.render() == obs
    with pytest.raises(ValueError, match="render_mode"):
        FACTORIES[name](render_mode="rgb_array")
    with pytest.raises(ValueError, match="split"):
        FACTORIES[name](split="validation")


# ------------------------------------------------------------------------ Maze


def test_maze_tiny_layout_bfs_progress_rewards_and_bump_penalty():
    env = MazeEnv(size=5)
    obs, info = env.reset(seed=0, options={"layout": TINY})
    assert env.compact_state()["goal_distance"] == 6 and info["progress"] == 0.0
    # a bump: position unchanged, the penalty, still a valid action
    obs, reward, terminated, truncated, info = env.step("move up")
    assert (reward, terminated, info["valid_action"], info["message"]) == (-2.0, False, True, "bumped into a wall")
    assert env.agent == (1, 1) and env.compact_state()["bumped"] == 1
    rewards, progress = [], []
    while not env._success():
        obs, reward, terminated, truncated, info = env.step(env.oracle_action())
        rewards.append(reward)
        progress.append(info["progress"])
    assert rewards == [-1.0] * 5 + [0.0]
    assert progress == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0])
    assert terminated and info["success"] and obs.startswith("You reached the goal!")
    assert env.oracle_action() is None


def test_maze_invalid_command_costs_the_penalty_and_the_penalty_is_configurable():
    env = MazeEnv(size=5, illegal_move_penalty=-5.0)
    env.reset(seed=0, options={"layout": TINY})
    assert env.step("move left")[1] == -5.0
    obs, reward, _, _, info = env.step("jump")
    assert (reward, info["valid_action"]) == (-5.0, False) and "move up" in obs


def test_maze_synonyms():
    assert [parse_move(a) for a in ("up", "go north", "n", "move east", "w", "walk south")] == \
        ["up", "up", "up", "right", "left", "down"]
    assert parse_move("move diagonally") is None and parse_move("") is None
    env = MazeEnv(size=5)
    env.reset(seed=0, options={"layout": TINY})
    assert env.step("EAST")[1:4] == (-1.0, False, False) and env.agent == (1, 2)


def test_maze_full_and_partial_observations_differ_as_documented():
    full, partial = MazeEnv(observed="full"), MazeEnv(observed="partial")
    obs_f, info_f = full.reset(seed=4)
    obs_p, info_p = partial.reset(seed=4)
    assert np.array_equal(full.walls, partial.walls) and full.goal == partial.goal  # same world
    assert info_f["task"] == info_p["task"] and f"row {full.goal[0]}, column {full.goal[1]}" in info_f["task"]
    assert full.render_map() in obs_f and "#" in obs_f and "G" in obs_f
    assert "#" not in obs_p and "the goal is at" not in obs_p
    for obs in (obs_f, obs_p):
        assert f"You are at row {full.agent[0]}, column {full.agent[1]}" in obs and "Open: " in obs


def test_maze_generation_is_a_connected_bordered_maze():
    for seed in range(20):
        walls = generate_maze(np.random.default_rng(seed), 9, loop_fraction=0.0)
        assert walls[0].all() and walls[-1].all() and walls[:, 0].all() and walls[:, -1].all()
        opened = np.argwhere(~walls)
        dist = bfs_distances(walls, tuple(opened[0]))
        assert (dist[~walls] >= 0).all()  # connected
        edges = sum(not walls[r, c] and not walls[r + 1, c] for r in range(8) for c in range(9)) + \
            sum(not walls[r, c] and not walls[r, c + 1] for r in range(9) for c in range(8))
        assert edges == len(opened) - 1  # perfect: a tree
    looped = generate_maze(np.random.default_rng(0), 9, loop_fraction=1.0)
    assert (~looped).sum() > (~generate_maze(np.random.default_rng(0), 9)).sum()


def test_maze_oracle_always_solves_within_the_limit_and_splits_differ():
    env = MazeEnv()
    for seed in range(40):
        rewards, infos, terminated, _ = _play(env, _oracle, seed)
        assert terminated and infos[-1]["success"] and infos[-1]["progress"] == 1.0
        assert len(rewards) == env.compact_state()["initial_distance"]  # a shortest path
        assert len(rewards) <= 100 and rewards[-1] == 0.0 and all(r == -1.0 for r in rewards[:-1])
    train, test = MazeEnv(split="train"), MazeEnv(split="test")
    train.reset(seed=0)
    test.reset(seed=0)
    assert not np.array_equal(train.walls, test.walls) or train.agent != test.agent


def test_maze_truncates_at_its_own_limit_and_rejects_bad_kwargs():
    env = MazeEnv(size=5, max_steps=7)
    env.reset(seed=0, options={"layout": TINY})
    results = [env.step("move up") for _ in range(7)]
    assert [r[3] for r in results] == [False] * 6 + [True] and not any(r[2] for r in results)
    for kwargs in ({"size": 8}, {"size": 3}, {"size": "9"}, {"observed": "half"}, {"illegal_move_penalty": float("nan")},
                   {"loop_fraction": 2.0}, {"max_steps": 0}):
        with pytest.raises(ValueError):
            MazeEnv(**kwargs)
    with pytest.raises(ValueError, match="layout"):
        MazeEnv(size=5).reset(seed=0, options={"layout": ["#####"]})


# ---------------------------------------------------------------------- Wordle


def test_wordle_word_lists():
    answers, extra = load_words()
    assert len(answers) >= 500 and len(set(answers)) == len(answers) and not set(answers) & set(extra)
    assert all(len(w) == 5 and w.isascii() and w.isalpha() and w.islower() for w in answers + extra)
    assert {"speed", "abide", "there", "hello", "llama"} <= set(answers) and "eerie" in extra


@pytest.mark.parametrize(("guess", "answer", "expected"), [
    ("speed", "abide", "absent absent present absent present"),
    ("eerie", "there", "present absent present absent correct"),
    ("llama", "hello", "present present absent absent absent"),
    ("hello", "llama", "absent absent present present absent"),
    ("geese", "eerie", "absent correct present absent correct"),
    ("abide", "abide", "correct correct correct correct correct"),
])
def test_wordle_feedback_duplicate_letters(guess, answer, expected):
    names = ("absent", "present", "correct")
    assert " ".join(names[m] for m in score(guess, answer)) == expected
    assert pattern_codes(encode([guess]), encode([answer]))[0, 0] == code_of(score(guess, answer))


def test_wordle_vectorized_feedback_matches_the_reference():
    answers, extra = load_words()
    rng = random.Random(3)
    guesses = [rng.choice(answers + extra) for _ in range(60)]
    targets = [rng.choice(answers) for _ in range(60)]
    codes = pattern_codes(encode(guesses), encode(targets))
    for (i, g), (j, t) in itertools.product(enumerate(guesses), enumerate(targets)):
        assert codes[i, j] == code_of(score(g, t))


def test_wordle_admissible_lists_every_valid_guess_by_default():
    env = WordleEnv()
    _, info = env.reset(seed=0, options={"answer": "abide"})
    listed = info["admissible_actions"]
    assert len(listed) == len(env.dictionary) and "guess abide" in listed and "guess speed" in listed
    _, _, _, _, info = env.step("speed")
    assert info["admissible_actions"] == listed  # what is valid, not what is wise: no deduction leaks
    with pytest.raises(ValueError, match="admissible must be"):
        WordleEnv(admissible="some")


def test_wordle_observation_forms_and_rewards():
    env = WordleEnv(admissible="consistent")
    obs, info = env.reset(seed=0, options={"answer": "abide"})
    assert info["task"].startswith("Guess") and info["progress"] == 0.0
    obs, reward, terminated, _, info = env.step("GUESS: Speed")
    assert obs.splitlines()[0] == "Guess 1: SPEED -> s:absent p:absent e:present e:absent d:present  [--Y-Y]"
    assert "Tries left: 5 of 6." in obs and (reward, terminated, info["valid_action"]) == (0.0, False, True)
    assert 0.0 < info["progress"] < 1.0
    # every listed word is consistent with the feedback, and the answer is among the candidates
    assert len(info["admissible_actions"]) <= 50
    for action in info["admissible_actions"]:
        assert score("speed", action.split()[1]) == score("speed", "abide")
    assert "abide" in env.candidates()
    state = env.compact_state()
    assert state["last_feedback"].tolist() == [0, 0, 1, 0, 1] and state["yellows"] == 2 and state["greens"] == 0
    assert state["letter_status"][ord("s") - 97] == 0 and state["letter_status"][ord("e") - 97] == 1
    obs, reward, terminated, _, info = env.step("abide")
    assert (reward, terminated, info["success"], info["progress"]) == (1.0, True, True, 1.0)


def test_wordle_invalid_words_cost_a_try_and_six_tries_end_the_game():
    env = WordleEnv()
    env.reset(seed=0, options={"answer": "abide"})
    obs, reward, terminated, truncated, info = env.step("zzzzz")
    assert info["valid_action"] is False and "not a five-letter word in the word list" in obs
    assert "5 of 6 left" in obs and "Tries left: 5 of 6." in obs and env.compact_state()["tries_left"] == 5
    obs, *_ = env.step("guess toolong")
    assert "not a five-letter word" in obs
    for word in ("crane", "moist"):
        assert env.step(word)[2] is False
    env.step(42)  # a non-string action uses a try as well
    obs, reward, terminated, truncated, info = env.step("qqqqq")
    assert (terminated, truncated, info["success"]) == (True, False, False)
    assert "last try" in obs and "ABIDE" in obs
    with pytest.raises(RuntimeError):
        env.step("abide")
    # six wrong real words: terminated on the sixth, with the answer revealed
    env.reset(seed=0, options={"answer": "abide"})
    for i, word in enumerate(("crane", "moist", "plumb", "fight", "vowel", "quack")):
        obs, reward, terminated, truncated, info = env.step(word)
        assert terminated == (i == 5) and not truncated
    assert "Out of tries. The word was ABIDE." in obs and not info["success"]


def test_wordle_turn_penalty():
    env = WordleEnv(turn_penalty=True)
    env.reset(seed=0, options={"answer": "abide"})
    assert env.step("crane")[1] == -1.0
    assert env.step("xxxxx")[1] == -1.0
    assert env.step("abide")[1] == 0.0


def test_wordle_oracle_solves_the_test_split():
    env = WordleEnv(split="test")
    solved, tries = 0, []
    for answer in env.split_answers:
        rewards, infos, terminated, _ = _play(env, _oracle, 0, {"answer": answer})
        assert all(info["valid_action"] for info in infos)
        solved += infos[-1]["success"]
        tries.append(len(rewards))
    assert solved / len(env.split_answers) >= 0.95
    assert np.mean(tries) < 4.5


def test_wordle_splits_and_kwargs():
    answers, _ = load_words()
    train, test = split_items(answers, "train"), split_items(answers, "test")
    assert not set(train) & set(test) and len(train) + len(test) == len(answers)
    env = WordleEnv(split="test")
    hidden = set()
    for seed in range(30):
        env.reset(seed=seed)
        hidden.add(env.answer)
    assert hidden <= set(test) and len(hidden) > 10
    assert env.step(f"guess {train[0]}")[4]["valid_action"]  # every answer word is a valid guess in every split
    for kwargs in ({"max_guesses": 0}, {"turn_penalty": "yes"}, {"admissible_limit": 0}):
        with pytest.raises(ValueError):
            WordleEnv(**kwargs)
    with pytest.raises(ValueError, match="answer"):
        WordleEnv().reset(seed=0, options={"answer": "zzzzz"})


# ------------------------------------------------------------ Twenty Questions


def test_twenty_questions_table_is_rich_and_distinguishable():
    table = load_table()
    assert len(table.objects) >= 100 and len(table.features) >= 30
    assert len(set(table.objects)) == len(table.objects) and all(o == o.lower() for o in table.objects)
    assert len(set(table.categories)) >= 8
    for i, j in itertools.combinations(range(len(table.objects)), 2):
        assert (table.answers[i] != table.answers[j]).any(), (table.objects[i], table.objects[j])
    yes = table.answers.sum(axis=0)
    assert (yes > 0).all() and (yes < len(table.objects)).all()  # every question splits the table


@pytest.mark.parametrize(("text", "feature"), [
    ("Is it alive?", "alive"), ("is it alive", "alive"), ("Is it a living thing?", "alive"),
    ("Is it an animal?", "animal"), ("Does it have wheels", "wheels"), ("Can it swim?", "lives_in_water"),
    ("Is it made of metal?", "metal"), ("Is it man-made?", "man_made"), ("Is it bigger than a car?", "bigger_than_car"),
    ("Is it larger than a human?", "bigger_than_person"), ("Can you eat it?", "edible"), ("Do you wear it?", "wearable"),
    ("Can you play music with it?", "instrument"), ("Does it use batteries?", "electric"),
])
def test_twenty_questions_free_text_matching(text, feature):
    table = load_table()
    assert table.features[QuestionMatcher(table).match(text)] == feature


def test_twenty_questions_questions_guesses_and_rewards():
    env = TwentyQuestionsEnv()
    obs, info = env.reset(seed=0, options={"object": "dog"})
    assert all(a.startswith("ask: ") for a in info["admissible_actions"])  # many objects remain: no guesses listed
    obs, reward, _, _, info = env.step("Is it alive?")
    assert obs.startswith("Is it alive? Yes.") and reward == -1.0 and info["message"] == "yes"
    assert "ask: is it alive?" not in info["admissible_actions"]
    assert env.compact_state()["answers"][env.table.features.index("alive")] == 1
    obs, reward, _, _, info = env.step("ask: is it alive?")  # asked twice: invalid, the answer is repeated
    assert info["valid_action"] is False and "the answer was yes" in obs and reward == -1.0
    obs, reward, _, _, info = env.step("what is your favourite colour")
    assert info["valid_action"] is False and "ask: is it an animal?" in obs
    obs, reward, _, _, info = env.step("guess: unicorn")
    assert info["valid_action"] is False and "not an object" in obs
    obs, reward, terminated, _, info = env.step("is it a cat?")  # names an object: a guess
    assert obs.startswith("No, it is not a cat.") and reward == -1.0 and not terminated
    assert "cat" not in env.candidates() and env.compact_state()["wrong_guesses"] == 1
    while len(env.candidates()) > 10:
        env.step(env.oracle_action())
    info = env._info()
    assert {f"guess: {name}" for name in env.candidates()} <= set(info["admissible_actions"])
    obs, reward, terminated, _, info = env.step("guess dog")
    assert (reward, terminated, info["success"], info["progress"]) == (0.0, True, True, 1.0)


def test_twenty_questions_question_limit_and_truncation():
    env = TwentyQuestionsEnv(max_questions=3)
    env.reset(seed=0, options={"object": "piano"})
    for action in env._info()["admissible_actions"][:3]:
        env.step(action)
    info = env._info()
    assert info["admissible_actions"] and all(a.startswith("guess: ") for a in info["admissible_actions"])
    obs, _, _, truncated, info = env.step("ask: is it a tool?")
    assert info["valid_action"] is False and "used all 3 questions" in obs and truncated
    env = TwentyQuestionsEnv()
    env.reset(seed=0, options={"object": "piano"})
    flags = [env.step("guess: dog")[3] for _ in range(21)]
    assert flags == [False] * 20 + [True]


def test_twenty_questions_oracle_finds_every_object():
    env = TwentyQuestionsEnv(split="all")
    for name in env.table.objects:
        rewards, infos, terminated, _ = _play(env, _oracle, 0, {"object": name})
        assert terminated and infos[-1]["success"] and len(rewards) <= 21, name
        assert infos[0]["progress"] == 0.0 and infos[-1]["progress"] == 1.0
        assert rewards[-1] == 0.0 and all(r == -1.0 for r in rewards[:-1])
        assert all(info["valid_action"] for info in infos)


def test_twenty_questions_splits_and_kwargs():
    table = load_table()
    train, test = set(split_items(table.objects, "train")), set(split_items(table.objects, "test"))
    assert train and test and not train & test and train | test == set(table.objects)
    env = TwentyQuestionsEnv(split="test")
    hidden = set()
    for seed in range(40):
        env.reset(seed=seed)
        hidden.add(env.hidden_object)
    assert hidden <= test and len(hidden) > 5
    for kwargs in ({"max_questions": 0}, {"list_guesses_below": -1}):
        with pytest.raises(ValueError):
            TwentyQuestionsEnv(**kwargs)
    with pytest.raises(ValueError, match="object"):
        TwentyQuestionsEnv().reset(seed=0, options={"object": "unicorn"})
