"""What the licences app plugs into the case engine and the worker (called from :mod:`tongban.licenses.hooks`):

* :class:`LicenseResultIssuer` (结果出具) — a case decided 准予 whose item result names a licence type that the
  case's department may issue gets the licence, issued to the applicant (the case's recorded applicant: the
  verified person, or the organisation and its credit code), with the surface fields taken from the case form where
  the names match. The decision's transaction includes the issue: a refusal (no active seal …) refuses the decision.
* :class:`LicenseResolver` (证照引用, 免交) — the applicant's valid licences of a type, and the re-check at
  submission (status row read each time: a revoked licence fails with ``license_invalid``).
* the periodic jobs ``licenses.expire`` (到期失效) and ``licenses.qr_token_uses_purge`` (expired 亮证 tokens), and the files housekeeping reference checker of licence PDFs.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date
from typing import Any

from django_tasks import task

from tongban.cases.interface import (
    LicenseReference,
    ResultReference,
    ResultRequest,
    license_resolver_register,
    result_issuer_register,
)
from tongban.core.audit import Actor
from tongban.core.errors import DomainError
from tongban.core.scheduler import periodic
from tongban.files.references import register_reference_checker
from tongban.identity.selectors import person_verified_identity, user_get
from tongban.identity.services import id_number_index
from tongban.licenses.models import HolderKind, License, LicenseSource
from tongban.licenses.records import LicenseRow, LicenseTypeRow
from tongban.licenses.selectors.licenses import (
    license_by_identifier,
    license_is_valid,
    license_list_valid_for_index,
    license_row,
)
from tongban.licenses.services.issuance import license_expire_due, license_issue
from tongban.licenses.services.verification import qr_token_uses_purge
from tongban.licenses.types import license_type_may_issue, license_types_for_material, license_types_for_result
from tongban.organizations.selectors import acting_context

log = logging.getLogger(__name__)

NAME = "licenses"
EXPIRE_EVERY_SECONDS = 60 * 60


# ------------------------------------------------------------------ result issuer (准予 → 电子证照)


def _types_for(request: ResultRequest) -> list[LicenseTypeRow]:
    holder_kind = HolderKind.ORGANIZATION if request.organization_id else HolderKind.PERSON
    return [t for t in license_types_for_result(result_name=request.result_name)
            if t.holder_kind == holder_kind and license_type_may_issue(license_type=t,
                                                                       department_id=request.department_id)]


class LicenseResultIssuer:
    """Issues the electronic licence of a case decided 准予."""

    def handles(self, request: ResultRequest) -> bool:
        if not request.result_name or not request.applicant_number:
            return False
        return bool(_types_for(request))

    def issue(self, request: ResultRequest) -> list[ResultReference]:
        references = []
        person = not request.organization_id
        actor = Actor(kind="system", id=str(request.case_id), label=f"办件{request.case_number}准予决定")
        for license_type in _types_for(request):
            row = license_issue(
                license_type_code=license_type.code, issuer_department_id=request.department_id,
                holder_kind=HolderKind.PERSON if person else HolderKind.ORGANIZATION,
                holder_name=request.applicant_name, holder_number=request.applicant_number,
                data={f.name: request.form_data.get(f.name) for f in license_type.fields
                      if request.form_data.get(f.name) not in (None, "", [])},
                holder_user_id=request.applicant_user_id if person else None,
                holder_organization_id=request.organization_id, case_id=request.case_id,
                source=LicenseSource.CASE, actor=actor)
            references.append(ResultReference(kind="license", reference=row.identifier, label=license_type.name))
        return references


# ------------------------------------------------------------------ licence resolver (免交)


def _holder_index(*, user_id: int, org_id: int | None) -> tuple[str, str]:
    """(holder kind, blind index) of the applicant, or (kind, "") when unknown or not allowed."""
    if org_id is not None:
        user = user_get(user_id=user_id)
        if user is None:
            return HolderKind.ORGANIZATION, ""
        try:
            context = acting_context(user=user, org_id=org_id)
        except DomainError:  # NotPermitted: not (or no longer) acting for the organisation
            return HolderKind.ORGANIZATION, ""
        return HolderKind.ORGANIZATION, id_number_index(context.credit_code)
    verified = person_verified_identity(user_id=user_id)
    return HolderKind.PERSON, id_number_index(verified[1]) if verified else ""


def _reference(row: LicenseRow, *, license_type: str = "") -> LicenseReference:
    return LicenseReference(
        license_type=license_type or row.license_type_name, license_id=row.identifier, holder_name=row.holder_name,
        label=f"{row.license_type_name}（电子证照）", issuer=row.issuer_name,
        valid_until=row.valid_until.isoformat() if row.valid_until else "")


class LicenseResolver:
    """Licences standing for required materials (trust level A)."""

    def licenses_for(self, *, user_id: int, org_id: int | None, license_type: str) -> list[LicenseReference]:
        kind, index = _holder_index(user_id=user_id, org_id=org_id)
        if not index:
            return []
        names = [t.name for t in license_types_for_material(material_name=license_type) if t.holder_kind == kind]
        if not names:
            return []
        return [_reference(row, license_type=license_type)
                for row in license_list_valid_for_index(holder_index=index, type_names=names)
                if row.holder_kind == kind]

    def confirm(self, *, user_id: int, org_id: int | None, license_id: str,
                license_type: str = "") -> LicenseReference | None:
        license = license_by_identifier(identifier=license_id)
        if license is None or not license_is_valid(license):
            return None
        kind, index = _holder_index(user_id=user_id, org_id=org_id)
        held = bool(index) and license.holder_index == index and license.holder_kind == kind
        if not held:
            return None
        if license_type and license.license_type.name not in {
                t.name for t in license_types_for_material(material_name=license_type)}:
            return None  # a licence of another type does not stand for this material
        return _reference(license_row(license), license_type=license_type)


# ------------------------------------------------------------------ the expiry job, files housekeeping


@task()
def licenses_expire_task() -> int:
    """到期失效 of valid licences past their last day; returns how many."""
    return license_expire_due()


@task()
def qr_token_uses_purge_task() -> int:
    """Forget verified 亮证 tokens once they have expired (replay protection needs them only until then)."""
    return qr_token_uses_purge()


def expire_now(*, today: date | None = None) -> int:
    return license_expire_due(today=today)


def _referenced_files(file_ids: Collection[int]) -> set[int]:
    rows = License.objects.filter(pdf_file_id__in=list(file_ids)).values_list("pdf_file_id", flat=True)
    return {int(file_id) for file_id in rows if file_id is not None}


def register() -> None:
    result_issuer_register(NAME, LicenseResultIssuer())
    license_resolver_register(NAME, LicenseResolver())
    periodic(every_seconds=EXPIRE_EVERY_SECONDS, name="licenses.expire")(licenses_expire_task)
    periodic(every_seconds=EXPIRE_EVERY_SECONDS, name="licenses.qr_token_uses_purge")(qr_token_uses_purge_task)
    register_reference_checker("licenses.license", _referenced_files)


__all__: list[Any] = ["LicenseResolver", "LicenseResultIssuer", "register"]
