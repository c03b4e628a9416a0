"""Identifiers of persons and organisations: ID numbers, credit codes, mobile numbers, names, usernames."""

from __future__ import annotations

import datetime

import pytest
from stdnum.cn import ric, uscc

from tongban.core.errors import ValidationFailed
from tongban.identity.validators import (
    MIDDLE_DOT,
    Sex,
    birth_date_of,
    normalize_id_number,
    same_name,
    sex_of,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_person_name,
    validate_username,
)

TODAY = datetime.date(2025, 6, 1)


def make_id(area: str = "530102", birth: str = "19900307", sequence: str = "123") -> str:
    """A valid ID number: 17 digits (a real Yunnan area code, 530102 = 昆明市五华区) + stdnum's check character."""
    body = area + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def id_ending_in_x() -> str:
    for n in range(1000):
        number = make_id(sequence=f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives X")


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def make_credit_code(body: str = "91530100MA6K0B2C3") -> str:
    return body + uscc.calc_check_digit(body)


def codes(error: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [issue.code for issue in error.value.issues]


# ------------------------------------------------------------------ ID numbers


def test_valid_id_number_is_returned_unchanged():
    number = make_id()
    assert ric.is_valid(number)
    assert validate_id_number(number, today=TODAY) == number


def test_lower_case_x_is_normalised():
    number = id_ending_in_x()
    assert validate_id_number(number.lower(), today=TODAY) == number
    assert normalize_id_number(number[:-1] + "x") == number


def test_full_width_digits_and_spaces_are_normalised():
    number = id_ending_in_x()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "ｘ"  # ０… and ｘ
    spaced = f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    assert validate_id_number(full_width, today=TODAY) == number
    assert validate_id_number(spaced, today=TODAY) == number


def test_wrong_check_character_names_the_check():
    with pytest.raises(ValidationFailed) as error:
        validate_id_number(wrong_check(make_id()), today=TODAY)
    assert error.value.code == "id_number_check"
    assert "校验位" in error.value.message
    assert error.value.issues[0].field == "id_number"


@pytest.mark.parametrize("birth", ["19900230", "19910229", "19901301", "19900000", "20250602", "18991231"])
def test_impossible_birth_dates(birth):
    # the check character is right, so only the date is wrong
    with pytest.raises(ValidationFailed) as error:
        validate_id_number(make_id(birth=birth), today=TODAY)
    assert error.value.code == "id_number_birth_date"
    assert "出生日期" in error.value.message


def test_leap_day_and_today_are_possible():
    assert validate_id_number(make_id(birth="20000229"), today=TODAY)
    assert validate_id_number(make_id(birth="20250601"), today=TODAY)


def test_old_15_digit_format_asks_for_the_current_number():
    with pytest.raises(ValidationFailed) as error:
        validate_id_number("530102900307123")
    assert error.value.code == "id_number_old_format"
    assert "18位" in error.value.message


@pytest.mark.parametrize("raw", ["53010219900307123A", "5301021990-0307123", "53010X199003071234", "张三"])
def test_unknown_characters(raw):
    with pytest.raises(ValidationFailed) as error:
        validate_id_number(raw)
    assert error.value.code == "id_number_invalid_characters"


@pytest.mark.parametrize("raw, code", [("", "id_number_required"), ("   ", "id_number_required"),
                                       ("5301021990030712", "id_number_length"),
                                       ("5301021990030712345", "id_number_length")])
def test_missing_or_wrong_length(raw, code):
    with pytest.raises(ValidationFailed) as error:
        validate_id_number(raw)
    assert error.value.code == code


def test_unknown_province_code():
    with pytest.raises(ValidationFailed) as error:
        validate_id_number(make_id(area="990102"), today=TODAY)
    assert error.value.code == "id_number_region"


def test_birth_date_and_sex():
    assert birth_date_of(make_id(birth="19900307")) == datetime.date(1990, 3, 7)
    assert sex_of(make_id(sequence="123")) is Sex.MALE  # 3 is odd
    assert sex_of(make_id(sequence="124")) is Sex.FEMALE
    with pytest.raises(ValidationFailed):
        sex_of(wrong_check(make_id()))


def test_field_name_can_be_chosen():
    with pytest.raises(ValidationFailed) as error:
        validate_id_number("", field="legal_representative_id")
    assert error.value.issues[0].field == "legal_representative_id"


# ------------------------------------------------------------------ credit codes


def test_valid_credit_code():
    code = make_credit_code()
    assert uscc.is_valid(code)
    assert validate_credit_code(code) == code


def test_credit_code_lower_case_full_width_and_spaces_are_normalised():
    code = make_credit_code()
    assert validate_credit_code(code.lower()) == code
    assert validate_credit_code(" ".join([code[:2], code[2:8], code[8:]])) == code
    assert validate_credit_code("".join(chr(ord(c) + 0xFEE0) for c in code)) == code


def test_credit_code_starting_with_a_letter_is_accepted():
    code = make_credit_code("N2530102MA6K0B2C3")  # e.g. rural collective economic organisations
    assert validate_credit_code(code) == code


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_credit_code_with_excluded_letters(letter):
    code = make_credit_code()
    with pytest.raises(ValidationFailed) as error:
        validate_credit_code(code[:10] + letter + code[11:])
    assert error.value.code == "credit_code_excluded_letter"
    assert "I、O、S、V、Z" in error.value.message
    assert letter in error.value.message


def test_credit_code_excluded_letter_in_lower_case():
    code = make_credit_code()
    with pytest.raises(ValidationFailed) as error:
        validate_credit_code(code[:10].lower() + "o" + code[11:].lower())
    assert error.value.code == "credit_code_excluded_letter"


def test_credit_code_wrong_check_character():
    code = make_credit_code()
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    with pytest.raises(ValidationFailed) as error:
        validate_credit_code(wrong)
    assert error.value.code == "credit_code_check"
    assert "校验位" in error.value.message


@pytest.mark.parametrize("raw, code", [("", "credit_code_required"), ("91530100MA6K0B2C", "credit_code_length"),
                                       ("9153010#MA6K0B2C3X", "credit_code_invalid_characters"),
                                       ("91AB0100MA6K0B2C3X", "credit_code_region")])
def test_credit_code_other_problems(raw, code):
    with pytest.raises(ValidationFailed) as error:
        validate_credit_code(raw)
    assert error.value.code == code


# ------------------------------------------------------------------ mobile numbers


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "+86-138-1234-5678", "8613812345678",
                                 "008613812345678", "138-1234-5678", "１３８１２３４５６７８", " 13812345678 "])
