"""The electronic archive (电子档案): a package is made when a case ends (delivered, refused, withdrawn, voided) with
the expected files and a signed manifest; archive_verify passes on an intact package and reports a changed file, a
missing file and a tampered manifest (exit status 1); the zip export holds the files, manifest.json and
manifest.sig, which verify with the published key; retention per item; housekeeping keeps the files."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.licenses.case_world import delivered, refused, run_outbox, submitted, world_with_seal
from tests.licenses.factories import LicenseTypeFactory, license_row
from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.core.crypto import encrypt_bytes
from tongban.core.models import AuditEvent
from tongban.files.models import StoredFile
from tongban.files.services import file_delete_unreferenced, file_store_generated
from tongban.licenses import archives
from tongban.licenses.keys import published_keys
from tongban.licenses.models import ArchivePackage, ArchivePolicy, ArchiveStatus, CaseDocument
from tongban.licenses.services.archives import (
    ArchiveNotReady,
    archive_build,
    archive_export,
    archive_retain_until,
    archive_verify,
    manifest_canonical,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    return world_with_seal(regions)


def _package(case_id: int) -> ArchivePackage:
    return ArchivePackage.objects.get(case_id=case_id)


def _paths(package: ArchivePackage) -> list[str]:
    return [f["path"] for f in package.manifest["files"]]


def _blob(files_dir: Path, package: ArchivePackage, path: str) -> tuple[Path, str]:
    entry = next(f for f in package.manifest["files"] if f["path"] == path)
    name = StoredFile.objects.get(pk=entry["file_id"]).storage_name
    return files_dir / name, name


def _with_licence(world: Any, case_id: int) -> str:
    """A licence issued for the case, with a (sealed) PDF stored like the issuing service stores it."""
    kind = LicenseTypeFactory(defining_department=world.gongan)
    lic = license_row(license_type=kind, holder_name="王晓明")
    info = file_store_generated(owner_user_id=0, data=b"%PDF-1.7\n% licence\n", kind="pdf",
                                display_name="licence.pdf", purpose="licenses.license")
    type(lic).objects.filter(pk=lic.pk).update(case_id=case_id, pdf_file_id=info.id)
    return lic.identifier


def test_a_delivered_case_is_archived_with_every_part(world: Any) -> None:
    case_id = delivered(world)
    identifier = _with_licence(world, case_id)
    run_outbox()
    package = _package(case_id)
    paths = _paths(package)
    for expected in ("metadata.json", "form.json", "timeline.json", "audit.json"):
        assert expected in paths
    assert [p for p in paths if p.startswith("materials/")] == ["materials/01-居民身份证.pdf", "materials/02-申请书.pdf"]
    assert [p for p in paths if p.startswith("documents/")] == ["documents/01-受理通知书.pdf", "documents/02-准予许可决定书.pdf"]
    assert f"licenses/{identifier}.pdf" in paths
    assert package.department_id == world.gongan.pk and package.status == ArchiveStatus.UNCHECKED
    manifest = package.manifest
    assert manifest["format"] == "tongban-archive/1" and manifest["case_number"] == package.case_number
    assert {"path", "sha256", "size", "file_id"} <= set(manifest["files"][0])
    canonical = manifest_canonical(manifest)
    assert hashlib.sha256(canonical).hexdigest() == package.manifest_sha256
    assert canonical == json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    # the contents
    _name, data = archive_export(package_id=package.pk)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        metadata = json.loads(z.read("metadata.json"))
        timeline = json.loads(z.read("timeline.json"))
        audit = json.loads(z.read("audit.json"))
        form = json.loads(z.read("form.json"))
    assert metadata["case"]["applicant"]["name"] == "王晓明" and metadata["case"]["status"] == "delivered"
    assert metadata["case"]["outcome"] == "approve" and metadata["retain_until"]
    assert [e["transition"] for e in timeline["events"]][:2] == ["submit", "accept"]
    assert timeline["events"][-1]["transition"] == "deliver"
    assert any(e["action"] == "cases.case.deliver" for e in audit["entries"])
    assert form["data"]["reason"] == "首次申请"
    assert AuditEvent.objects.filter(action="licenses.archive.create", object_id=str(package.pk)).exists()


def test_terminal_states_are_archived_once(world: Any) -> None:
    refusal = refused(world)
    withdrawn = submitted(world)
    case_services.case_withdraw(user=world.citizen, case_id=withdrawn, reason="不再需要")
    voided = submitted(world)
    case_services.case_void(user=world.admin, case_id=voided, reason="重复提交")
    open_case = submitted(world)
    run_outbox()
    assert set(ArchivePackage.objects.values_list("case_id", flat=True)) == {refusal, withdrawn, voided}
    assert not ArchivePackage.objects.filter(case_id=open_case).exists()
    assert "documents/01-不予受理决定书.pdf" in _paths(_package(refusal))
    # a refused case voided later keeps its package; building again returns the same one
    package = _package(refusal)
    case_services.case_void(user=world.admin, case_id=refusal, reason="录入错误")
    run_outbox()
    assert ArchivePackage.objects.filter(case_id=refusal).count() == 1
    assert archive_build(case_id=refusal) == package.pk


def test_the_package_waits_for_the_sealed_documents(regions: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world_with_seal(regions, seal=False)
    case_id = refused(w)
    run_outbox()
    assert not ArchivePackage.objects.filter(case_id=case_id).exists()  # retried: the document is missing
    with pytest.raises(ArchiveNotReady):
        archive_build(case_id=case_id, waiting_since=timezone.now())
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    run_outbox()  # after a day it is made without it, and says so
    package = _package(case_id)
    assert not any(p.startswith("documents/") for p in _paths(package))
    _name, data = archive_export(package_id=package.pk)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        metadata = json.loads(z.read("metadata.json"))
    assert {"what": "sealed_documents", "expected": 1, "made": 0} in metadata["unavailable"]


def test_archive_verify_passes_on_an_intact_package(world: Any, capsys: Any) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    call_command("archive_verify", "--case-number", package.case_number)
    assert "完整" in capsys.readouterr().out
    package.refresh_from_db()
    assert package.status == ArchiveStatus.INTACT and package.verified_at and package.verification_report == []
    assert AuditEvent.objects.filter(action="licenses.archive.verify", object_id=str(package.pk)).exists()


def test_archive_verify_detects_a_changed_file(world: Any, files_dir: Path, capsys: Any) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    blob, name = _blob(files_dir, package, "form.json")
    blob.write_bytes(encrypt_bytes(b'{"data": {"reason": "tampered"}}', context=f"files.storedfile:{name}"))
    with pytest.raises(CommandError):
        call_command("archive_verify", "--all")
    out = capsys.readouterr().out
    assert "损坏" in out and "form.json" in out and "文件被改动" in out
    package.refresh_from_db()
    assert package.status == ArchiveStatus.DAMAGED
    assert package.verification_report[0]["code"] == "changed"
    # a blob overwritten with bytes that do not decrypt is a changed file too
    blob, _name = _blob(files_dir, package, "metadata.json")
    blob.write_bytes(b"garbage")
    result = archive_verify(package_id=package.pk)
    assert {(p.code, p.path) for p in result.problems} == {("changed", "form.json"), ("changed", "metadata.json")}


def test_archive_verify_detects_a_missing_file_and_exits_non_zero(world: Any, files_dir: Path, capsys: Any) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    blob, _name = _blob(files_dir, package, "materials/01-居民身份证.pdf")
    blob.unlink()
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "archive_verify", "--case-number", package.case_number])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "materials/01-居民身份证.pdf" in out and "文件缺失" in out


def test_archive_verify_detects_a_tampered_manifest(world: Any) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    manifest = package.manifest
    manifest["files"][0]["sha256"] = "0" * 64
    ArchivePackage.objects.filter(pk=package.pk).update(manifest=manifest)
    codes = {p.code for p in archive_verify(package_id=package.pk).problems}
    assert {"manifest_changed", "bad_signature", "changed"} <= codes
    # a manifest re-hashed by the tamperer still fails the signature
    ArchivePackage.objects.filter(pk=package.pk).update(
        manifest_sha256=hashlib.sha256(manifest_canonical(manifest)).hexdigest())
    codes = {p.code for p in archive_verify(package_id=package.pk).problems}
    assert "bad_signature" in codes and "manifest_changed" not in codes


def test_the_zip_export_verifies_with_the_published_key(world: Any, tmp_path: Path) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    output = tmp_path / "archive.zip"
    call_command("archive_export", "--case-number", package.case_number, "--output", str(output))
    with zipfile.ZipFile(output) as z:
        names = set(z.namelist())
        assert {"manifest.json", "manifest.sig", "README.txt"} <= names
        manifest_bytes = z.read("manifest.json")
        manifest = json.loads(manifest_bytes)
        for entry in manifest["files"]:
            assert hashlib.sha256(z.read(entry["path"])).hexdigest() == entry["sha256"]
        signature = base64.b64decode(z.read("manifest.sig"))
        readme = z.read("README.txt").decode()
    assert package.signing_kid in readme and "/licenses/keys/" in readme
    jwk = next(k for k in published_keys() if k["kid"] == package.signing_kid)
    assert jwk["crv"] == "Ed25519"
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
    key.verify(signature, manifest_bytes)  # raises when invalid
    assert AuditEvent.objects.filter(action="licenses.archive.export", object_id=str(package.pk)).exists()


def test_a_damaged_package_is_not_exported(world: Any, files_dir: Path) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    blob, _name = _blob(files_dir, package, "audit.json")
    blob.unlink()
    from tongban.core.errors import Conflict

    with pytest.raises(Conflict) as error:
        archive_export(package_id=package.pk)
    assert error.value.code == "archive_damaged"


def test_retention_per_item_or_by_default(world: Any, settings: Any) -> None:
    day = date(2026, 5, 14)
    assert archive_retain_until(item_code="X1", archived_on=day) == date(2056, 5, 14)
    settings.ARCHIVE_RETENTION_YEARS = 0
    assert archive_retain_until(item_code="X1", archived_on=day) is None
    ArchivePolicy.objects.create(item_code="X1", retention_years=10)
    assert archive_retain_until(item_code="X1", archived_on=date(2028, 2, 29)) == date(2038, 2, 28)
    ArchivePolicy.objects.create(item_code="X2", permanent=True)
    assert archive_retain_until(item_code="X2", archived_on=day) is None
    case_id = refused(world)
    code = case_selectors.case_archive_record(case_id=case_id).item_code
    ArchivePolicy.objects.create(item_code=code, permanent=True)
    run_outbox()
    package = _package(case_id)
    assert package.retain_until is None and package.manifest["retain_until"] is None

def test_housekeeping_keeps_the_archive_and_document_files(world: Any) -> None:
    case_id = refused(world)
    run_outbox()
    package = _package(case_id)
    ids = {f["file_id"] for f in package.manifest["files"]} | set(
        CaseDocument.objects.filter(case_id=case_id).values_list("file_id", flat=True))
    file_delete_unreferenced(now=timezone.now() + timedelta(days=3650))
    assert set(StoredFile.objects.filter(pk__in=ids).values_list("pk", flat=True)) == ids
    assert archives.CONSUMER == "licenses.case_archive"
