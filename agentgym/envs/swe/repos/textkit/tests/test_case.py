from textkit import slugify, split_words, to_camel, to_kebab, to_pascal, to_snake, to_title


def test_split_words_on_separators():
    assert split_words("  hello--big_world ") == ["hello", "big", "world"]


def test_split_words_on_camel_case_boundaries():
    assert split_words("fooBarBaz") == ["foo", "Bar", "Baz"]
    assert split_words("utf8Decoder") == ["utf8", "Decoder"]


def test_split_words_keeps_acronyms_together():
    assert split_words("getHTTPResponse") == ["get", "HTTP", "Response"]
    assert split_words("parseXML") == ["parse", "XML"]
    assert split_words("XMLId") == ["XML", "Id"]


def test_to_snake_and_kebab():
    assert to_snake("HTTPServerError") == "http_server_error"
    assert to_kebab("Hello World") == "hello-world"


def test_to_pascal_capitalizes_every_word():
    assert to_pascal("hello_big WORLD") == "HelloBigWorld"


def test_to_camel_lowercases_first_word():
    assert to_camel("XML http request") == "xmlHttpRequest"
    assert to_camel("__") == ""


def test_to_title_keeps_small_words_lowercase_inside():
    assert to_title("the lord of the rings") == "The Lord of the Rings"
    assert to_title("war AND peace") == "War and Peace"


def test_to_title_capitalizes_small_word_at_end():
    assert to_title("what it is for") == "What It Is For"


def test_slugify_lowercases_and_joins_words():
    assert slugify("  Hello, World!! 2024 ") == "hello-world-2024"
    assert slugify("Big Red Dog", sep="_") == "big_red_dog"


def test_slugify_removes_accents():
    assert slugify("Crème Brûlée à la café") == "creme-brulee-a-la-cafe"


def test_slugify_cuts_at_word_boundary_within_max_length():
    assert slugify("hello world again", max_length=11) == "hello-world"
    assert slugify("hello world again", max_length=10) == "hello"
    assert slugify("a bcdef", max_length=3) == "a"
    assert slugify("a b", max_length=3) == "a-b"


def test_slugify_hard_cuts_single_long_word():
    assert slugify("supercalifragilistic day", max_length=5) == "super"
