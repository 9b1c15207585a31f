from tinyconf import Config, dump, parse


def test_dump_writes_sections_and_formatted_values():
    cfg = Config({"server": {"host": "localhost", "port": 80, "on": True}, "paths": {"dirs": ["a", "b c"]}})
    assert dump(cfg) == '[server]\nhost = localhost\nport = 80\non = true\n\n[paths]\ndirs = [a, "b c"]\n'


def test_dump_of_empty_config_is_empty_text():
    assert dump(Config()) == ""


def test_dump_keeps_empty_sections():
    cfg = Config({"a": {}, "b": {"x": 1}})
    assert dump(cfg) == "[a]\n\n[b]\nx = 1\n"
    assert parse(dump(cfg)) == cfg


def test_round_trip_of_parsed_file_with_interpolation():
    text = "[defaults]\nroot = /srv\n[web]\ndocs = ${root}/docs  # c\nport: 81\nmotd = hi\n  there\n"
    cfg = parse(text)
    assert parse(dump(cfg)) == cfg
    assert parse(dump(cfg)).get("web", "motd") == "hi\nthere"


def test_round_trip_preserves_tricky_strings():
    values = {
        "quote": 'say "hi"',
        "dollar": "${not.a.ref} $$",
        "comment": "x # y ; z",
        "boolish": "off",
        "numeric": "12",
        "spaces": "  padded ",
        "newline": "a\nb",
        "slash": "C:\\temp",
        "empty": "",
    }
    cfg = Config({"s": values})
    again = parse(dump(cfg))
    assert again == cfg
    assert again.get("s", "dollar") == "${not.a.ref} $$"


def test_round_trip_preserves_numbers_bools_and_nested_lists():
    cfg = Config({"n": {"i": -3, "f": 1e-07, "big": 1e20, "b": False, "l": [[1, "x y"], [], [True, 2.5]]}})
    again = parse(dump(cfg))
    assert again == cfg
    assert isinstance(again.get("n", "f"), float)
    assert again.get("n", "l") == [[1, "x y"], [], [True, 2.5]]


def test_round_trip_of_nested_sections():
    cfg = parse("[a]\nx = 1\n[a.b]\ny = 2\n[a.b.c]\nz = [q]\n")
    again = parse(dump(cfg))
    assert again.sections() == ["a", "a.b", "a.b.c"]
    assert again == cfg
