import pytest
from tinyconf import ConfigError, parse


def test_reference_to_other_section_inside_text():
    cfg = parse("[net]\nhost = example.org\n[app]\nurl = http://${net.host}/api\n")
    assert cfg.get("app", "url") == "http://example.org/api"


def test_whole_value_reference_keeps_the_type():
    cfg = parse('[a]\nport = 8080\nname = "yes"\ntags = [x, y]\n[b]\np = ${a.port}\nn = ${a.name}\nt = ${a.tags}\n')
    assert cfg.get("b", "p") == 8080
    assert cfg.get("b", "n") == "yes"
    assert cfg.get("b", "t") == ["x", "y"]


def test_whole_value_reference_copies_lists():
    cfg = parse("[a]\ntags = [1]\n[b]\nt = ${a.tags}\n")
    assert cfg.get("b", "t") is not cfg.get("a", "tags")


def test_reference_without_section_uses_current_section():
    cfg = parse("[a]\nuser = bob\nhome = /home/${user}\nspaced = ${ a.user }\n")
    assert cfg.get("a", "home") == "/home/bob"
    assert cfg.get("a", "spaced") == "bob"


def test_reference_falls_back_to_defaults_section():
    cfg = parse("[defaults]\nroot = /srv\n[web]\ndocs = ${root}/docs\nlogs = ${web.root}/logs\n")
    assert cfg.get("web", "docs") == "/srv/docs"
    assert cfg.get("web", "logs") == "/srv/logs"


def test_substituted_text_is_typed_after_expansion():
    cfg = parse("[a]\nlow = 1\nhigh = 5\nrange = [${low}, ${high}]\nsum = 1${low}\n")
    assert cfg.get("a", "range") == [1, 5]
    assert cfg.get("a", "sum") == 11


def test_non_string_values_are_inserted_as_config_text():
    cfg = parse('[a]\nflag = on\nmsg = flag is ${flag}\nwho = "big world"\nhi = hello ${who}!\n')
    assert cfg.get("a", "msg") == "flag is true"
    assert cfg.get("a", "hi") == "hello big world!"


def test_chained_references_resolve_regardless_of_order():
    cfg = parse("[a]\nz = ${y}!\ny = ${x}${x}\nx = ab\n")
    assert cfg.get("a", "z") == "abab!"


def test_references_into_dotted_section_names():
    cfg = parse("[db.primary]\nhost = h1\n[app]\ndsn = pg://${db.primary.host}\n")
    assert cfg.get("app", "dsn") == "pg://h1"


def test_double_dollar_is_a_literal_dollar():
    cfg = parse('[a]\nx = 1\nprice = "$$5 and $${x}"\nlone = a$b\ntrail = 5$$\n')
    assert cfg.get("a", "price") == "$5 and ${x}"
    assert cfg.get("a", "lone") == "a$b"
    assert cfg.get("a", "trail") == "5$"


def test_unknown_reference_is_an_error_with_line():
    with pytest.raises(ConfigError) as info:
        parse("[a]\nx = 1\ny = ${nope.x}\n")
    assert info.value.line == 3
    assert "unknown reference ${nope.x}" in str(info.value)


def test_unterminated_reference_is_an_error():
    with pytest.raises(ConfigError, match="line 2: unterminated reference"):
        parse("[a]\nx = ${oops\n")


def test_self_reference_is_a_cycle():
    with pytest.raises(ConfigError, match="interpolation cycle: a.x -> a.x"):
        parse("[a]\nx = ${x}\n")


def test_longer_cycle_is_reported_with_its_path():
    text = "[a]\nx = ${b.y}\n[b]\ny = pre ${c.z}\n[c]\nz = ${a.x} post\n"
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.message == "interpolation cycle: a.x -> b.y -> c.z -> a.x"
    assert info.value.line == 2
