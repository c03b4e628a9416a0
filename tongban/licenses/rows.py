"""Rows → plain records (:mod:`tongban.licenses.records`), shared by the licences services and selectors (which,
being one layer, do not import each other)."""

from __future__ import annotations

from tongban.core.crypto import mask_id_number
from tongban.licenses.models import HolderKind, ImportBatch, License
from tongban.licenses.records import ImportLine, ImportReport, LicenseRow


def mask_holder_number(kind: str, number: str) -> str:
    if kind == HolderKind.ORGANIZATION:
        return number  # a credit code is public information (GB 32100)
    return mask_id_number(number)


def license_row(license: License) -> LicenseRow:
    return LicenseRow(
        id=license.pk, identifier=license.identifier, license_type_code=license.license_type.code,
        license_type_name=license.license_type.name, serial=license.serial, version=license.version,
        issuer_department_id=license.issuer_department_id, issuer_name=license.issuer_department.name,
        holder_kind=license.holder_kind, holder_name=license.holder_name,
        holder_number_masked=mask_holder_number(license.holder_kind, license.holder_number),
        holder_user_id=license.holder_user_id, holder_organization_id=license.holder_organization_id,
        status=license.status, issued_on=license.issued_on, valid_from=license.valid_from,
        valid_until=license.valid_until, source=license.source, case_id=license.case_id,
        pdf_file_id=license.pdf_file_id, pdf_sha256=license.pdf_sha256, superseded_by_id=license.superseded_by_id,
        created_at=license.created_at)


def import_report_of(batch: ImportBatch) -> ImportReport:
    return ImportReport(
        batch_id=batch.pk, file_name=batch.file_name, department_id=batch.department_id, total=batch.total,
        accepted=batch.accepted, rejected=batch.rejected, created_at=batch.created_at,
        lines=tuple(ImportLine(line=int(r.get("line", 0)), status=str(r.get("status", "")),
                               message=str(r.get("message", "")), identifier=str(r.get("identifier", "")))
                    for r in batch.report or []))
