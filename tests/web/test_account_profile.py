"""一人一档 pages: addresses, emergency contacts, preferences (长辈模式 after sign-in)."""

import re

import pytest
from django.test import Client

from tests.web.helpers import PASSWORD, register, signed_in
from tongban.identity.models import Address, EmergencyContact

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


@pytest.fixture
def person(regions):
    return register(PHONE)


def test_addresses_with_a_region_from_the_directory_and_delete_after_confirmation(person):
    client = signed_in(person)
    page = client.get("/account/addresses/").content.decode()
    assert "<optgroup" in page and "石林彝族自治县" in page
    client.post("/account/addresses/", {"action": "add", "label": "家", "region_code": "530126000000",
                                        "detail": "石林镇彝乡路88号<b>"})
    listing = client.get("/account/addresses/").content.decode()
    assert "昆明市石林彝族自治县" in listing and "石林镇彝乡路" in listing and "88号" not in listing
    address = Address.objects.get()
    bad = client.post("/account/addresses/", {"action": "add", "region_code": "999999999999", "detail": "x"})
    assert "选择一个有效的选项" in bad.content.decode() or "请选择" in bad.content.decode()
    confirm = client.get(f"/account/addresses/?delete={address.pk}").content.decode()
    assert "确定删除这个地址吗" in confirm and Address.objects.exists()
    stranger = signed_in(register("13698765432"))
    stranger.post("/account/addresses/", {"action": "delete", "address": address.pk})
    assert Address.objects.exists(), "another person's id finds nothing"
    client.post("/account/addresses/", {"action": "delete", "address": address.pk})
    assert not Address.objects.exists()


def test_contacts_are_masked_on_screen(person):
    client = signed_in(person)
    client.post("/account/contacts/", {"action": "add", "name": "王晓红", "phone": "13800000009",
                                       "relation": "spouse"})
    page = client.get("/account/contacts/").content.decode()
    assert "138****0009" in page and "13800000009" not in page and "王*红" in page and "配偶" in page
    contact = EmergencyContact.objects.get()
    client.post("/account/contacts/", {"action": "delete", "contact": contact.pk})
    assert not EmergencyContact.objects.exists()


def test_elder_mode_preference_applies_at_sign_in(person):
    client = signed_in(person)
    saved = client.post("/account/preferences/", {"elder_mode": "on", "notify_channel": "site"})
    assert saved.cookies["tb_care"].value == "1"
    fresh = Client()
    response = fresh.post("/account/login/", {"mode": "password", "identifier": PHONE, "password": PASSWORD})
    assert response.cookies["tb_care"].value == "1"
    assert 'class="care"' in fresh.get("/account/").content.decode()
    page = fresh.get("/account/preferences/").content.decode()
    assert re.search(r'<input[^>]*value="site"[^>]*checked', page)
