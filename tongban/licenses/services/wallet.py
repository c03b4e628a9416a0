"""The holder's own actions in 我的证照 that are not consents: downloading the sealed PDF (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import Target, atomic_service, audit_record
from tongban.core.errors import NotFound
from tongban.files.services import file_read
from tongban.licenses.holding import holder_scope, license_for_holder


@dataclass(frozen=True)
class LicenseFile:
    file_name: str
    data: bytes


@atomic_service
def license_download_for_holder(*, user: Any, license_id: int, org_id: int | None = None) -> LicenseFile:
    """The sealed PDF of one of the holder's licences; :class:`NotFound` when it is not the holder's or when the
    file has not been made yet ("证照文件尚未生成")."""
    scope = holder_scope(user=user, org_id=org_id)
    licence = license_for_holder(scope=scope, license_id=license_id)
    if licence.pdf_file_id is not None:
        _info, data = file_read(file_id=licence.pdf_file_id)
    else:
        data = _render(licence.pk)
    audit_record(action="licenses.download", actor=scope.actor, on_behalf_of=scope.on_behalf_of,
                 target=Target(type="licenses.license", id=str(licence.pk), label=licence.identifier))
    name = f"{licence.license_type.name}-{licence.serial}-v{licence.version:03d}.pdf"
    return LicenseFile(file_name=name, data=data)


def _render(license_id: int) -> bytes:
    """The issuing area's renderer, when it offers one for a licence without a stored file."""
    try:
        from tongban.licenses.services.issuance import license_pdf
    except ImportError:
        raise NotFound(_("证照文件尚未生成。"), code="license_file_missing") from None
    data: bytes = license_pdf(license_id=license_id)
    return data
