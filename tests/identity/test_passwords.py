"""Password rules: length, character classes, common passwords, personal data; all problems reported at once."""

from __future__ import annotations

import gzip
from pathlib import Path
from types import SimpleNamespace

import django.contrib.auth
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from tongban.core.errors import ValidationFailed
from tongban.identity.passwords import (
    CharacterClassesValidator,
    CommonPasswordValidator,
    MaximumLengthValidator,
    MinimumLengthValidator,
    PersonalDataValidator,
    default_validators,
    password_help_texts,
    password_validate,
)

ID_BODY = "53010219900307123"
ID_NUMBER = ID_BODY + ric.calc_check_digit(ID_BODY + "0")
PHONE = "13812345678"


def codes_of(password: str, **personal: str) -> list[str]:
    with pytest.raises(ValidationFailed) as error:
        password_validate(password, **personal)
    assert all(issue.field == "password" for issue in error.value.issues)
    return [issue.code for issue in error.value.issues]


def test_a_good_password_passes():
    password_validate("Yunnan-Kunming 2025", username="alice_2024", phone=PHONE, id_number=ID_NUMBER)
    password_validate("滇池的海鸥2025")  # 汉字 are letters


def test_too_short():
    assert codes_of("ab1!xyz") == ["password_too_short"]
    password_validate("ab1!xyzw")  # exactly 8


def test_length_is_counted_in_code_points():
    password_validate("𠮷𠮷𠮷𠮷𠮷𠮷𠮷1")  # 8 code points, 15 UTF-16 units
    assert codes_of("𠮷𠮷𠮷𠮷𠮷𠮷1") == ["password_too_short"]


def test_long_passphrases_are_allowed_up_to_128():
    password_validate("correct horse battery staple " * 4)  # 116 characters
    assert codes_of("a1" * 65) == ["password_too_long"]


@pytest.mark.parametrize("password", ["qzwxecrvtbyn", "48203917465829", "!@#$%^&*()_+"])
def test_one_character_class_only(password):
    assert codes_of(password) == ["password_too_simple"]


@pytest.mark.parametrize("password", ["qzwxecrvtbyn7", "qzwxecrvtbyn!", "4820391746!!", "qzwx ecrv tbyn"])
def test_two_classes_are_enough(password):
    password_validate(password)


def test_password123_is_in_djangos_list_and_refused():
    path = Path(django.contrib.auth.__file__).parent / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        common = {line.strip() for line in f}
    assert {"password123", "woaini1314", "1qaz2wsx", "a123456789"} <= common
    assert 19_000 < len(common) <= 20_000
    assert codes_of("password123") == ["password_too_common"]
    assert codes_of(" PassWord123 ") == ["password_too_common"]
    assert codes_of("woaini1314") == ["password_too_common"]


def test_containing_the_phone_number():
    assert codes_of(f"pw{PHONE}", phone=PHONE) == ["password_contains_phone"]
    assert codes_of(f"pw{PHONE}", phone="+86 138-1234-5678") == ["password_contains_phone"]


def test_containing_the_id_number_or_its_last_six():
    assert codes_of(f"id{ID_NUMBER}", id_number=ID_NUMBER) == ["password_contains_id_number"]
    assert codes_of(f"Kunming{ID_NUMBER[-6:]}", id_number=ID_NUMBER) == ["password_contains_id_tail"]


def test_id_tail_with_x_ignores_case():
    body = next(ID_BODY[:-3] + f"{n:03d}" for n in range(1000)
                if ric.calc_check_digit(ID_BODY[:-3] + f"{n:03d}" + "0") == "X")
    number = body + "X"
    assert codes_of(f"Kunming{number[-6:].lower()}", id_number=number.lower()) == ["password_contains_id_tail"]


def test_containing_the_username_ignores_case():
    assert codes_of("my-ALICE_2024-pw", username="alice_2024") == ["password_contains_username"]


def test_every_problem_is_reported_at_once():
    error_codes = codes_of(PHONE, username="u" + PHONE, phone=PHONE)
    assert error_codes == ["password_too_simple", "password_contains_phone"]
    with pytest.raises(ValidationFailed) as error:
        password_validate("qzx")
    assert [i.code for i in error.value.issues] == ["password_too_short", "password_too_simple"]
    assert error.value.code == "password_too_short"
    assert "8" in error.value.message and "字母" in error.value.message


def test_personal_data_from_the_user_object_and_its_person():
    validator = PersonalDataValidator()
    user = SimpleNamespace(username="alice_2024", phone=PHONE, id_number=ID_NUMBER)
    with pytest.raises(ValidationError) as error:
        validator.validate(f"alice_2024{PHONE}{ID_NUMBER[-6:]}", user)
    assert [e.code for e in error.value.error_list] == [
        "password_contains_username", "password_contains_phone", "password_contains_id_tail"]
    account = SimpleNamespace(username="p0123456789abcdef0123", person=SimpleNamespace(phone=PHONE, id_number=None))
    with pytest.raises(ValidationError):
        validator.validate(f"x{PHONE}", account)
    validator.validate("anything-goes-1", None)
    validator.validate("ab1!", SimpleNamespace(username="ab1"))  # usernames under 4 characters are not checked


def test_django_validators_work_with_validate_password():
    user = SimpleNamespace(username="alice_2024", phone=PHONE)
    with pytest.raises(ValidationError) as error:
        validate_password("alice_2024", user, password_validators=list(default_validators()))
    assert {e.code for e in error.value.error_list} == {"password_contains_username"}
    assert "用户名" in error.value.messages[0]


def test_messages_and_help_texts_are_chinese():
    assert MinimumLengthValidator().get_help_text() == "至少8个字符。"
    assert MaximumLengthValidator().get_help_text() == "不超过128个字符。"
    assert "2" in CharacterClassesValidator().get_help_text()
    assert CommonPasswordValidator().get_help_text() == "不能是常见密码。"
    assert len(password_help_texts()) == 5
    with pytest.raises(ValidationError) as error:
        MinimumLengthValidator(10).validate("abc123def")
    assert error.value.messages == ["密码至少需要10个字符。"]
