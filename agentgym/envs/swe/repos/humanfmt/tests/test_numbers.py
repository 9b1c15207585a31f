import pytest
from humanfmt import compact_number, format_bytes, format_number, ordinal, parse_bytes
from humanfmt.numbers import group_digits


def test_format_bytes_small_sizes_are_whole_bytes():
    assert format_bytes(0) == "0 B"
    assert format_bytes(999) == "999 B"
    assert format_bytes(1023, binary=True) == "1023 B"


def test_format_bytes_uses_decimal_units_by_default():
    assert format_bytes(1000) == "1.0 kB"
    assert format_bytes(1500) == "1.5 kB"
    assert format_bytes(2_500_000) == "2.5 MB"
    assert format_bytes(3 * 10**12) == "3.0 TB"


def test_format_bytes_binary_units():
    assert format_bytes(1024, binary=True) == "1.0 KiB"
    assert format_bytes(1536, binary=True) == "1.5 KiB"
    assert format_bytes(5 * 1024**3, binary=True) == "5.0 GiB"


def test_format_bytes_precision_controls_decimals():
    assert format_bytes(1234567, precision=3) == "1.235 MB"
    assert format_bytes(1234567, precision=0) == "1 MB"
    with pytest.raises(ValueError):
        format_bytes(10, precision=-1)


def test_format_bytes_rounding_carries_into_next_unit():
    assert format_bytes(999_960) == "1.0 MB"
    assert format_bytes(999_940) == "999.9 kB"


def test_format_bytes_largest_unit_does_not_overflow():
    assert format_bytes(5 * 10**18) == "5000.0 PB"
    assert format_bytes(999_999 * 10**15) == "999999.0 PB"
    assert format_bytes(3 * 1024**6, binary=True) == "3072.0 PiB"


def test_format_bytes_negative_sizes_keep_sign():
    assert format_bytes(-1500) == "-1.5 kB"
    assert format_bytes(-12) == "-12 B"
    assert format_bytes(-1) == "-1 B"


def test_parse_bytes_reads_units_case_insensitively():
    assert parse_bytes("1.5 kB") == 1500
    assert parse_bytes("2KiB") == 2048
    assert parse_bytes("3 mb") == 3_000_000
    assert parse_bytes(" 300 ") == 300
    assert parse_bytes("1 GiB") == 1024**3


def test_parse_bytes_rejects_bad_input():
    with pytest.raises(ValueError):
        parse_bytes("kB")
    with pytest.raises(ValueError):
        parse_bytes("1.2.3 kB")
    with pytest.raises(ValueError):
        parse_bytes("5 parsecs")
    with pytest.raises(ValueError):
        parse_bytes("-5 kB")
    with pytest.raises(ValueError):
        parse_bytes(".")


def test_group_digits_from_the_right():
    assert group_digits("1") == "1"
    assert group_digits("123") == "123"
    assert group_digits("1234") == "1,234"
    assert group_digits("1234567", " ") == "1 234 567"
    assert group_digits("123456", ".", 2) == "12.34.56"


def test_format_number_adds_thousands_separators():
    assert format_number(1234567) == "1,234,567"
    assert format_number(999) == "999"
    assert format_number(1000) == "1,000"


def test_format_number_rounds_half_away_from_zero():
    assert format_number(2.5) == "3"
    assert format_number(-2.5) == "-3"
    assert format_number(2.675, 2) == "2.68"
    assert format_number(1234.5678, 2) == "1,234.57"
    assert format_number(1234.56, 1) == "1,234.6"


def test_format_number_pads_decimals_and_custom_marks():
    assert format_number(1234.5, 2, separator=".", point=",") == "1.234,50"
    assert format_number(7, 3) == "7.000"
    with pytest.raises(ValueError):
        format_number(1, -1)


def test_format_number_small_negative_rounds_to_plain_zero():
    assert format_number(-0.4) == "0"
    assert format_number(-0.6) == "-1"
    assert format_number(-1234.4) == "-1,234"


def test_compact_number_abbreviates_thousands_and_millions():
    assert compact_number(999) == "999"
    assert compact_number(1000) == "1K"
    assert compact_number(1234) == "1.2K"
    assert compact_number(2_500_000) == "2.5M"
    assert compact_number(7_000_000_000) == "7B"


def test_compact_number_rounding_carries_and_sign():
    assert compact_number(999_950) == "1M"
    assert compact_number(-1500) == "-1.5K"
    assert compact_number(12_345, precision=2) == "12.35K"
    assert compact_number(3 * 10**15) == "3000T"
    assert compact_number(999_999_999_999_999) == "1000T"
    assert compact_number(0.5) == "0.5"
    assert compact_number(-0.5) == "-0.5"


def test_ordinal_regular_suffixes():
    assert ordinal(1) == "1st"
    assert ordinal(2) == "2nd"
    assert ordinal(3) == "3rd"
    assert ordinal(4) == "4th"
    assert ordinal(0) == "0th"
    assert ordinal(21) == "21st"
    assert ordinal(102) == "102nd"


def test_ordinal_teens_always_use_th():
    assert ordinal(11) == "11th"
    assert ordinal(12) == "12th"
    assert ordinal(13) == "13th"
    assert ordinal(111) == "111th"
    assert ordinal(112) == "112th"
    assert ordinal(1013) == "1013th"


def test_ordinal_negative_numbers():
    assert ordinal(-1) == "-1st"
    assert ordinal(-12) == "-12th"
