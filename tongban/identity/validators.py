"""Checks of the identifiers a person or organisation gives us (统一身份认证): pure functions, no database.

Each ``validate_*`` function returns the normalised value or raises
:class:`~tongban.core.errors.ValidationFailed` whose ``code`` is the code of the first
:class:`~tongban.core.errors.Issue` and whose ``issues`` list every problem found (each with a stable code, a
message in Chinese and the field it concerns). The codes are part of the API; the messages may be reworded.

What is normalised, and what is stored exactly:

* ID numbers (GB 11643) and credit codes (GB 32100): spaces dropped, full-width characters made half-width
  (NFKC), letters upper-cased. They are codes, not text: two spellings of one code are the same code.
* Mobile numbers: ``+86``/``0086``/``86``, spaces and dashes dropped; the 11 digits are stored.
* Names (姓名): stored exactly as the household registry holds them; compared exactly (no case folding, no
  Unicode normalisation — NFC/NFKC would turn CJK compatibility ideographs into other characters). The only
  changes: surrounding whitespace is trimmed, and characters that look like the middle dot of minority and foreign
  names (• U+2022, ‧ U+2027, ∙ U+2219, ⋅ U+22C5, ・ U+30FB, ･ U+FF65, · U+0387) become U+00B7 "·", the
  character the registry and GB 18030 use. Full stops (. ． 。) are not mapped: they are different characters, so
  the person is asked to type "·" instead of us guessing.
* Usernames: NFKC (full-width letters become half-width); case is kept as typed, uniqueness ignores case.
  A custom username, once set, is immutable; the identity service enforces that (``User.username_is_custom``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from tongban.core.errors import Issue, ValidationFailed

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _fail(issues: list[Issue]) -> ValidationFailed:
    return ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)


def _one(code: str, message: str, field: str) -> ValidationFailed:
    return _fail([Issue(code=code, message=message, field=field)])


def _shown(char: str) -> str:
    """A character as it can be shown in a message: itself when visible, else its code point."""
    if unicodedata.category(char)[0] in "CZM" or char.isspace():
        return f"U+{ord(char):04X}"
    return char


def _drop_whitespace(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


# ------------------------------------------------------------------ resident ID number (居民身份证号码, GB 11643)

# Province-level codes (GB/T 2260) that can open an ID number; 71 Taiwan; 81, 82, 83 are the residence permits of
# Hong Kong, Macao and Taiwan residents (港澳台居民居住证), which use the same 18-character format.
# The county part is not checked against a list: stdnum's table cannot know every code ever assigned and checks it
# against the birth year, while a number keeps the county code of wherever it was first issued.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class Sex(StrEnum):  # 性别
    MALE = "male"
    FEMALE = "female"


def normalize_id_number(raw: str) -> str:
    """Drop whitespace, make full-width digits and letters half-width (NFKC) and write the check ``x`` as ``X``."""
    return _drop_whitespace(unicodedata.normalize("NFKC", raw or "")).replace("x", "X")


def validate_id_number(raw: str, *, field: str = "id_number", today: datetime.date | None = None) -> str:
    """Check an 18-character resident ID number and return it normalised.

    Refused: other characters, the 15-digit number of first-generation cards, an unknown province code,
    impossible or future birth dates, and a check character (校验位) that does not match the first 17 digits.
    ``today`` (default: today in China) is for tests.
    """
    number = normalize_id_number(raw)
    if not number:
        raise _one("id_number_required", _("请填写身份证号码。"), field)
    bad = [ch for i, ch in enumerate(number) if not ("0" <= ch <= "9" or (ch == "X" and i == len(number) - 1))]
    if bad and set(bad) == {"X"}:
        raise _one("id_number_invalid_characters", _("X只能出现在身份证号码的最后一位。"), field)
    if bad:
        raise _one("id_number_invalid_characters",
                   _("身份证号码只能由数字组成，最后一位可以是X；“%(c)s”不是有效字符。") % {"c": _shown(bad[0])}, field)
    if len(number) == 15 and number.isdigit():
        raise _one("id_number_old_format",
                   _("这是15位的旧身份证号码，已停止使用。请填写您现在使用的18位身份证号码。"), field)
    if len(number) != 18:
        raise _one("id_number_length",
                   _("身份证号码应为18位，您填写了%(n)d位。") % {"n": len(number)}, field)
    if number[:2] not in PROVINCE_CODES:
        raise _one("id_number_region",
                   _("身份证号码前两位“%(p)s”不是有效的省级行政区划代码，请核对。") % {"p": number[:2]}, field)
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise _one("id_number_birth_date",
                   _("身份证号码中的出生日期“%(d)s”不存在（第7–14位），请核对。") % {"d": number[6:14]},
                   field) from None
    today = today or datetime.datetime.now(CHINA_TZ).date()
    if birth > today:
        raise _one("id_number_birth_date",
                   _("身份证号码中的出生日期%(d)s晚于今天，请核对。") % {"d": birth.isoformat()}, field)
    if birth < EARLIEST_BIRTH_DATE:
        raise _one("id_number_birth_date",
                   _("身份证号码中的出生日期%(d)s早于1900年，请核对。") % {"d": birth.isoformat()}, field)
    if number[-1] != ric.calc_check_digit(number):
        raise _one("id_number_check",
                   _("身份证号码校验位（最后一位）不正确，与前17位不符。请逐位核对，可能有数字输错或顺序颠倒。"), field)
    return number


def birth_date_of(id_number: str) -> datetime.date:
    """The birth date in a (valid) ID number; raises ValidationFailed when the number is not valid."""
    return ric.get_birth_date(validate_id_number(id_number))


def sex_of(id_number: str) -> Sex:
    """The sex recorded in a (valid) ID number: the 17th digit (the sequence) is odd for men, even for women."""
    number = validate_id_number(id_number)
    return Sex.MALE if int(number[16]) % 2 else Sex.FEMALE


# ------------------------------------------------------------------ unified social credit code (统一社会信用代码)

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_EXCLUDED = "IOSVZ"


def normalize_credit_code(raw: str) -> str:
    """Drop whitespace and dashes, make full-width characters half-width (NFKC) and upper-case letters."""
    return _drop_whitespace(unicodedata.normalize("NFKC", raw or "")).replace("-", "").upper()


def validate_credit_code(raw: str, *, field: str = "credit_code") -> str:
    """Check an 18-character GB 32100 code and return it normalised.

    The check character is stdnum's ``uscc.calc_check_digit`` (mod 31). stdnum's ``validate`` is not used because
    it requires digits in positions 1–2, while registration authorities such as agriculture departments issue codes
    that start with a letter (e.g. N2… for rural collective economic organisations).
    """
    code = normalize_credit_code(raw)
    if not code:
        raise _one("credit_code_required", _("请填写统一社会信用代码。"), field)
    excluded = sorted({ch for ch in code if ch in CREDIT_CODE_EXCLUDED})
    if excluded:
        raise _one("credit_code_excluded_letter",
                   _("统一社会信用代码中不会出现字母I、O、S、V、Z（避免与数字1、0、5、2混淆）；您填写的“%(c)s”"
                     "可能是数字输成了字母，请核对。") % {"c": "、".join(excluded)}, field)
    bad = [ch for ch in code if ch not in CREDIT_CODE_ALPHABET]
    if bad:
        raise _one("credit_code_invalid_characters",
                   _("统一社会信用代码只能由数字和大写字母组成，“%(c)s”不是有效字符。") % {"c": _shown(bad[0])}, field)
    if len(code) != 18:
        raise _one("credit_code_length", _("统一社会信用代码应为18位，您填写了%(n)d位。") % {"n": len(code)}, field)
    if not code[2:8].isdigit():
        raise _one("credit_code_region",
                   _("统一社会信用代码第3–8位是登记管理机关的行政区划代码，应全为数字。"), field)
    if code[-1] != uscc.calc_check_digit(code):
        raise _one("credit_code_check",
                   _("统一社会信用代码校验位（最后一位）不正确，与前17位不符，请逐位核对。"), field)
    return code


# ------------------------------------------------------------------ mobile numbers (手机号码)

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_MOBILE_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_mobile(raw: str) -> str:
    """Drop spaces, dashes and brackets (NFKC first) and the country code +86 / 0086 / 86 before 11 digits."""
    text = _MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix):]
    if len(text) == 13 and text.startswith("86"):
        return text[2:]
    return text


def validate_mobile(raw: str, *, field: str = "phone") -> str:
    """Check a mainland China mobile number (11 digits, 1[3-9]…) and return its 11 digits."""
    number = normalize_mobile(raw)
    if not number:
        raise _one("mobile_required", _("请填写手机号码。"), field)
    if number.startswith(("+", "00")):
        raise _one("mobile_not_mainland", _("目前只支持中国大陆手机号码（+86）。"), field)
    if not number.isascii() or not number.isdigit():
        raise _one("mobile_invalid_characters", _("手机号码只能由数字组成。"), field)
    if len(number) != 11:
        raise _one("mobile_length", _("手机号码应为11位数字，您填写了%(n)d位。") % {"n": len(number)}, field)
    if not MOBILE_RE.fullmatch(number):
        raise _one("mobile_prefix", _("手机号码应以13至19开头，请核对。"), field)
    return number


# ------------------------------------------------------------------ names (姓名)

NAME_MAX_LENGTH = 50
MIDDLE_DOT = "\u00b7"
MIDDLE_DOT_LOOKALIKES = {
    "\u2022": MIDDLE_DOT,  # • bullet
    "\u2027": MIDDLE_DOT,  # ‧ hyphenation point
    "\u2219": MIDDLE_DOT,  # ∙ bullet operator
    "\u22c5": MIDDLE_DOT,  # ⋅ dot operator
    "\u30fb": MIDDLE_DOT,  # ・ katakana middle dot (Japanese and some Chinese input methods)
    "\uff65": MIDDLE_DOT,  # ･ half-width katakana middle dot
    "\u0387": MIDDLE_DOT,  # · Greek ano teleia (canonically equivalent to U+00B7)
}
_DOT_TABLE = str.maketrans(MIDDLE_DOT_LOOKALIKES)

# CJK ideograph blocks, by range so that blocks newer than Python's unicodedata are known too.
CJK_RANGES = (
    (0x3400, 0x4DBF),    # Extension A
    (0x4E00, 0x9FFF),    # Unified Ideographs
    (0xF900, 0xFAFF),    # Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
    (0x30000, 0x3347F),  # Extensions G, H, J
)
_COMBINING = "".join(chr(cp) for cp in range(0x0300, 0x0370))  # Combining Diacritical Marks
# HTML and SQL metacharacters get their own message. ' and - are allowed between two Latin letters (O'Brien,
# Jean-Pierre). This keeps what is clearly not a name out of the data and out of exports to systems that may not
# escape it; it is not the injection defence (the ORM binds parameters, templates escape).
MARKUP_CHARACTERS = frozenset("<>&\"'`;\\/*=%{}()[]|$")


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES) or ch == "\u3007"  # 〇


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _is_private_use(ch: str) -> bool:
    cp = ord(ch)
    return 0xE000 <= cp <= 0xF8FF or 0xF0000 <= cp <= 0x10FFFD


def normalize_person_name(raw: str) -> str:
    """Trim surrounding whitespace and map middle-dot look-alikes to U+00B7; nothing else changes."""
    return (raw or "").strip().translate(_DOT_TABLE)


def validate_person_name(raw: str, *, field: str = "name") -> str:
    """Check a real name (汉字 incl. Extension B+, the middle dot, Latin letters) and return it as stored.

    Length is counted in code points (𠮷 is one character, not two UTF-16 units), at most 50.
    """
    name = normalize_person_name(raw)
    if not name:
        raise _one("name_required", _("请填写姓名。"), field)
    too_long = _("姓名不能超过%(max)d个字，您填写了%(n)d个。") % {"max": NAME_MAX_LENGTH, "n": len(name)}
    if len(name) > 4 * NAME_MAX_LENGTH:  # not a name: do not spend time on it
        raise _one("name_too_long", too_long, field)
    issues: list[Issue] = []

    def add(code: str, message: str) -> None:
        if all(issue.code != code for issue in issues):
            issues.append(Issue(code=code, message=message, field=field))

    def is_name_char(ch: str) -> bool:
        return _is_cjk(ch) or _is_latin_letter(ch)

    for i, ch in enumerate(name):
        # the neighbours, skipping combining accents (an "é" typed as e + U+0301 counts as one letter)
        before = name[:i].rstrip(_COMBINING)[-1:]
        after = name[i + 1:i + 2]
        if is_name_char(ch):
            continue
        if ch == MIDDLE_DOT:
            if not (before and after and is_name_char(before) and is_name_char(after)):
                add("name_misplaced_dot", _("间隔点“·”只能出现在两个字之间，不能在开头、结尾或连续出现。"))
        elif _is_variation_selector(ch):
            if not (before and _is_cjk(before)):
                add("name_control_character", _("姓名中含有不可见的控制字符（%(c)s），请删除后重新填写。")
                    % {"c": _shown(ch)})
        elif ch in _COMBINING and before and _is_latin_letter(before):
            continue  # a combining accent typed after its letter is kept as typed
        elif ch in "'-" and before and after and _is_latin_letter(before) and _is_latin_letter(after):
            continue
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            add("name_control_character",
                _("姓名中含有不可见的控制字符（%(c)s），请删除后重新填写。") % {"c": _shown(ch)})
        elif ch.isspace():
            if ch == " " and before and after and _is_latin_letter(before) and _is_latin_letter(after):
                continue
            if _is_cjk(before or "a") or _is_cjk(after or "a"):
                add("name_space", _("汉字姓名中间不能有空格。"))
            else:
                add("name_space", _("空格只能出现在两个外文单词之间，且只能有一个。"))
        elif ch in MARKUP_CHARACTERS or (ch == "-" and "-" in (before, after)):
            add("name_markup_character",
                _("姓名中不能包含“%(c)s”等符号，请按户口簿或证件上的姓名填写。") % {"c": ch})
        elif ch in ".．。":
            add("name_full_stop", _("姓名中的间隔点请使用“·”，不要使用句点“%(c)s”。") % {"c": ch})
        elif _is_private_use(ch):
            add("name_private_use",
                _("姓名中含有私用区字符（%(c)s），通常是户籍系统自造的生僻字，无法在网上核验，请到窗口办理。")
                % {"c": _shown(ch)})
        else:
            add("name_invalid_character",
                _("姓名中不能包含“%(c)s”：只能使用汉字、间隔点“·”，外国人姓名可使用拉丁字母、空格、连字符和撇号。")
                % {"c": _shown(ch)})
    if len(name) > NAME_MAX_LENGTH:
        add("name_too_long", too_long)
    if issues:
        raise _fail(issues)
    return name


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same name: exact comparison after the dot mapping, no case folding."""
    return normalize_person_name(a) == normalize_person_name(b)


