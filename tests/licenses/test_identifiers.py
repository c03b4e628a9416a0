import pytest

from tests.licenses.factories import LicenseTypeFactory, license_row
from tongban.licenses.identifiers import IdentifierError, identifier_parse

pytestmark = pytest.mark.django_db


def test_factory_licence_has_a_checked_identifier() -> None:
    licence = license_row(license_type=LicenseTypeFactory())
    parsed = identifier_parse(licence.identifier)
    assert parsed.version == 1 and parsed.serial == licence.serial
    wrong = licence.identifier[:-1] + ("0" if licence.identifier[-1] != "0" else "1")
    with pytest.raises(IdentifierError) as info:
        identifier_parse(wrong)
    assert info.value.code == "identifier_check_failed"
