"""Drafts (申请草稿) and the materials attached to them.

One server-side draft per applicant account, acting organisation and implementation (or bundle): opening it again
— on any device — resumes it. Form values are saved as they are typed (``draft_save``, checked with the form's
partial validation); materials are met by a new upload, an earlier accepted upload (材料复用) or a licence by
reference (免交, once the licence issue registers a resolver).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tongban.cases.actors import MATERIAL_PURPOSE, CaseActor, applicant_actor
from tongban.cases.materials import (
    Requirement,
    attachment_row,
    material_statuses,
    requirements_of_versions,
    reusable_file_ids,
)
from tongban.cases.models import Attachment, AttachmentSource, Draft
from tongban.cases.records import AttachmentRow, DraftMember, DraftView
from tongban.cases.registry import license_resolvers
from tongban.catalog import forms
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.interface import Audience, CatalogStatus, ServiceObject
from tongban.core.audit import atomic_service
from tongban.core.errors import Conflict, NotFound, ValidationFailed
from tongban.directory import selectors as directory_selectors
from tongban.files.services import file_info, file_store
from tongban.organizations.interface import AgentScope

PERSON_OBJECTS = frozenset({ServiceObject.NATURAL_PERSON})


# ------------------------------------------------------------------ what a draft is for


def draft_implementation(draft: Draft) -> Any:
    """The implementation of a single-item draft (Any: the catalogue's row, read only)."""
    return draft.implementation


def _member_implementations(draft: Draft) -> list[Any]:
    impls = []
    for member in draft.members:
        impl = catalog_selectors.implementation_get(implementation_id=int(member["implementation_id"]))
        if impl is not None:
            impls.append(impl)
    return impls


def draft_requirements(draft: Draft) -> list[Requirement]:
    if draft.implementation_id is not None:
        return requirements_of_versions([draft_implementation(draft).item.current_version])
    return requirements_of_versions([impl.item.current_version for impl in _member_implementations(draft)])


def draft_form(draft: Draft) -> Any:
    """The form in force for the draft (a FormSpec of :mod:`tongban.catalog.forms`)."""
    if draft.implementation_id is not None:
        return forms.form_for_implementation(implementation_code=draft_implementation(draft).code)
    return forms.form_for_bundle(bundle_code=draft.bundle_code)


def _published(impl: Any) -> bool:
    return bool(impl.status == CatalogStatus.PUBLISHED and impl.item.status == CatalogStatus.PUBLISHED
                and impl.current_version_id is not None)


def draft_blocked_reason(draft: Draft) -> str:
    """Why the draft cannot be submitted now although it is kept (the item was suspended after it began)."""
    impls = [draft_implementation(draft)] if draft.implementation_id is not None else _member_implementations(draft)
    for impl in impls:
        if not _published(impl):
            name = impl.item.current_version.name if impl.item.current_version else impl.code
            return _("“%(n)s”已暂停办理，暂不能提交。草稿已为您保留，恢复办理后可继续提交。") % {"n": name}
    if draft.bundle_code and catalog_selectors.bundle_get(code=draft.bundle_code) is None:
        return _("该“一件事”已暂停办理，暂不能提交。草稿已为您保留。")
    return ""


def _title(draft: Draft) -> str:
    if draft.implementation_id is not None:
        version = draft_implementation(draft).item.current_version
        return version.name if version else draft_implementation(draft).code
    bundle = catalog_selectors.bundle_get(code=draft.bundle_code)
    return bundle.name if bundle else draft.bundle_code


def draft_view(draft: Draft, *, user: Any, actor: CaseActor) -> DraftView:
    members = tuple(DraftMember(
        item_code=impl.item.basic_code, item_name=impl.item.current_version.name if impl.item.current_version else "",
        implementation_id=impl.pk, implementation_code=impl.code, department_name=impl.department.name)
        for impl in _member_implementations(draft))
    blocked = draft_blocked_reason(draft)
    spec: Any = None
    prefill: dict[str, Any] = {}
    if not blocked:
        spec = draft_form(draft)
        prefill = forms.form_prefill(spec=spec, user=user, acting_org_id=actor.org.org_id if actor.org else None)
    attachments = list(draft.attachments.order_by("material_name", "created_at", "pk"))
    return DraftView(
        id=draft.pk, target_key=draft.target_key, title=_title(draft),
        implementation_code=draft_implementation(draft).code if draft.implementation_id else "",
        bundle_code=draft.bundle_code,
        department_name=draft_implementation(draft).department.name if draft.implementation_id else "",
        organization_id=draft.organization_id, form=spec, data=draft.data, prefill=prefill,
        materials=material_statuses(draft_requirements(draft), attachments), members=members,
        created_at=draft.created_at, updated_at=draft.updated_at, blocked_reason=blocked)


def audience_problem(*, version: Any, actor: CaseActor) -> str:
    """Why this applicant cannot apply for an item meant for the other side (自然人 / 法人), or ""."""
    objects = set(version.service_objects or [])
    if actor.org is None and objects and not objects & PERSON_OBJECTS:
        return _("“%(n)s”面向法人办理，请选择您代表的法人后申请。") % {"n": version.name}
    if actor.org is not None and objects and not objects - PERSON_OBJECTS and version.audience == Audience.PERSON:
        return _("“%(n)s”面向自然人办理，请以个人身份申请。") % {"n": version.name}
    return ""


def _applicant_for_writes(*, user: Any, org_id: int | None) -> CaseActor:
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.APPLY)
    return actor