def test_mobile_numbers_are_normalised(raw):
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw, code", [("", "mobile_required"), ("1381234567", "mobile_length"),
                                       ("138123456789", "mobile_length"), ("12812345678", "mobile_prefix"),
                                       ("23812345678", "mobile_prefix"), ("1381234567a", "mobile_invalid_characters"),
                                       ("+852 9123 4567", "mobile_not_mainland"), ("alice_2024", "mobile_invalid_characters")])
def test_invalid_mobile_numbers(raw, code):
    with pytest.raises(ValidationFailed) as error:
        validate_mobile(raw)
    assert error.value.code == code


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "吉𠮷", "𪚥", "王〇", "阿依古丽·买买提", "米尔扎提·阿不都热依木·艾力",
                                  "John Smith", "O'Brien", "Jean-Pierre Lefèvre", "MÜLLER"])
def test_real_names_are_stored_exactly(name):
    assert validate_person_name(name) == name


def test_names_outside_the_bmp_are_counted_by_code_point():
    name = "吉𠮷"  # U+5409 U+20BB7: 2 code points, 3 UTF-16 units
    assert len(name) == 2
    assert len(name.encode("utf-16-le")) // 2 == 3
    fifty = "𠮷" * 50  # 100 UTF-16 units
    assert validate_person_name(fifty) == fifty
    with pytest.raises(ValidationFailed) as error:
        validate_person_name("𠮷" * 51)
    assert codes(error) == ["name_too_long"]
    assert "51" in error.value.message


@pytest.mark.parametrize("lookalike", ["\u2022", "\u2027", "\u2219", "\u22c5", "\u30fb", "\uff65", "\u0387"])
def test_middle_dot_lookalikes_become_u00b7(lookalike):
    stored = validate_person_name(f"阿依古丽{lookalike}买买提")
    assert stored == "阿依古丽\u00b7买买提"
    assert stored[4] == MIDDLE_DOT


@pytest.mark.parametrize("stop", [".", "．", "。"])
def test_full_stop_is_not_taken_for_a_middle_dot(stop):
    with pytest.raises(ValidationFailed) as error:
        validate_person_name(f"阿依古丽{stop}买买提")
    assert codes(error) == ["name_full_stop"]
    assert "·" in error.value.message


@pytest.mark.parametrize("name", ["·张三", "张三·", "阿依古丽··买买提", "阿依古丽· 买买提"])
def test_misplaced_middle_dots(name):
    with pytest.raises(ValidationFailed) as error:
        validate_person_name(name)
    assert "name_misplaced_dot" in codes(error)


