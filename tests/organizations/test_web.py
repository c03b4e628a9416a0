"""The legal-person pages: registration, confirmation, sign-in, home (masked ID), agents; names escaped."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.organizations.helpers import DIANCHI, HTML_NAMED, LI_ID, ORG_PASSWORD, WANG_ID, person, register
from tongban.organizations.models import AgentAuthorization, Organization, OrgStatus

pytestmark = pytest.mark.django_db


def _form(**overrides):
    return {**DIANCHI, "legal_rep_id_number": WANG_ID, "password": ORG_PASSWORD, "password2": ORG_PASSWORD,
            **overrides}


def test_register_page_shows_field_errors_then_registers(client):
    wang = person(name="王晓明", id_number=WANG_ID)
    client.force_login(wang)
    page = client.get("/org/register/")
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    bad = client.post("/org/register/", _form(credit_code="91530102MA6N7Q8R2O"))
    assert "不会出现字母I、O、S、V、Z" in bad.content.decode()
    done = client.post("/org/register/", _form())
    org = Organization.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/org/{org.pk}/"
    home = client.get(done["Location"]).content.decode()
    assert "5301**********1231" in home and WANG_ID not in home


def test_html_in_names_is_stored_exactly_and_shown_escaped(client):
    li = person(name="李华", id_number=LI_ID)
    client.force_login(li)
    client.post("/org/register/", _form(**HTML_NAMED))
    org = Organization.objects.get()
    assert org.name == HTML_NAMED["name"] and org.status == OrgStatus.PENDING_CONFIRMATION
    wang = person(name="王晓明", id_number=WANG_ID)
    client.force_login(wang)
    page = client.get("/org/confirmations/").content.decode()
    assert "示范&lt;b&gt;商行&lt;/b&gt;&amp;&quot;引号&quot;有限公司" in page and "<b>商行" not in page
    response = client.post("/org/confirmations/", {"org_id": org.pk})
    assert response["Location"] == f"/org/{org.pk}/"
    home = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;" in home and "<b>商行" not in home


def test_login_page_password_and_generic_failure(client):
    wang = person(name="王晓明", id_number=WANG_ID)
    register(wang)
    wrong = client.post("/org/login/", {"credit_code": DIANCHI["credit_code"], "password": "Nope#12345"})
    assert "账号或密码不正确" in wrong.content.decode()
    ok = client.post("/org/login/", {"credit_code": DIANCHI["credit_code"], "password": ORG_PASSWORD})
    org = Organization.objects.get()
    assert ok.status_code == 302
    assert client.get("/org/")["Location"] == f"/org/{org.pk}/"
    assert "法人账号" in client.get(f"/org/{org.pk}/").content.decode()
    assert client.get(f"/org/{org.pk}/agents/").status_code in (302, 404)  # the org account manages no agents


def test_certificate_login_page(client):
    wang = person(name="王晓明", id_number=WANG_ID)
    org_id = register(wang).id
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    client.force_login(wang)
    assert client.post(f"/org/{org_id}/keys/", {"public_key_pem": pem, "label": "财务室"}).status_code == 302
    client.logout()
    page = client.post("/org/login/certificate/", {"step": "challenge", "credit_code": DIANCHI["credit_code"]})
    text = page.content.decode()
    assert "openssl pkeyutl -sign" in text
    message = re.search(r'<pre class="challenge" id="challenge">([^<]+)</pre>', text).group(1)
    nonce = message.rsplit(":", 1)[1]
    signature = base64.b64encode(private.sign(message.encode())).decode()
    done = client.post("/org/login/certificate/", {"step": "verify", "nonce": nonce, "signature": signature})
    assert done.status_code == 302
    replay = client.post("/org/login/certificate/", {"step": "verify", "nonce": nonce, "signature": signature})
    assert "已使用过" in replay.content.decode()


def test_agents_page_authorise_and_revoke_with_confirmation(client):
    wang = person(name="王晓明", id_number=WANG_ID)
    org_id = register(wang).id
    li = person(name="李华", id_number=LI_ID)
    client.force_login(li)
    assert client.get(f"/org/{org_id}/").status_code == 404, "no rights, no page"
    client.force_login(wang)
    response = client.post(f"/org/{org_id}/agents/", {"agent": li.phone, "scopes": ["apply", "pay"],
                                                      "valid_until": "2099-12-31"})
    assert response.status_code == 302
    auth = AgentAuthorization.objects.get()
    listing = client.get(f"/org/{org_id}/agents/").content.decode()
    assert "申请办理事项" in listing and "2100-01-01 00:00" in listing  # the end of the chosen day, China time
    confirm = client.get(f"/org/{org_id}/agents/{auth.pk}/revoke/")
    assert "确认撤销" in confirm.content.decode()
    assert AgentAuthorization.objects.get().revoked_at is None, "GET only asks"
    client.post(f"/org/{org_id}/agents/{auth.pk}/revoke/")
    assert AgentAuthorization.objects.get().revoked_at is not None
    client.force_login(li)
    assert client.get(f"/org/{org_id}/").status_code == 404
    assert client.get(f"/org/{org_id}/agents/{auth.pk}/revoke/").status_code == 404


def test_public_pages_render_and_registration_needs_a_signed_in_person(client):
    for url in ("/org/", "/org/login/", "/org/login/certificate/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/org/register/").status_code == 302
