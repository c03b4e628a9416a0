"""Password rules (密码规则), as Django password validators with Chinese messages. See docs/adr/0008-passwords.md.

At least 8 and at most 128 characters, at least two of letters, digits and symbols, not one of the 20,000 most
common passwords, and not containing the person's username, mobile number, ID number or the last six characters
of the ID number. ``AUTH_PASSWORD_VALIDATORS`` names these classes so that Django's own forms (admin, password
change) apply the same rules; services call :func:`password_validate`, which reports every problem at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tongban.core.errors import Issue, ValidationFailed
from tongban.identity.validators import normalize_id_number, normalize_mobile


class PasswordValidator(Protocol):
    def validate(self, password: str, user: Any = None) -> None: ...

    def get_help_text(self) -> str: ...


class MinimumLengthValidator:
    """At least ``min_length`` characters (code points), 8 by default."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext("密码至少需要%(min_length)d个字符。", "密码至少需要%(min_length)d个字符。", self.min_length),
                code="password_too_short", params={"min_length": self.min_length})

    def get_help_text(self) -> str:
        return ngettext("至少%(min_length)d个字符。", "至少%(min_length)d个字符。", self.min_length) % {
            "min_length": self.min_length}


class MaximumLengthValidator:
    """At most ``max_length`` characters, 128 by default (NIST SP 800-63B: allow at least 64)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext("密码不能超过%(max_length)d个字符。", "密码不能超过%(max_length)d个字符。", self.max_length),
                code="password_too_long", params={"max_length": self.max_length})

    def get_help_text(self) -> str:
        return ngettext("不超过%(max_length)d个字符。", "不超过%(max_length)d个字符。", self.max_length) % {
            "max_length": self.max_length}


def character_classes(password: str) -> set[str]:
    """Which of "letter", "digit" and "symbol" the password uses (anything not a letter or digit is a symbol)."""
    classes = set()
    for ch in password:
        if ch.isdigit():
            classes.add("digit")
        elif ch.isalpha():
            classes.add("letter")
        else:
            classes.add("symbol")
    return classes


class CharacterClassesValidator:
    """At least ``min_classes`` (2) of: letters, digits, symbols (punctuation, spaces and everything else)."""

    def __init__(self, min_classes: int = 2) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(_("密码需要包含字母、数字、符号中的至少%(min_classes)d种。"),
                                  code="password_too_simple", params={"min_classes": self.min_classes})

    def get_help_text(self) -> str:
        return _("包含字母、数字、符号中的至少%(min_classes)d种。") % {"min_classes": self.min_classes}


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    """Not one of the common passwords in Django's bundled list.

    The list is Django's ``common-passwords.txt.gz``: the 20,000 most common passwords compiled by Royce Williams,
    lower-cased and deduplicated (19,640 entries in Django 5.2). It already holds the usual Chinese choices such as
    ``woaini1314``, ``1qaz2wsx`` and ``a123456789``. The comparison ignores case and surrounding spaces.
    """

    def get_error_message(self) -> str:
        return _("这个密码太常见，很容易被猜中，请换一个。")

    def get_help_text(self) -> str:
        return _("不能是常见密码。")


@dataclass(frozen=True)
class PersonalData:
    username: str = ""
    phone: str = ""
    id_number: str = ""


def _attribute(obj: Any, name: str) -> str:
    try:
        value = getattr(obj, name, "")
    except (ObjectDoesNotExist, ValueError):
        return ""
    return value if isinstance(value, str) else ""


def personal_data_of(user: Any) -> PersonalData:
    """The username, mobile and ID number of ``user``: its own attributes, else those of its ``person``."""
    if user is None:
        return PersonalData()
    phone, id_number = _attribute(user, "phone"), _attribute(user, "id_number")
    if not (phone and id_number):
        try:
            person = getattr(user, "person", None)
        except (ObjectDoesNotExist, ValueError):
            person = None
        if person is not None:
            phone = phone or _attribute(person, "phone")
            id_number = id_number or _attribute(person, "id_number")
    return PersonalData(username=_attribute(user, "username"), phone=normalize_mobile(phone),
                        id_number=normalize_id_number(id_number))


class PersonalDataValidator:
    """Must not contain the username, the mobile number, the ID number or its last 6 characters (ignoring case).

    The data comes from the ``user`` given to ``validate``: its ``username``, ``phone`` and ``id_number``
    attributes, or those of ``user.person``. Usernames shorter than ``min_username_length`` are not checked.
    """

    def __init__(self, min_username_length: int = 4) -> None:
        self.min_username_length = min_username_length

    def validate(self, password: str, user: Any = None) -> None:
        data = personal_data_of(user)
        folded = password.casefold()
        errors: list[ValidationError] = []
        if len(data.username) >= self.min_username_length and data.username.casefold() in folded:
            errors.append(ValidationError(_("密码中不能包含用户名。"), code="password_contains_username"))
        if len(data.phone) >= 7 and data.phone in folded:
            errors.append(ValidationError(_("密码中不能包含手机号码。"), code="password_contains_phone"))
        if len(data.id_number) >= 15 and data.id_number.casefold() in folded:
            errors.append(ValidationError(_("密码中不能包含身份证号码。"), code="password_contains_id_number"))
        elif len(data.id_number) >= 15 and data.id_number[-6:].casefold() in folded:
            errors.append(ValidationError(_("密码中不能包含身份证号码的后6位。"), code="password_contains_id_tail"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _("不能包含用户名、手机号码、身份证号码或身份证号码的后6位。")


@functools.cache
def default_validators() -> tuple[PasswordValidator, ...]:
    """The rules of the platform; ``AUTH_PASSWORD_VALIDATORS`` lists the same classes with the same options."""
    return (MinimumLengthValidator(8), MaximumLengthValidator(128), CharacterClassesValidator(2),
            CommonPasswordValidator(), PersonalDataValidator())


def password_validate(password: str, *, username: str = "", phone: str = "", id_number: str = "") -> None:
    """Check a new password against every rule; raise ValidationFailed listing every problem (field "password")."""
    user = PersonalData(username=username, phone=phone, id_number=id_number)
    issues: list[Issue] = []
    for validator in default_validators():
        try:
            validator.validate(password, user)
        except ValidationError as error:
            for item in error.error_list:
                message = str(item.message % item.params if item.params else item.message)
                issues.append(Issue(code=item.code or "password_invalid", message=message, field="password"))
    if issues:
        raise ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)


def password_help_texts() -> list[str]:
    """The rules in words, for forms."""
    return [validator.get_help_text() for validator in default_validators()]