def _draft_for(actor: CaseActor, draft_id: int, *, lock: bool = False) -> Draft:
    qs = Draft.objects.filter(pk=draft_id, applicant_user_id=actor.user_id)
    qs = qs.filter(organization_id=actor.org.org_id) if actor.org is not None else qs.filter(
        organization__isnull=True)
    if lock:
        qs = qs.select_for_update(of=("self",))
    draft = qs.select_related("implementation__item__current_version", "implementation__department").first()
    if draft is None:
        raise NotFound(_("没有找到这份草稿。"), code="draft_not_found")
    return draft


def _draft_lookup(actor: CaseActor, target_key: str) -> dict[str, Any]:
    return {"applicant_user_id": actor.account_id, "target_key": target_key,
            "organization_id": actor.org.org_id if actor.org else None}


def _get_or_create(*, actor: CaseActor, target_key: str, defaults: dict[str, Any]) -> Draft:
    lookup = _draft_lookup(actor, target_key)
    existing = Draft.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Draft.objects.create(**lookup, **defaults)
    except IntegrityError:  # opened at the same moment on another device
        return Draft.objects.get(**lookup)


def _bundle_members(bundle: Any, *, region_code: str, optional_item_codes: Sequence[str]) -> list[dict[str, Any]]:
    region = directory_selectors.region_get(code=region_code) if region_code else None
    chain = directory_selectors.region_ancestor_codes(region) if region is not None else []
    members = []
    problems = []
    for member in bundle.members.all():
        item = member.item
        if member.optional and item.basic_code not in optional_item_codes:
            continue
        candidates = list(catalog_selectors.implementation_list_for_item(item=item, site_region_codes=chain or None))
        # The nearest to the chosen region first (the deepest level); without a region, the province's first.
        candidates.sort(key=lambda impl: ((-1 if chain else 1) * len(impl.region.code.rstrip("0")), impl.code))
        if not candidates:
            problems.append(item.current_version.name if item.current_version else item.basic_code)
            continue
        members.append({"item_code": item.basic_code, "implementation_id": candidates[0].pk})
    if problems:
        raise Conflict(_("所选地区暂不能办理：%(n)s。") % {"n": "、".join(problems)}, code="bundle_member_unavailable")
    if not members:
        raise Conflict(_("该“一件事”没有可办理的事项。"), code="bundle_empty")
    return members


