"""法人登录: credit code + password with identity's lockout, and certificate login with one-time challenges."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.utils import timezone

from tests.organizations.helpers import DIANCHI, LI_ID, ORG_PASSWORD, PASSWORD, WANG_ID, person, register
from tongban.core.errors import Conflict, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.organizations import services
from tongban.organizations.models import LoginChallenge, Organization

pytestmark = pytest.mark.django_db
CODE = DIANCHI["credit_code"]


@pytest.fixture
def wang():
    return person(name="王晓明", id_number=WANG_ID)


@pytest.fixture
def org(wang):
    return Organization.objects.get(pk=register(wang).id)


def _pem(private) -> str:
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_password_login_and_lockout_after_five_failures(org):
    user = services.organization_login_password(credit_code=CODE.lower(), password=ORG_PASSWORD, ip="10.1.1.1")
    assert user.pk == org.account_id
    for _ in range(5):
        with pytest.raises(services.AuthenticationFailed) as caught:
            services.organization_login_password(credit_code=CODE, password="Wrong#pass1", ip="10.1.1.1")
        assert "账号或密码不正确" in caught.value.message
    with pytest.raises(services.AuthenticationFailed) as locked:
        services.organization_login_password(credit_code=CODE, password=ORG_PASSWORD, ip="10.1.1.1")
    assert locked.value.message == caught.value.message, "a locked account looks like a wrong password"
    assert AuditEvent.objects.filter(action="identity.login.lock").count() == 1


def test_unknown_code_and_pending_org_get_the_same_generic_message(wang):
    li = person(name="李华", id_number=LI_ID)
    register(li, credit_code="91530102MA6H4J5K7E", name='示范<b>商行</b>&"引号"有限公司')  # pending
    messages = set()
    for code in ("91530102MA6H4J5K7E", "93530128MA6P3K5L7X"):
        with pytest.raises(services.AuthenticationFailed) as caught:
            services.organization_login_password(credit_code=code, password=ORG_PASSWORD, ip=None)
        messages.add(caught.value.message)
    assert len(messages) == 1
    with pytest.raises(ValidationFailed):
        services.organization_login_password(credit_code="91530102MA6N7Q8R2O", password=ORG_PASSWORD, ip=None)


def test_a_person_whose_username_is_a_valid_code_cannot_sign_in_as_an_organisation():
    code = "N2530102MA6N7Q8R25"  # valid GB 32100 (N: agriculture registry), also a valid custom username
    person(username=code)
    with pytest.raises(services.AuthenticationFailed):
        services.organization_login_password(credit_code=code, password=PASSWORD, ip=None)


@pytest.mark.parametrize("make_key", [ed25519.Ed25519PrivateKey.generate,
                                      lambda: ec.generate_private_key(ec.SECP256R1())])
def test_certificate_login_success_wrong_key_replay_and_expiry(org, wang, make_key):
    private = make_key()
    fingerprint = services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem=_pem(private))
    with pytest.raises(Conflict):
        services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem=_pem(private))

    def sign(key, message: str) -> str:
        data = message.encode()
        raw = key.sign(data) if isinstance(key, ed25519.Ed25519PrivateKey) else key.sign(data, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(raw).decode()

    challenge = services.login_challenge_issue(credit_code=CODE, ip="10.2.2.2")
    user = services.login_challenge_verify(nonce=challenge.nonce, signature=sign(private, challenge.message))
    assert user.pk == org.account_id
    event = AuditEvent.objects.filter(action="organizations.login.certificate", outcome="success").get()
    assert event.detail["fingerprint"] == fingerprint and event.actor_type == "organization"

    with pytest.raises(services.AuthenticationFailed) as replay:
        services.login_challenge_verify(nonce=challenge.nonce, signature=sign(private, challenge.message))
    assert replay.value.code == "challenge_used"

    other = services.login_challenge_issue(credit_code=CODE, ip=None)
    with pytest.raises(services.AuthenticationFailed) as wrong:
        services.login_challenge_verify(nonce=other.nonce, signature=sign(make_key(), other.message))
    assert wrong.value.code == "signature_invalid"
    with pytest.raises(services.AuthenticationFailed) as used:
        services.login_challenge_verify(nonce=other.nonce, signature=sign(private, other.message))
    assert used.value.code == "challenge_used", "a failed attempt uses the challenge up"

    late = services.login_challenge_issue(credit_code=CODE, ip=None)
    LoginChallenge.objects.filter(nonce=late.nonce).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.AuthenticationFailed) as expired:
        services.login_challenge_verify(nonce=late.nonce, signature=sign(private, late.message))
    assert expired.value.code == "challenge_expired"


def test_revoked_key_no_longer_signs_in(org, wang):
    private = ed25519.Ed25519PrivateKey.generate()
    services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem=_pem(private))
    services.organization_key_revoke(key_id=org.keys.get().pk, legal_rep_user=wang)
    challenge = services.login_challenge_issue(credit_code=CODE, ip=None)
    with pytest.raises(services.AuthenticationFailed):
        services.login_challenge_verify(nonce=challenge.nonce,
                                        signature=base64.b64encode(private.sign(challenge.message.encode())).decode())


def test_only_the_legal_rep_registers_keys_and_only_supported_algorithms(org):
    stranger = person(name="李华", id_number=LI_ID)
    pem = _pem(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(NotPermitted):
        services.organization_key_register(org_id=org.pk, legal_rep_user=stranger, public_key_pem=pem)
    wang = org.legal_rep_user
    with pytest.raises(ValidationFailed) as bad:
        services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem="not a key")
    assert bad.value.code == "key_invalid"
    p384 = _pem(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(ValidationFailed) as curve:
        services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem=p384)
    assert curve.value.code == "key_algorithm"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command line")
def test_the_documented_openssl_commands_produce_an_accepted_signature(org, wang, tmp_path):
    key_file = tmp_path / "org-key.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key_file)], check=True)
    public = subprocess.run(["openssl", "pkey", "-in", str(key_file), "-pubout"], check=True, capture_output=True,
                            text=True).stdout
    services.organization_key_register(org_id=org.pk, legal_rep_user=wang, public_key_pem=public)
    challenge = services.login_challenge_issue(credit_code=CODE, ip=None)
    (tmp_path / "challenge.txt").write_bytes(challenge.message.encode())
    signed = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", str(key_file), "-rawin", "-in",
                             str(tmp_path / "challenge.txt")], check=True, capture_output=True).stdout
    user = services.login_challenge_verify(nonce=challenge.nonce, signature=base64.b64encode(signed).decode())
    assert user.pk == org.account_id
