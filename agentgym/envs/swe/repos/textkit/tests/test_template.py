from dataclasses import dataclass

import pytest
from textkit import TemplateError, escape_html, placeholders, render


@dataclass
class User:
    name: str


def test_render_substitutes_placeholders():
    assert render("Hi {{name}}, you are {{ age }}.", {"name": "Ann", "age": 30}) == "Hi Ann, you are 30."
    assert render("{{a}}{{b}}", {"a": 1, "b": 2}) == "12"


def test_render_uses_default_for_missing_value():
    assert render("{{ city | Paris }}!", {}) == "Paris!"


def test_render_uses_default_for_none_but_prefers_real_value():
    assert render("{{city|Rome}}", {"city": None}) == "Rome"
    assert render("{{city|Rome}}", {"city": "Oslo"}) == "Oslo"


def test_render_missing_without_default_is_empty():
    assert render("[{{x}}]", {}) == "[]"


def test_render_strict_raises_for_missing_value_without_default():
    with pytest.raises(TemplateError) as info:
        render("ab {{x}}", {}, strict=True)
    assert info.value.position == 3
    assert render("{{x|-}}", {}, strict=True) == "-"


def test_render_looks_up_dotted_paths_in_mappings_and_objects():
    context = {"order": {"user": User("Bo")}}
    assert render("{{order.user.name}}/{{order.user.age|?}}", context) == "Bo/?"


def test_render_keeps_escaped_opening_braces_literal():
    assert render(r"\{{name}} is {{name}}", {"name": "Z"}) == "{{name}} is Z"
    assert render(r"\{{{{x}}", {"x": 1}) == "{{1"


def test_render_escapes_values_when_asked():
    assert render("<p>{{v}}</p>", {"v": "a<b & 'c'"}, escape=True) == "<p>a&lt;b &amp; &#x27;c&#x27;</p>"
    assert render("{{v}}", {"v": "<i>"}) == "<i>"


def test_render_rejects_unclosed_placeholder():
    with pytest.raises(TemplateError) as info:
        render("ok {{name", {"name": "x"})
    assert info.value.position == 3


def test_render_rejects_empty_placeholder():
    with pytest.raises(TemplateError) as info:
        render("{{}}", {})
    assert str(info.value) == "empty placeholder at position 0"
    with pytest.raises(TemplateError):
        render("{{ |x}}", {})


def test_escape_html_replaces_special_characters():
    assert escape_html('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"


def test_placeholders_lists_unique_names_in_order():
    assert placeholders(r"{{b}} {{a|1}} \{{c}} {{ b }}") == ["b", "a"]