@atomic_service
def draft_open(
    *, user: Any, org_id: int | None = None, implementation_code: str = "", bundle_code: str = "",
    region_code: str = "", optional_item_codes: Sequence[str] = (),
) -> DraftView:
    """Open (create or resume) the draft for an implementation or a 一件事 bundle.

    For a bundle, each member item is handled by its published implementation nearest to ``region_code`` (the
    site: county, else prefecture, else province); optional members only when listed in ``optional_item_codes``.
    An agent needs the organisation's "apply" scope. Refused: an item that is not published (or suspended), an
    item for the other side (自然人 / 法人).
    """
    actor = _applicant_for_writes(user=user, org_id=org_id)
    if bool(implementation_code) == bool(bundle_code):
        raise ValidationFailed(_("请选择要申请的事项或“一件事”。"), code="target_required")
    if implementation_code:
        target_key = f"impl:{implementation_code}"
        existing = Draft.objects.filter(**_draft_lookup(actor, target_key)).first()
        if existing is None:
            impl = catalog_selectors.implementation_get_published(code=implementation_code)
            if impl is None:
                raise NotFound(_("该事项未发布或已暂停办理，暂不能申请。"), code="implementation_not_available")
            problem = audience_problem(version=impl.item.current_version, actor=actor)
            if problem:
                raise Conflict(problem, code="wrong_applicant_kind")
            existing = _get_or_create(actor=actor, target_key=target_key, defaults={"implementation_id": impl.pk})
    else:
        target_key = f"bundle:{bundle_code}"
        existing = Draft.objects.filter(**_draft_lookup(actor, target_key)).first()
        if existing is None:
            bundle = catalog_selectors.bundle_get(code=bundle_code)
            if bundle is None:
                raise NotFound(_("该“一件事”未发布或已暂停办理。"), code="bundle_not_available")
            if (bundle.audience == Audience.ORGANIZATION) != (actor.org is not None):
                raise Conflict(_("“%(n)s”面向%(a)s办理。") % {"n": bundle.name, "a": bundle.get_audience_display()},
                               code="wrong_applicant_kind")
            members = _bundle_members(bundle, region_code=region_code, optional_item_codes=optional_item_codes)
            existing = _get_or_create(actor=actor, target_key=target_key,
                                      defaults={"bundle_code": bundle_code, "members": members})
    return draft_view(_draft_for(actor, existing.pk), user=user, actor=actor)


@atomic_service
def draft_save(*, user: Any, org_id: int | None = None, draft_id: int, data: Mapping[str, Any]) -> DraftView:
    """Autosave: merge ``data`` (some or all fields; ``None`` clears a field) into the draft after the form's
    partial check (types, options, formats — required fields are checked at submission)."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    draft = _draft_for(actor, draft_id, lock=True)
    merged = {**draft.data, **dict(data)}
    merged = {key: value for key, value in merged.items() if value is not None}
    if not draft_blocked_reason(draft):
        merged = forms.form_validate(spec=draft_form(draft), data=merged, partial=True)
    draft.data = merged
    draft.save(update_fields=["data_encrypted", "updated_at"])
    return draft_view(draft, user=user, actor=actor)


@atomic_service
def draft_delete(*, user: Any, org_id: int | None = None, draft_id: int) -> None:
    """Discard a draft and its attachments (the stored files stay for reuse until housekeeping)."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    _draft_for(actor, draft_id, lock=True).delete()


def _requirement_named(draft: Draft, material_name: str) -> Requirement:
    for requirement in draft_requirements(draft):
        if requirement.name == material_name:
            return requirement
    raise ValidationFailed(_("该事项没有“%(n)s”这项材料。") % {"n": material_name}, code="unknown_material")


def store_upload(*, actor: CaseActor, upload: UploadedFile) -> Any:
    """Keep an upload through the files app (type by content, size limits, scan, encrypted at rest)."""
    assert actor.user_id is not None
    return file_store(owner_user_id=actor.user_id, upload=upload, purpose=MATERIAL_PURPOSE)


def file_attachment_create(*, actor: CaseActor, info: Any, material_name: str, source: str,
                           draft: Draft | None = None, case: Any = None, supplement_round: int = 0) -> Attachment:
    """One attachment row for a stored file (new upload or 材料复用), on a draft or on a case's supplement round."""
    return Attachment.objects.create(
        draft=draft, case=case, material_name=material_name, source=source, file_id=info.id,
        display_name=info.display_name, mime=info.mime, size=info.size, sha256=info.sha256,
        supplement_round=supplement_round, added_by_id=actor.account_id)