# ------------------------------------------------------------------ usernames (用户名)

USERNAME_MIN_LENGTH = 6
USERNAME_MAX_LENGTH = 20
_USERNAME_CHARS = re.compile(r"[A-Za-z0-9_]*")
_LONG_DIGIT_RUN = re.compile(r"\d{11,}")
_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")


def validate_username(raw: str, *, taken: Callable[[str], bool] | None = None, field: str = "username") -> str:
    """Check a custom username (自定义用户名) and return it (NFKC, case kept).

    6–20 ASCII letters, digits and underscores, starting with a letter. Mobile and ID numbers are login
    identifiers of their own, so a username must not be, or contain, one (no run of 11 or more digits).
    ``taken(name)`` tells whether the name is in use *ignoring case* (e.g. ``username__iexact``); it is called
    only when the name is otherwise valid. A custom username is immutable once set: the service enforces it.
    """
    name = unicodedata.normalize("NFKC", raw or "").strip()
    if not name:
        raise _one("username_required", _("请填写用户名。"), field)
    try:
        validate_mobile(name)
    except ValidationFailed:
        pass
    else:
        raise _one("username_looks_like_phone",
                   _("用户名不能是手机号码：手机号码本身就可以用来登录，无需再设为用户名。"), field)
    if _ID_LIKE.fullmatch(name):
        raise _one("username_looks_like_id_number",
                   _("用户名不能是身份证号码：身份证号码本身就可以用来登录，请另取一个用户名。"), field)
    issues: list[Issue] = []
    if _LONG_DIGIT_RUN.search(name):
        issues.append(Issue("username_contains_number",
                            _("用户名中不能包含手机号码、身份证号码等11位以上的连续数字。"), field))
    if not _USERNAME_CHARS.fullmatch(name):
        issues.append(Issue("username_invalid_characters", _("用户名只能使用英文字母、数字和下划线“_”。"), field))
    if not ("a" <= name[0].lower() <= "z"):
        issues.append(Issue("username_must_start_with_letter", _("用户名必须以英文字母开头。"), field))
    if len(name) < USERNAME_MIN_LENGTH:
        issues.append(Issue("username_too_short",
                            _("用户名至少%(n)d个字符。") % {"n": USERNAME_MIN_LENGTH}, field))
    elif len(name) > USERNAME_MAX_LENGTH:
        issues.append(Issue("username_too_long",
                            _("用户名最多%(n)d个字符。") % {"n": USERNAME_MAX_LENGTH}, field))
    if issues:
        raise _fail(issues)
    if taken is not None and taken(name):
        raise _one("username_taken", _("该用户名已被使用（不区分大小写），请换一个。"), field)
    return name
