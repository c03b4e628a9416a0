"""Licence identifiers (证照标识) per GB/T 36904:

``1.2.156.3005.2.{type code}.{issuer credit code}.{serial}.{version, 3 digits}.{check character}``

The type code is the defining department's credit code plus a 3-digit serial (21 characters). The check character
is ISO 7064 MOD 37,36 over type code + issuer code + serial + version (``stdnum.iso7064.mod_37_36``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

PREFIX = "1.2.156.3005.2"
SERIAL_RE = re.compile(r"^[0-9A-Z]{1,20}$")
TYPE_CODE_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}[0-9]{3}$")


class IdentifierError(ValueError):
    """The text is not a well-formed licence identifier; ``code`` says why (stable, for API errors)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LicenseIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int

    @property
    def check_char(self) -> str:
        return mod_37_36.calc_check_digit(self._body())

    def _body(self) -> str:
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return f"{PREFIX}.{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check_char}"


def identifier_make(*, type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    if not TYPE_CODE_RE.match(type_code) or not uscc.is_valid(type_code[:18]):
        raise ValueError(f"bad licence type code {type_code!r}")
    if not uscc.is_valid(issuer_code):
        raise ValueError(f"bad issuer credit code {issuer_code!r}")
    if not SERIAL_RE.match(serial):
        raise ValueError(f"bad serial {serial!r}")
    if not 1 <= version <= 999:
        raise ValueError("version must be 1-999")
    return str(LicenseIdentifier(type_code=type_code, issuer_code=issuer_code, serial=serial, version=version))


def identifier_parse(text: str) -> LicenseIdentifier:
    """Parse and check an identifier; raises :class:`IdentifierError` (``identifier_malformed`` or
    ``identifier_check_failed``). Surrounding blanks are ignored and letters are upper-cased."""
    value = (text or "").strip().upper()
    if not value.startswith(PREFIX + "."):
        raise IdentifierError("证照标识应以 1.2.156.3005.2. 开头。", "identifier_malformed")
    parts = value[len(PREFIX) + 1:].split(".")
    if len(parts) != 5:
        raise IdentifierError("证照标识的段数不对，应为：类型代码.颁发机构代码.顺序号.版本号.校验位。",
                              "identifier_malformed")
    type_code, issuer_code, serial, version, check = parts
    if (not TYPE_CODE_RE.match(type_code) or len(issuer_code) != 18 or not SERIAL_RE.match(serial)
            or not re.fullmatch(r"[0-9]{3}", version) or not re.fullmatch(r"[0-9A-Z]", check)):
        raise IdentifierError("证照标识格式不正确，请核对后重新输入。", "identifier_malformed")
    parsed = LicenseIdentifier(type_code=type_code, issuer_code=issuer_code, serial=serial, version=int(version))
    if not re.fullmatch(r"[0-9A-HJ-NP-RTUW-Y]{18}", issuer_code) or parsed.check_char != check:
        raise IdentifierError("证照标识校验位不正确，请核对是否输错。", "identifier_check_failed")
    return parsed