@atomic_service
def draft_attachment_upload(
    *, user: Any, org_id: int | None = None, draft_id: int, material_name: str, upload: UploadedFile,
) -> AttachmentRow:
    """Meet a material with a new upload (images and PDF, typed by content; refused when content and name
    disagree, when too large or infected — the files app's messages)."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    draft = _draft_for(actor, draft_id, lock=True)
    _requirement_named(draft, material_name)
    info = store_upload(actor=actor, upload=upload)
    attachment = file_attachment_create(actor=actor, info=info, material_name=material_name,
                                        source=AttachmentSource.UPLOAD, draft=draft)
    draft.save(update_fields=["updated_at"])
    return attachment_row(attachment)


def reusable_file(*, actor: CaseActor, file_id: int) -> Any:
    """The file if the applicant may reuse it (an earlier accepted upload of theirs), else 404."""
    if file_id not in reusable_file_ids(actor=actor):
        raise NotFound(_("没有找到可复用的这份材料。"), code="file_not_reusable")
    info = file_info(file_id=file_id)
    if info is None:
        raise NotFound(_("没有找到可复用的这份材料。"), code="file_not_reusable")
    return info


@atomic_service
def draft_attachment_reuse(
    *, user: Any, org_id: int | None = None, draft_id: int, material_name: str, file_id: int,
) -> AttachmentRow:
    """Meet a material with an earlier upload of the same applicant (or organisation) that was part of an
    accepted case (材料复用). Any other file id answers 404."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    draft = _draft_for(actor, draft_id, lock=True)
    _requirement_named(draft, material_name)
    info = reusable_file(actor=actor, file_id=file_id)
    attachment = file_attachment_create(actor=actor, info=info, material_name=material_name,
                                        source=AttachmentSource.REUSE, draft=draft)
    draft.save(update_fields=["updated_at"])
    return attachment_row(attachment)


def confirm_license(*, actor: CaseActor, license_id: str, material_name: str, license_type: str) -> Any:
    """The applicant's valid licence ``license_id``, of a type that stands for the material (its 可用证照类型
    ``license_type``); refused clearly when the material takes no licence, no resolver is registered, or the
    licence is unknown, not valid, not the applicant's or of another type."""
    if not license_type:
        raise ValidationFailed(_("“%(n)s”不能用电子证照代替，请上传材料。") % {"n": material_name},
                               code="license_not_accepted")
    resolvers = license_resolvers()
    if not resolvers:
        raise Conflict(_("电子证照服务尚未接入，请上传材料。"), code="licenses_unavailable")
    assert actor.user_id is not None
    for resolver in resolvers:
        reference = resolver.confirm(user_id=actor.user_id, org_id=actor.org.org_id if actor.org else None,
                                     license_id=license_id, license_type=license_type)
        if reference is not None:
            return reference
    raise NotFound(_("没有找到这份有效的电子证照。"), code="license_not_found")


@atomic_service
def draft_attachment_license(
    *, user: Any, org_id: int | None = None, draft_id: int, material_name: str, license_id: str,
) -> AttachmentRow:
    """Meet a material with a licence the applicant holds, by reference (免交). Needs a licence resolver
    (:func:`tongban.cases.registry.license_resolver_register`); until one exists this is refused clearly."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    draft = _draft_for(actor, draft_id, lock=True)
    requirement = _requirement_named(draft, material_name)
    reference = confirm_license(actor=actor, license_id=license_id, material_name=material_name,
                                license_type=requirement.license_type)
    attachment = Attachment.objects.create(
        draft=draft, material_name=material_name, source=AttachmentSource.LICENSE,
        license_reference=reference.as_json(), display_name=reference.label[:200], added_by_id=actor.account_id)
    draft.save(update_fields=["updated_at"])
    return attachment_row(attachment)


@atomic_service
def draft_attachment_remove(*, user: Any, org_id: int | None = None, draft_id: int, attachment_id: int) -> None:
    actor = _applicant_for_writes(user=user, org_id=org_id)
    draft = _draft_for(actor, draft_id, lock=True)
    deleted, _rows = Attachment.objects.filter(pk=attachment_id, draft=draft).delete()
    if not deleted:
        raise NotFound(_("没有找到这份材料。"), code="attachment_not_found")
    draft.save(update_fields=["updated_at"])
