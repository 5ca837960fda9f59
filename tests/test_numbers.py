"""Numbers from outside are read once, in ASCII digits and within bounds."""

from datetime import date

from handlers.payloads import unpack
from services import numbers


def test_ids_accept_only_ascii_digits_within_what_the_database_holds() -> None:
    assert numbers.parse_id("12") == 12 and numbers.parse_id(" 7 ") == 7
    for text in ("²", "٣", "0", "-1", "1_000", "1e3", "", "x", "99999999999999999999",
                 str(2**31), "9" * 5000):
        assert numbers.parse_id(text) is None, text
    assert numbers.parse_id(str(2**31 - 1)) == 2**31 - 1


def test_months_outside_the_bots_records_are_not_months() -> None:
    assert numbers.parse_month("2026-11") == date(2026, 11, 1)
    assert numbers.parse_month("2026年3月") == date(2026, 3, 1)
    for text in ("0000-01", "9999-12", "2026-13", "2026-00", "٢٠٢٦-١١"):
        assert numbers.parse_month(text) is None, text


def test_button_data_with_numbers_an_id_cannot_be_is_refused() -> None:
    assert unpack("a:12") == unpack("a:12:0")
    for data in (f"a:{2**31}", "a:²", "a:1_0", "a: 1", "a:-1", "s:1:99999999999",
                 f"gx~2:{2**31}:2026:11", "gx~²:1:2026:11", "p~2:٣"):
        assert unpack(data) is None, data
