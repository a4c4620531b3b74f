"""SMS in one encoding on purpose (issue 9 item 14): unaccented GSM-7 for the whole message by default, UCS-2
when chosen, counted in the segments a gateway bills, and kept within the segments paid for."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.common.notices import sms
from tinhso.common.notices.sms import GSM7, UCS2, fit, length, prepare, segments, split, to_gsm7


def test_the_gsm7_default_alphabet_has_its_127_characters_and_ten_extension_characters():
    # 3GPP TS 23.038 §6.2.1: 128 codes, one of which (0x1B) is the escape to the extension table.
    assert len(sms.GSM7_BASIC) == 127 and "\x1b" not in sms.GSM7_BASIC
    assert set("\f^{}\\[~]|€") == sms.GSM7_EXTENSION
    assert not sms.GSM7_BASIC & sms.GSM7_EXTENSION


def test_vietnamese_is_written_without_any_accent():
    assert to_gsm7("Hồ sơ 000.00.00.H40-260302-0001: Mới nộp trực tuyến, chờ tiếp nhận") == \
        "Ho so 000.00.00.H40-260302-0001: Moi nop truc tuyen, cho tiep nhan"
    assert to_gsm7("Đường Lê Lợi, phường Trường Vinh; ĐỖ Thị Ửng") == "Duong Le Loi, phuong Truong Vinh; DO Thi Ung"
    # Letters the GSM alphabet could carry accented lose their accents too: one way of writing throughout.
    assert to_gsm7("Hẹn trả: é è à ù ì ò Ä Ö Ñ Ü") == "Hen tra: e e a u i o A O N U"


def test_typographic_marks_become_plain_and_the_rest_a_question_mark():
    assert to_gsm7("“Trả lời” – xem… ‘đây’") == "\"Tra loi\" - xem... 'day'"
    assert to_gsm7("Giá 5 000 ₫ 😀") == "Gia 5 000 ? ?"
    assert all(ch in sms.GSM7_BASIC or ch in sms.GSM7_EXTENSION for ch in to_gsm7("Ω € [x] {y} ~ | ^ \\"))


@pytest.mark.parametrize(("text", "expected"), [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("a" * 459, 3),
    ("a" * 460, 4),
])
def test_gsm7_segments_hold_160_septets_alone_and_153_each_when_concatenated(text, expected):
    assert segments(text, GSM7) == expected


def test_extension_characters_count_twice():
    assert length("[]", GSM7) == 4 and length("€", GSM7) == 2
    assert segments("a" * 158 + "€", GSM7) == 1  # 160 septets
    assert segments("a" * 159 + "€", GSM7) == 2  # 161 septets
    assert segments("{" * 80, GSM7) == 1 and segments("{" * 81, GSM7) == 2


def test_an_escape_pair_is_never_split_across_two_segments():
    # 152 septets, then "€" (2) would straddle the 153-septet boundary: it moves whole to the next part.
    parts = split("a" * 152 + "€" + "b" * 10, GSM7)
    assert parts == ["a" * 152, "€" + "b" * 10]
    assert [length(part, GSM7) for part in parts] == [152, 12]


def test_a_character_outside_the_alphabet_cannot_be_counted_as_gsm7():
    with pytest.raises(ValueError, match="not in the GSM 7-bit alphabet"):
        segments("Hồ sơ", GSM7)


@pytest.mark.parametrize(("text", "expected"), [
    ("ồ" * 70, 1),
    ("ồ" * 71, 2),
    ("ồ" * 134, 2),
    ("ồ" * 135, 3),
])
def test_ucs2_segments_hold_70_units_alone_and_67_each_when_concatenated(text, expected):
    assert segments(text, UCS2) == expected


def test_ucs2_counts_a_character_beyond_the_basic_plane_twice_and_never_splits_it():
    assert length("😀", UCS2) == 2
    assert segments("a" * 68 + "😀", UCS2) == 1 and segments("a" * 69 + "😀", UCS2) == 2
    parts = split("a" * 66 + "😀" + "bbb", UCS2)  # 71 units: two parts, the pair moves whole to the second
    assert parts == ["a" * 66, "😀bbb"]


def test_the_accented_message_costs_more_than_twice_the_unaccented_one():
    text = ("Hồ sơ 000.00.00.H40-260302-0001: Đã tiếp nhận. Hẹn trả 06/03/2026. "
            "Tra cứu: https://dichvucong.nghean.gov.vn/tra-cuu/")
    assert segments(to_gsm7(text), GSM7) == 1
    assert segments(text, UCS2) == 2


def test_a_long_message_is_cut_at_a_word_with_its_trailing_link_whole():
    link = "https://dichvucong.nghean.gov.vn/tra-cuu/"
    text = "Ho so " + "rat dai " * 40 + link
    fitted = fit(text, GSM7, 1)
    assert segments(fitted, GSM7) == 1 and len(fitted) <= 160
    assert fitted.endswith("... " + link)
    head = fitted.removesuffix("... " + link)
    assert text.startswith(head) and head.endswith(("rat", "dai"))
    two = fit(text, GSM7, 2)
    assert segments(two, GSM7) == 2 and len(two) > len(fitted) and two.endswith(link)
    assert fit("ngắn", UCS2, 1) == "ngắn"


def test_a_link_too_long_for_the_budget_is_cut_like_any_text():
    text = "Xem https://example.vn/" + "x" * 300
    fitted = fit(text, GSM7, 1)
    assert segments(fitted, GSM7) == 1 and fitted.startswith("Xem https://example.vn/") and fitted.endswith("...")


def test_prepare_applies_the_configured_encoding_and_segments(settings):
    settings.TINHSO_SMS_ENCODING, settings.TINHSO_SMS_MAX_SEGMENTS = "gsm7", 1
    prepared = prepare("Mã xác minh tài khoản:\n123456.  Hiệu lực 10 phút.")
    assert (prepared.text, prepared.encoding, prepared.segments) == (
        "Ma xac minh tai khoan: 123456. Hieu luc 10 phut.", GSM7, 1)
    settings.TINHSO_SMS_ENCODING = "ucs2"
    prepared = prepare("Mã xác minh tài khoản: 123456.")
    assert (prepared.text, prepared.encoding, prepared.segments) == ("Mã xác minh tài khoản: 123456.", UCS2, 1)
    settings.TINHSO_SMS_MAX_SEGMENTS = 2
    assert prepare("ồ " * 100).segments == 2


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=600), budget=st.integers(min_value=1, max_value=4),
       encoding=st.sampled_from([GSM7, UCS2]))
def test_whatever_is_written_the_message_sent_is_in_the_encoding_and_within_the_budget(text, budget, encoding):
    prepared = prepare(text, encoding=encoding, max_segments=budget)
    assert prepared.segments <= budget
    assert prepared.segments == segments(prepared.text, encoding)
    if encoding == GSM7:
        assert all(ch in sms.GSM7_BASIC or ch in sms.GSM7_EXTENSION for ch in prepared.text)


def test_the_settings_are_declared_and_checked_at_start_up(settings):
    from tinhso.common.notices.checks import check_settings
    from tinhso.conf.environment import VARIABLES

    assert VARIABLES["SMS_ENCODING"].default == "gsm7" and VARIABLES["SMS_MAX_SEGMENTS"].default == "1"
    assert check_settings() == []
    settings.TINHSO_SMS_ENCODING, settings.TINHSO_SMS_MAX_SEGMENTS = "utf8", 0
    assert {error.id for error in check_settings()} == {"notices.E001", "notices.E002"}
