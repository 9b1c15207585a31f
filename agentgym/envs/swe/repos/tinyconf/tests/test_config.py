import pytest
from tinyconf import Config, ConfigError, parse

TEXT = """
[defaults]
timeout = 30
debug = no

[server]
port = 8080
ratio = 0.75
debug = yes
name = main
title = "Main server"
hosts = [a, b]
empty =
"""


@pytest.fixture
def cfg():
    return parse(TEXT)


def test_get_falls_back_to_defaults_section(cfg):
    assert cfg.get("server", "timeout") == 30
    assert cfg.get("server", "debug") is True
    assert cfg.get("missing", "debug") is False


def test_get_missing_key_raises_or_returns_fallback(cfg):
    with pytest.raises(ConfigError, match="no option 'nope' in section 'server'"):
        cfg.get("server", "nope")
    assert cfg.get("server", "nope", fallback=None) is None
    assert cfg.get("server", "nope", "dflt") == "dflt"


def test_has_checks_section_and_defaults(cfg):
    assert cfg.has("server", "port")
    assert cfg.has("server", "timeout")
    assert not cfg.has("server", "nope")
    assert cfg.has_section("server")
    assert not cfg.has_section("client")


def test_get_int_accepts_only_integers(cfg):
    assert cfg.get_int("server", "port") == 8080
    assert cfg.get_int("server", "nope", fallback=5) == 5
    with pytest.raises(ConfigError, match="server.ratio is not an integer"):
        cfg.get_int("server", "ratio")
    with pytest.raises(ConfigError, match="not an integer"):
        cfg.get_int("server", "debug")


def test_get_float_widens_integers(cfg):
    assert cfg.get_float("server", "ratio") == 0.75
    assert cfg.get_float("server", "port") == 8080.0
    assert isinstance(cfg.get_float("server", "port"), float)
    assert cfg.get_float("server", "nope", 1.5) == 1.5
    with pytest.raises(ConfigError, match="not a number"):
        cfg.get_float("server", "name")
    with pytest.raises(ConfigError, match="not a number"):
        cfg.get_float("server", "debug")


def test_get_bool_accepts_only_booleans(cfg):
    assert cfg.get_bool("server", "debug") is True
    assert cfg.get_bool("server", "nope", fallback=False) is False
    with pytest.raises(ConfigError, match="server.port is not a boolean"):
        cfg.get_bool("server", "port")


def test_get_str_renders_scalars_and_rejects_lists(cfg):
    assert cfg.get_str("server", "name") == "main"
    assert cfg.get_str("server", "title") == "Main server"
    assert cfg.get_str("server", "port") == "8080"
    assert cfg.get_str("server", "debug") == "true"
    assert cfg.get_str("server", "nope", "x") == "x"
    with pytest.raises(ConfigError, match="is a list"):
        cfg.get_str("server", "hosts")


def test_get_list_wraps_scalars_and_copies_lists(cfg):
    hosts = cfg.get_list("server", "hosts")
    assert hosts == ["a", "b"]
    hosts.append("c")
    assert cfg.get_list("server", "hosts") == ["a", "b"]
    assert cfg.get_list("server", "port") == [8080]
    assert cfg.get_list("server", "empty") == []
    assert cfg.get_list("server", "nope", fallback=[]) == []


def test_typed_getter_without_fallback_raises_for_missing_key(cfg):
    with pytest.raises(ConfigError):
        cfg.get_int("server", "nope")
    with pytest.raises(ConfigError):
        cfg.get_list("server", "nope")


def test_keys_and_items_merge_defaults(cfg):
    assert cfg.keys("server") == ["port", "ratio", "debug", "name", "title", "hosts", "empty"]
    items = cfg.items("server")
    assert items["timeout"] == 30
    assert items["debug"] is True
    assert len(items) == 8
    with pytest.raises(ConfigError, match="no section 'client'"):
        cfg.keys("client")


def test_custom_defaults_section_name():
    cfg = parse("[base]\nx = 1\n[s]\ny = ${x}\n", default_section="base")
    assert cfg.get("s", "x") == 1
    assert cfg.get("s", "y") == 1


def test_set_creates_sections_and_validates_names():
    cfg = Config()
    cfg.set("a.b", "k", 3)
    assert cfg.sections() == ["a.b"]
    assert cfg.get("a.b", "k") == 3
    with pytest.raises(ConfigError, match="invalid key"):
        cfg.set("a", "bad key", 1)
    with pytest.raises(ConfigError, match="invalid section name"):
        cfg.set("a b", "k", 1)


def test_add_section_rejects_duplicates():
    cfg = Config({"a": {}})
    with pytest.raises(ConfigError, match="duplicate section"):
        cfg.add_section("a")


def test_equality_and_to_dict(cfg):
    assert cfg == parse(TEXT)
    assert cfg != parse("[server]\nport = 1\n")
    assert cfg != "not a config"
    assert (cfg == "not a config") is False
    data = cfg.to_dict()
    data["server"]["port"] = 1
    assert cfg.get("server", "port") == 8080
    assert Config(cfg.to_dict()) == cfg


def test_repr_shows_sections():
    assert repr(Config({"a": {"x": 1}})) == "Config({'a': {'x': 1}})"