def test_names_are_compared_exactly():
    assert same_name("阿依古丽・买买提", "阿依古丽·买买提")
    assert not same_name("John Smith", "JOHN SMITH")
    assert not same_name("張三", "张三")
    assert validate_person_name("  张三 ") == "张三"


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "张三<b>", "张&amp;三", '张"三', "张三`"])
def test_html_in_names_is_refused(name):
    with pytest.raises(ValidationFailed) as error:
        validate_person_name(name)
    assert "name_markup_character" in codes(error)
    assert "符号" in error.value.message


@pytest.mark.parametrize("name", ["张三'; DROP TABLE identity_person; --", "Robert'); DROP TABLE students;--",
                                  "张三' OR '1'='1", "张三--", "张三/*"])
def test_sql_in_names_is_refused(name):
    with pytest.raises(ValidationFailed) as error:
        validate_person_name(name)
    assert "name_markup_character" in codes(error)


@pytest.mark.parametrize("name, code", [("张\u200b三", "name_control_character"), ("张\x00三", "name_control_character"),
                                        ("张\u202e三", "name_control_character"), ("张 三", "name_space"),
                                        ("张\u3000三", "name_space"), ("John  Smith", "name_space"),
                                        ("张三1", "name_invalid_character"), ("张三😀", "name_invalid_character"),
                                        ("Иван", "name_invalid_character"), ("张\ue000", "name_private_use"),
                                        ("", "name_required"), (" \u3000", "name_required")])
def test_other_name_problems(name, code):
    with pytest.raises(ValidationFailed) as error:
        validate_person_name(name)
    assert code in codes(error)


def test_control_characters_are_shown_by_code_point():
    with pytest.raises(ValidationFailed) as error:
        validate_person_name("张\u200b三")
    assert "U+200B" in error.value.message


# ------------------------------------------------------------------ usernames


@pytest.mark.parametrize("name", ["alice_2024", "Zhang_San", "a12345", "abcdefghijklmnopqrst"])
def test_valid_usernames(name):
    assert validate_username(name) == name


def test_full_width_username_is_made_half_width():
    assert validate_username("ａｌｉｃｅ＿２０２４") == "alice_2024"


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
def test_username_that_is_a_phone_number(raw):
    with pytest.raises(ValidationFailed) as error:
        validate_username(raw)
    assert error.value.code == "username_looks_like_phone"
    assert "手机号码" in error.value.message


def test_username_that_is_an_id_number():
    for raw in (make_id(), id_ending_in_x().lower(), "530102900307123"):
        with pytest.raises(ValidationFailed) as error:
            validate_username(raw)
        assert error.value.code == "username_looks_like_id_number"


@pytest.mark.parametrize("raw", ["u13812345678", "id" + "530102199003071238"])
def test_username_containing_a_phone_or_id_number(raw):
    with pytest.raises(ValidationFailed) as error:
        validate_username(raw)
    assert "username_contains_number" in codes(error)


@pytest.mark.parametrize("raw, code", [("abc12", "username_too_short"), ("a" * 21, "username_too_long"),
                                       ("1alice", "username_must_start_with_letter"),
                                       ("_alice", "username_must_start_with_letter"),
                                       ("alice-2024", "username_invalid_characters"),
                                       ("张三丰abcdef", "username_invalid_characters"), ("", "username_required")])
def test_invalid_usernames(raw, code):
    with pytest.raises(ValidationFailed) as error:
        validate_username(raw)
    assert code in codes(error)


def test_username_problems_are_reported_together():
    with pytest.raises(ValidationFailed) as error:
        validate_username("1ab")
    assert codes(error) == ["username_must_start_with_letter", "username_too_short"]


def test_username_clash_ignores_case_through_the_callback():
    existing = {"alice_2024"}
    asked: list[str] = []

    def taken(name: str) -> bool:  # what username__iexact does in the database
        asked.append(name)
        return name.lower() in existing

    with pytest.raises(ValidationFailed) as error:
        validate_username("Alice_2024", taken=taken)
    assert error.value.code == "username_taken"
    assert asked == ["Alice_2024"]
    assert validate_username("Bob_2024", taken=taken) == "Bob_2024"


def test_callback_is_not_asked_about_invalid_names():
    def taken(name: str) -> bool:
        raise AssertionError("must not be called")

    with pytest.raises(ValidationFailed):
        validate_username("1abc", taken=taken)
