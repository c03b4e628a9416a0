"""Fixtures for real-name verification: registered people, a reviewer, pictures and the SMS phone look-up."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import DepartmentFactory, make_staff
from tongban.identity import services as identity_services
from tongban.identity.models import Person
from tongban.notifications.models import SimulatedSms

PASSWORD = "Yunnan#2026road"
NAME = "张三"
ID_NUMBER = "53010219900307018X"
OTHER_NAME = "李四"
OTHER_ID = "532301198806062054"
WRONG_CHECK_ID = "530102199003070181"  # the check character should be X
MISMATCH_ID = "530102197001010037"  # simulator: mismatch
UNAVAILABLE_ID = "532501199208150041"  # simulator: service unavailable
CARD = "6222020000000000000"  # Luhn-valid
REVIEWER_ROLE = "realname_reviewer"


def register(phone: str) -> Any:
    identity_services.sms_code_send(phone=phone, purpose="register", ip=None)
    sms = SimulatedSms.objects.order_by("-created_at", "-pk").first()
    assert sms is not None and sms.phone == phone
    code = re.search(r"\d{6}", sms.text).group(0)  # type: ignore[union-attr]
    return identity_services.person_register(phone=phone, sms_code=code, password=PASSWORD)


def person_of(user: Any) -> Person:
    return Person.objects.get(user=user)


def picture(kind: str = "PNG", size: tuple[int, int] = (80, 60), plain: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 180, 160))
    if not plain:
        for x in range(size[0]):
            for y in range(0, size[1], 3):
                image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, 90))
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def same_pixels(data: bytes, other: bytes) -> bool:
    """The two encoded images show the same picture (stored photos are re-encoded without metadata)."""
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(other)) as b:
        return a.size == b.size and a.convert("RGB").tobytes() == b.convert("RGB").tobytes()


def upload(data: bytes | None = None, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, picture() if data is None else data, content_type=content_type)


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("id_front.jpg", b"this is a text file, not a photo\n" * 10, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def person(db: Any) -> Any:
    return register("13912345678")


@pytest.fixture
def other_person(db: Any) -> Any:
    return register("13787654321")


@pytest.fixture
def reviewer(regions: Any) -> Any:
    return make_staff(DepartmentFactory.create(region=regions["province"]), REVIEWER_ROLE)


@pytest.fixture
def plain_staff(regions: Any) -> Any:
    return make_staff(DepartmentFactory.create(region=regions["kunming"]), "department_catalog_admin")


@pytest.fixture
def phone_lookup() -> None:
    """The identity selector person_contact_phone answers from the real Person row (kept for the tests' signature)."""
