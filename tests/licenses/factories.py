"""Shared factories for the licences tests: licence types and licences made as rows (the issuing services are
tested on their own). Seals need the platform CA: use the seal helpers of tests/licenses/test_seals.py or the
services."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import factory

from tests.factories import DepartmentFactory, RegionFactory
from tongban.directory.models import Department
from tongban.identity.services import id_number_index
from tongban.licenses.identifiers import identifier_make
from tongban.licenses.models import HolderKind, License, LicenseSource, LicenseStatus, LicenseType

ID_FIELDS = [
    {"name": "name", "label": "姓名", "required": True, "public": False},
    {"name": "id_number", "label": "公民身份号码", "required": True, "public": False},
    {"name": "address", "label": "住址", "required": False, "public": False},
]


def _type_code(department: Department, n: int) -> str:
    return f"{department.credit_code}{n:03d}"


class LicenseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseType
        skip_postgeneration_save = True

    defining_department = factory.SubFactory(DepartmentFactory, region=factory.SubFactory(RegionFactory))
    code = factory.LazyAttributeSequence(lambda o, n: _type_code(o.defining_department, n % 1000))
    name = factory.Sequence(lambda n: f"测试证照{n}")
    holder_kind = HolderKind.PERSON
    fields = factory.LazyFunction(lambda: list(ID_FIELDS))
    layout = factory.LazyFunction(lambda: {"title": "测试证照", "rows": ["name", "id_number", "address"]})
    validity = factory.LazyFunction(lambda: {"kind": "years", "value": 10})
    material_names = factory.LazyAttribute(lambda o: [o.name])
    result_names = factory.LazyAttribute(lambda o: [o.name])

    @factory.post_generation
    def issuers(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.issuing_departments.add(*(extracted or [self.defining_department]))


_serials = iter(range(1, 10**7))


def license_row(*, license_type: LicenseType, holder_name: str = "张三", id_number: str = "530126199001011234",
                user: Any = None, organization: Any = None, issuer: Department | None = None,
                status: str = LicenseStatus.VALID, valid_until: date | None = date(2036, 1, 1),
                data: dict[str, Any] | None = None, version: int = 1, serial: str | None = None) -> License:
    """A licence row without PDF (use the issuing service when the signed file matters)."""
    department = issuer or license_type.defining_department
    serial = serial or f"2026{next(_serials):06d}"
    return License.objects.create(
        license_type=license_type,
        identifier=identifier_make(type_code=license_type.code, issuer_code=department.credit_code, serial=serial,
                                   version=version),
        serial=serial, version=version, issuer_department=department, issuer_credit_code=department.credit_code,
        holder_kind=license_type.holder_kind, holder_name=holder_name, holder_number=id_number,
        holder_index=id_number_index(id_number), holder_user=user, holder_organization=organization,
        data=json.dumps(data or {"name": holder_name, "id_number": id_number, "address": "云南省石林县"},
                        ensure_ascii=False),
        status=status, issued_on=date(2026, 1, 5), valid_from=date(2026, 1, 5), valid_until=valid_until,
        source=LicenseSource.IMPORT)
