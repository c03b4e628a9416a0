"""Factories for the legal-person tests: natural persons at the real-name level, organisations, keys."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model

from tongban.identity import services as identity

PASSWORD = "Yunnan#2026road"
ORG_PASSWORD = "Dianchi#2026lake"

# The simulator's fictitious organisations (tongban/organizations/data/enterprise_registry_simulator.yaml).
DIANCHI = {"org_type": "enterprise", "name": "云南滇池示范科技有限公司", "credit_code": "91530102MA6N7Q8R2M",
           "legal_rep_name": "王晓明"}
HTML_NAMED = {"org_type": "enterprise", "name": '示范<b>商行</b>&"引号"有限公司', "credit_code": "91530102MA6H4J5K7E",
              "legal_rep_name": "王晓明"}
DEREGISTERED = "91530111MA6T5U7X88"
REVOKED = "91530103MA6W8X1Y43"
UNAVAILABLE = "91530112MA6Y2A3B5C"
NOT_FOUND = "91530114MA6K9L2M63"

WANG_ID = "530102199001011231"
LI_ID = "530102198507152344"
ZHAO_ID = "53011119921230345X"

_phones = itertools.count(13900000001)


def person(*, name: str | None = None, id_number: str | None = None, username: str = "") -> Any:
    """A registered natural person; with ``name`` and ``id_number`` raised to real-name level (ID_CHECKED)."""
    user_model = get_user_model()
    phone = str(next(_phones))
    user = user_model.objects.create_user(username=username or f"p{phone}", password=PASSWORD, kind="person",
                                          username_is_custom=bool(username))
    _person_row(user, phone)
    if name is not None:
        identity.person_assurance_raise(user_id=user.pk, level=2, method="population", provider="test", name=name,
                                        id_number=id_number)
    user.phone = phone
    return user


def platform_admin() -> Any:
    """A platform administrator (平台管理员) at the province's platform department."""
    from tests.factories import DepartmentFactory, make_staff

    return make_staff(DepartmentFactory(category="zwfw"), "platform_admin")


def _person_row(user: Any, phone: str) -> None:
    # Tests may use identity's models (the app code may not).
    from tongban.identity.models import Person

    Person.objects.create(user=user, phone=phone, phone_index=identity.phone_index(phone))


def register(applicant: Any, data: dict[str, str] = DIANCHI, *, rep_id: str = WANG_ID, **overrides: str) -> Any:
    from tongban.organizations import services

    values = {**data, "legal_rep_id_number": rep_id, "password": ORG_PASSWORD, **overrides}
    return services.organization_register(applicant_user=applicant, **values)
