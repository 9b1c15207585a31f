import pytest
from humanfmt import from_roman, is_roman, to_roman


def test_to_roman_basic_symbols():
    assert to_roman(1) == "I"
    assert to_roman(5) == "V"
    assert to_roman(10) == "X"
    assert to_roman(50) == "L"
    assert to_roman(100) == "C"
    assert to_roman(500) == "D"
    assert to_roman(1000) == "M"


def test_to_roman_additive_and_subtractive_forms():
    assert to_roman(3) == "III"
    assert to_roman(4) == "IV"
    assert to_roman(8) == "VIII"
    assert to_roman(9) == "IX"
    assert to_roman(40) == "XL"
    assert to_roman(90) == "XC"
    assert to_roman(400) == "CD"
    assert to_roman(900) == "CM"


def test_to_roman_multi_digit_numbers():
    assert to_roman(1994) == "MCMXCIV"
    assert to_roman(2024) == "MMXXIV"
    assert to_roman(3999) == "MMMCMXCIX"
    assert to_roman(444) == "CDXLIV"


def test_to_roman_rejects_out_of_range_and_non_integers():
    with pytest.raises(ValueError):
        to_roman(0)
    with pytest.raises(ValueError):
        to_roman(4000)
    with pytest.raises(TypeError):
        to_roman(2.0)
    with pytest.raises(TypeError):
        to_roman(True)


def test_from_roman_parses_canonical_numerals():
    assert from_roman("MCMXCIV") == 1994
    assert from_roman("XLII") == 42
    assert from_roman("MMMCMXCIX") == 3999
    assert from_roman("I") == 1


def test_from_roman_is_case_insensitive_and_trims():
    assert from_roman("  mmxxiv ") == 2024
    assert from_roman("xIv") == 14


def test_from_roman_rejects_non_canonical_forms():
    for bad in ["IIII", "VV", "IC", "XM", "MMMM", "IIX", "VX", "LL"]:
        with pytest.raises(ValueError):
            from_roman(bad)


def test_from_roman_rejects_empty_and_foreign_characters():
    with pytest.raises(ValueError):
        from_roman("")
    with pytest.raises(ValueError):
        from_roman("XIZ")


def test_roman_round_trip_for_every_number():
    for n in range(1, 4000):
        assert from_roman(to_roman(n)) == n


def test_is_roman_reports_validity():
    assert is_roman("XIV") is True
    assert is_roman("IIV") is False
    assert is_roman("ABC") is False
    assert is_roman("") is False
