import pytest
from tinyconf import ConfigError, parse


def test_sections_with_equals_and_colon_separators():
    cfg = parse("[server]\nhost = example.org\nport: 8080\ntight=on\nnum:8080\n")
    assert cfg.get("server", "host") == "example.org"
    assert cfg.get("server", "port") == 8080
    assert cfg.get("server", "tight") is True
    assert cfg.get("server", "num") == 8080


def test_value_may_contain_the_other_separator():
    cfg = parse("[s]\nurl = http://x.org:80/a\nratio: 1=2\n")
    assert cfg.get("s", "url") == "http://x.org:80/a"
    assert cfg.get("s", "ratio") == "1=2"


def test_full_line_comments_and_blank_lines_are_ignored():
    text = "# top\n; also a comment\n\n[a]\n   # indented comment\nx = 1\n"
    cfg = parse(text)
    assert cfg.sections() == ["a"]
    assert cfg.keys("a") == ["x"]


def test_inline_comments_need_leading_whitespace():
    cfg = parse("[a]\nx = 5  # five\ny = semi;colon ; note\nz = a#b\nw = a# b\nv =# only a comment\n")
    assert cfg.get("a", "x") == 5
    assert cfg.get("a", "y") == "semi;colon"
    assert cfg.get("a", "z") == "a#b"
    assert cfg.get("a", "w") == "a# b"
    assert cfg.get("a", "v") == ""


def test_comment_markers_inside_quotes_are_kept():
    cfg = parse('[a]\nx = "keep # this ; too"  # drop\nq = "\\"" ; quote\ne = "say \\"hi\\" # still" # gone\n')
    assert cfg.get("a", "x") == "keep # this ; too"
    assert cfg.get("a", "q") == '"'
    assert cfg.get("a", "e") == 'say "hi" # still'


def test_section_header_may_have_comment():
    cfg = parse("[main]  # primary\nk = v\n")
    assert cfg.sections() == ["main"]


def test_nested_sections_use_dotted_names():
    cfg = parse("[db]\nname = app\n[db.primary]\nhost = a\n[db.replica]\nhost = b\n[db.replica.lag]\nmax = 3\n")
    assert cfg.get("db.primary", "host") == "a"
    assert cfg.subsections("db") == ["db.primary", "db.replica"]
    assert cfg.subsections("db.replica") == ["db.replica.lag"]


def test_indented_lines_continue_previous_value():
    cfg = parse("[a]\nmotd = first line\n    second line\n\tthird line\nnext = 1\n")
    assert cfg.get("a", "motd") == "first line\nsecond line\nthird line"
    assert cfg.get("a", "next") == 1


def test_multi_line_value_may_start_on_the_next_line():
    cfg = parse('[a]\nitems =\n    [1,\n     2,  # two\n     3]\nnote =\n    "a ; b"  ; c\n')
    assert cfg.get("a", "items") == [1, 2, 3]
    assert cfg.get("a", "note") == "a ; b"


def test_blank_line_ends_a_multi_line_value():
    with pytest.raises(ConfigError) as info:
        parse("[a]\nx = 1\n\n  y\n")
    assert info.value.line == 4


def test_indented_line_right_after_header_is_an_error():
    with pytest.raises(ConfigError, match="line 4: unexpected indentation"):
        parse("[a]\nx = 1\n[b]\n  y\n")


def test_empty_value_is_empty_string():
    assert parse("[a]\nx =\n").get("a", "x") == ""


def test_key_outside_section_reports_line():
    with pytest.raises(ConfigError) as info:
        parse("# c\nx = 1\n")
    assert info.value.line == 2
    assert str(info.value) == "line 2: key outside of any section"


def test_line_without_separator_is_an_error():
    with pytest.raises(ConfigError, match="line 3: expected 'key = value'"):
        parse("[a]\nx = 1\njust words\n")


def test_bad_section_headers_are_errors():
    with pytest.raises(ConfigError, match="line 1: section header is missing"):
        parse("[open\n")
    with pytest.raises(ConfigError, match="line 2: invalid section name"):
        parse("\n[bad name]\n")
    with pytest.raises(ConfigError, match="invalid section name"):
        parse("[a..b]\n")


def test_invalid_key_is_an_error():
    with pytest.raises(ConfigError, match="line 2: invalid key"):
        parse("[a]\nmy key = 1\n")
    with pytest.raises(ConfigError, match="line 2: invalid key ''"):
        parse("[a]\n= 5\n")


def test_duplicate_sections_and_keys_are_errors():
    with pytest.raises(ConfigError, match="line 3: duplicate section"):
        parse("[a]\nx = 1\n[a]\n")
    with pytest.raises(ConfigError, match="line 3: duplicate key"):
        parse("[a]\nx = 1\nx = 2\n")


def test_value_errors_report_the_key_line():
    with pytest.raises(ConfigError) as info:
        parse('[a]\nok = 1\nbad = "oops\n')
    assert info.value.line == 3
    assert info.value.message == "unterminated string"
