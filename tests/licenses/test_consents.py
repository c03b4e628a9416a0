"""用证授权 and use: a department asks, the holder grants chosen fields until a date (or refuses, or revokes);
each use is checked and logged — refused ones too (expired, fields not covered, not granted, licence no longer
valid) — and an allowed use gives the granted fields and a watermarked copy sealed by the issuing department."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from tests.licenses.wallet_world import make_wallet_world
from tongban.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.licenses.models import LicenseConsent, LicenseStatus, LicenseUse, SealUsage
from tongban.licenses.selectors import wallet as wallet_selectors
from tongban.licenses.services import consents as c

pytestmark = pytest.mark.django_db


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def _today() -> Any:
    return timezone.localdate()


def _request(w: SimpleNamespace, *, fields: list[str] | None = None, days: int = 30) -> Any:
    requester = c.requester_for_staff(user=w.clerk)
    return c.consent_request(requester=requester, identifier=w.licence.identifier, purpose="办理低保申请，核对户籍",
                             fields=fields or ["name", "id_number", "address"],
                             valid_until=_today() + timedelta(days=days))


def _granted(w: SimpleNamespace, *, fields: list[str] | None = None, days: int = 10) -> Any:
    made = _request(w)
    c.consent_grant(user=w.citizen, consent_id=made.id, fields=fields or ["name", "id_number"],
                    valid_until=_today() + timedelta(days=days))
    return made


def _use(w: SimpleNamespace, consent_id: int, fields: list[str] | None = None, **kwargs: Any) -> Any:
    return c.license_use(requester=c.requester_for_staff(user=w.clerk), consent_id=consent_id, fields=fields,
                         purpose="低保审核", **kwargs)


def test_request_is_listed_for_the_holder_and_notifies(ww: SimpleNamespace, django_capture_on_commit_callbacks: Any
                                                       ) -> None:
    ww.licence.holder_user = ww.citizen
    ww.licence.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = _request(ww)
    assert made.consent.status == "requested" and made.holder_name_masked == "王**" and not made.usable
    pending = wallet_selectors.consent_list_for_holder(user=ww.citizen, pending_only=True)
    assert [row.id for _lic, row in pending] == [made.id]
    assert pending[0][1].requester_name == "石林彝族自治县民政局"
    from tongban.notifications.models import Notice

    assert Notice.objects.filter(user=ww.citizen, title="有人申请使用您的证照").exists()
    assert AuditEvent.objects.filter(action="licenses.consent.request").exists()


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"purpose": "查"}, "purpose_invalid"),
    ({"fields": []}, "fields_required"),
    ({"fields": ["name", "salary"]}, "fields_unknown"),
    ({"valid_until": "past"}, "valid_until_past"),
    ({"valid_until": None}, "valid_until_required"),
    ({"valid_until": "far"}, "valid_until_too_far"),
])
def test_request_validation(ww: SimpleNamespace, kwargs: dict[str, Any], code: str) -> None:
    values: dict[str, Any] = {"purpose": "办理低保申请", "fields": ["name"], "valid_until": _today()}
    values.update(kwargs)
    if values["valid_until"] == "past":
        values["valid_until"] = _today() - timedelta(days=1)
    elif values["valid_until"] == "far":
        values["valid_until"] = _today() + timedelta(days=400)
    with pytest.raises(ValidationFailed) as info:
        c.consent_request(requester=c.requester_for_staff(user=ww.clerk), identifier=ww.licence.identifier,
                          **values)
    assert code in [i.code for i in info.value.issues]


def test_request_for_a_bad_identifier_or_an_invalid_licence(ww: SimpleNamespace) -> None:
    requester = c.requester_for_staff(user=ww.clerk)
    wrong = ww.licence.identifier[:-1] + ("0" if ww.licence.identifier[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as info:
        c.consent_request(requester=requester, identifier=wrong, purpose="办理低保申请", fields=["name"],
                          valid_until=_today())
    assert info.value.code == "identifier_check_failed"
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    with pytest.raises(Conflict):
        c.consent_request(requester=requester, identifier=ww.licence.identifier, purpose="办理低保申请",
                          fields=["name"], valid_until=_today())


def test_only_requesting_roles_may_ask(ww: SimpleNamespace) -> None:
    with pytest.raises(NotPermitted):
        c.requester_for_staff(user=ww.reviewer)
    with pytest.raises(NotPermitted):
        c.requester_for_staff(user=ww.citizen)
    assert c.requester_for_staff(user=ww.lookup).department_id == ww.minzheng.pk


def test_grant_only_requested_fields_and_not_beyond_the_requested_date(ww: SimpleNamespace) -> None:
    made = _request(ww, fields=["name", "id_number"], days=20)
    with pytest.raises(ValidationFailed) as info:
        c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name", "address"],
                        valid_until=_today() + timedelta(days=5))
    assert "fields_not_requested" in [i.code for i in info.value.issues]
    with pytest.raises(ValidationFailed) as info:
        c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name"],
                        valid_until=_today() + timedelta(days=21))
    assert "valid_until_after_request" in [i.code for i in info.value.issues]
    row = c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name"],
                          valid_until=_today() + timedelta(days=5))
    assert row.status == "granted" and [f.name for f in row.granted_fields] == ["name"]
    assert row.valid_until == _today() + timedelta(days=5)
    with pytest.raises(Conflict):  # decided once
        c.consent_refuse(user=ww.citizen, consent_id=made.id)


def test_only_the_holder_decides(ww: SimpleNamespace) -> None:
    made = _request(ww)
    with pytest.raises(NotFound):
        c.consent_grant(user=ww.other, consent_id=made.id, fields=["name"], valid_until=_today())
    assert AuditEvent.objects.filter(action="licenses.consent.grant", outcome="denied").exists()
    assert LicenseConsent.objects.get(pk=made.id).status == "requested"


def test_allowed_use_returns_only_the_granted_fields_and_is_logged(ww: SimpleNamespace) -> None:
    made = _granted(ww, fields=["name", "id_number"])
    used = _use(ww, made.id)
    assert [(f.name, f.value) for f in used.fields] == [("name", "王晓明"), ("id_number", "530102199001011231")]
    assert used.copy_pdf is None
    use = LicenseUse.objects.get()
    assert use.allowed and use.fields == ["name", "id_number"] and use.consent_id == made.id
    assert use.user_label.startswith("石林彝族自治县民政局")
    assert AuditEvent.objects.filter(action="licenses.use", outcome="success").exists()
    only_name = _use(ww, made.id, ["name"])
    assert [f.name for f in only_name.fields] == ["name"]
    total, uses = wallet_selectors.license_use_list_for_holder(user=ww.citizen, license_id=ww.licence.pk)
    assert total == 2 and all(u.allowed for u in uses)


def _refused(w: SimpleNamespace, consent_id: int, code: str, fields: list[str] | None = None) -> LicenseUse:
    before = LicenseUse.objects.count()
    with pytest.raises(c.UseRefused) as info:
        _use(w, consent_id, fields)
    assert info.value.code == code, info.value.message
    assert LicenseUse.objects.count() == before + 1
    use = LicenseUse.objects.latest("pk")
    assert not use.allowed and use.refusal_reason == info.value.message
    assert AuditEvent.objects.filter(action="licenses.use", outcome="denied").exists()
    return use


def test_use_after_expiry_is_refused_and_logged(ww: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _granted(ww, days=3)
    later = timezone.now() + timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    use = _refused(ww, made.id, "consent_expired")
    assert "到期" in use.refusal_reason


def test_use_of_fields_not_covered_is_refused_and_logged(ww: SimpleNamespace) -> None:
    made = _granted(ww, fields=["name"])
    use = _refused(ww, made.id, "consent_fields_exceeded", ["name", "address"])
    assert use.fields == ["name", "address"] and "住址" in use.refusal_reason


def test_use_before_grant_after_refusal_and_after_revocation(ww: SimpleNamespace) -> None:
    pending = _request(ww)
    _refused(ww, pending.id, "consent_not_granted")
    c.consent_refuse(user=ww.citizen, consent_id=pending.id)
    _refused(ww, pending.id, "consent_not_granted")
    granted = _granted(ww)
    assert _use(ww, granted.id).use_id
    c.consent_revoke(user=ww.citizen, consent_id=granted.id)
    use = _refused(ww, granted.id, "consent_not_granted")
    assert "撤回" in use.refusal_reason


def test_use_of_a_licence_no_longer_valid(ww: SimpleNamespace) -> None:
    made = _granted(ww)
    ww.licence.status = LicenseStatus.WITHDRAWN
    ww.licence.save()
    _refused(ww, made.id, "license_not_valid")


def test_another_department_cannot_use_the_consent(ww: SimpleNamespace) -> None:
    made = _granted(ww)
    with pytest.raises(NotFound):
        c.license_use(requester=c.requester_for_staff(user=ww.outsider_clerk), consent_id=made.id, fields=None,
                      purpose="x")
    assert not LicenseUse.objects.exists()
    assert AuditEvent.objects.filter(action="licenses.use", outcome="denied").exists()


def test_third_party_client_consents_are_its_own(ww: SimpleNamespace) -> None:
    bank = c.requester_for_client(client_id="bank-app", name="示范银行", department_id=None)
    assert bank.kind == "third_party"
    made = c.consent_request(requester=bank, identifier=ww.licence.identifier, purpose="开立账户核验身份",
                             fields=["name"], valid_until=_today())
    c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name"], valid_until=_today())
    assert c.license_use(requester=bank, consent_id=made.id, fields=None, purpose="").fields[0].value == "王晓明"
    other = c.requester_for_client(client_id="other-app", name="其他机构", department_id=None)
    with pytest.raises(NotFound):
        c.license_use(requester=other, consent_id=made.id, fields=None, purpose="")
    assert [r.id for r in c.consent_list_for_requester(requester=bank)] == [made.id]
    assert c.consent_list_for_requester(requester=other) == []


def test_copy_is_sealed_watermarked_and_has_only_the_granted_fields(ww: SimpleNamespace, settings: Any,
                                                                    tmp_path: Any) -> None:
    from tongban.core.pdf import pdf_available
    from tongban.licenses.services.seals import seal_ensure_for_department
    from tongban.licenses.signing import pdf_verify

    if not pdf_available():
        pytest.skip("no CJK font")
    seal_ensure_for_department(department_id=ww.gongan.pk, kind="license")
    made = _granted(ww, fields=["name", "address"])
    used = _use(ww, made.id, copy=True)
    assert used.copy_pdf is not None and used.copy_pdf.startswith(b"%PDF")
    report = pdf_verify(pdf=used.copy_pdf)
    assert report.valid, report.problems
    usage = SealUsage.objects.get(purpose="copy")
    assert usage.reference == f"{ww.licence.identifier}#use-{used.use_id}" and usage.document_sha256 == used.copy_sha256
    if shutil.which("pdftotext"):
        path = tmp_path / "copy.pdf"
        path.write_bytes(used.copy_pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        flat = "".join(text.split())
        assert "此件由王晓明提供，仅供办理政务服务事项时使用" in flat
        assert "鹿阜街道" in flat and "530102199001011231" not in flat  # the ID number was not granted


def test_copy_without_an_active_seal_is_refused_cleanly(ww: SimpleNamespace) -> None:
    from tongban.core.pdf import pdf_available

    if not pdf_available():
        pytest.skip("no CJK font")
    made = _granted(ww)
    with pytest.raises(Conflict) as info:
        _use(ww, made.id, copy=True)
    assert info.value.code == "seal_unavailable"
    assert not LicenseUse.objects.exists()  # nothing was handed over
