"""Submission (申请提交): the checks, the unified case number (统一赋码), the receipt (回执) and 一件事 bundles.

Numbers: 实施编码 (31) + yyyyMMdd (Asia/Shanghai) + a 4-digit serial per implementation per day = 43 characters,
from a counter row locked with ``select_for_update`` inside the submission transaction — a rolled-back submission
gives its serial back (no gaps), concurrent submissions wait for each other (no duplicates). A bundle's parent
case is numbered ``YJS-<bundle code>-yyyyMMdd<serial>`` from a counter of its own; each child has its
implementation's number.

A retried or double-clicked submission carries the same idempotency key and gets the same case back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import clock, workflow
from tongban.cases.actors import (
    PLATFORM,
    CaseActor,
    actor_tokens,
    applicant_actor,
    guard,
    id_index,
    name_index,
    record,
)
from tongban.cases.errors import StepUpRequired
from tongban.cases.models import (
    AcceptanceMode,
    ApplicantKind,
    Attachment,
    AttachmentSource,
    Case,
    CaseKind,
    CaseNumberCounter,
    CaseStatus,
    Draft,
)
from tongban.cases.present import receipt_of
from tongban.cases.records import CaseReceipt, ProcessingConfigData
from tongban.cases.registry import license_resolvers
from tongban.cases.services.config import processing_config_for
from tongban.cases.services.drafts import (
    _draft_for,
    audience_problem,
    draft_blocked_reason,
    draft_form,
    draft_implementation,
    draft_requirements,
)
from tongban.cases.services.processing import accept_case
from tongban.catalog import forms
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.interface import AssuranceLevel as ItemAssurance
from tongban.core.audit import atomic_service
from tongban.core.errors import Conflict, Issue, NotFound, ValidationFailed
from tongban.files.services import file_info
from tongban.identity.interface import AccountKind, AssuranceLevel
from tongban.identity.selectors import person_profile, person_verified_identity, user_assurance_level
from tongban.organizations.interface import AgentScope

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
SERIAL_MAX = 9999
SAFE_SCAN = frozenset({"clean", "pending"})  # pending: stored with TONGBAN_FILE_SCANNER=none (a gateway scans)
# The real-name level an item's 所需身份等级 asks for; items that declare nothing ask for level 2.
REQUIRED_LEVEL = {
    ItemAssurance.GUEST: AssuranceLevel.REGISTERED,
    ItemAssurance.REGISTERED: AssuranceLevel.REGISTERED,
    ItemAssurance.VERIFIED: AssuranceLevel.ID_CHECKED,
}
DEFAULT_REQUIRED_LEVEL = AssuranceLevel.ID_CHECKED


# ------------------------------------------------------------------ numbering


def allocate_serial(*, scope: str, day: date) -> int:
    """The next serial of ``scope`` on ``day``, from a counter row locked until the transaction ends."""
    CaseNumberCounter.objects.bulk_create([CaseNumberCounter(scope=scope, day=day, last_serial=0)],
                                          ignore_conflicts=True)
    counter = CaseNumberCounter.objects.select_for_update().get(scope=scope, day=day)
    serial = counter.last_serial + 1
    if serial > SERIAL_MAX:
        raise Conflict(_("该事项今日的办件编号已用完，请明日再申请。"), code="serials_exhausted")
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last_serial=serial)
    return serial


def case_number_for(*, implementation_code: str, day: date, serial: int) -> str:
    return f"{implementation_code}{day:%Y%m%d}{serial:04d}"


def bundle_number_for(*, bundle_code: str, day: date, serial: int) -> str:
    return f"YJS-{bundle_code}-{day:%Y%m%d}{serial:04d}"


# ------------------------------------------------------------------ the applicant


def _applicant_identity(actor: CaseActor, user: Any) -> tuple[str, str, str]:
    """(applicant kind, name, ID number or credit code) as the case records them."""
    if actor.org is not None:
        return ApplicantKind.ORGANIZATION, actor.org.org_name, actor.org.credit_code
    verified = person_verified_identity(user_id=user.pk)
    if verified is not None:
        return ApplicantKind.PERSON, verified[0], verified[1]
    profile = person_profile(user=user)
    return ApplicantKind.PERSON, (profile.name if profile and profile.name else user.get_username()), ""


def _check_assurance(*, actor: CaseActor, user: Any, versions: Sequence[Any]) -> None:
    if getattr(user, "kind", "") == AccountKind.ORGANIZATION:
        return  # the organisation's own account: its identity was checked against the registry at registration
    needed = max((REQUIRED_LEVEL.get(v.min_assurance, DEFAULT_REQUIRED_LEVEL) for v in versions),
                 default=DEFAULT_REQUIRED_LEVEL)
    current = user_assurance_level(user=user)
    if current < needed:
        raise StepUpRequired(
            _("办理该事项需要“%(l)s”，请先完成实名认证后再提交（草稿已保存）。") % {"l": AssuranceLevel(needed).label},
            required_level=int(needed), current_level=current)


def _check_materials(draft: Draft, attachments: Sequence[Attachment], *, actor: CaseActor) -> list[Issue]:
    issues: list[Issue] = []
    supplied = {a.material_name for a in attachments}
    for requirement in draft_requirements(draft):
        if requirement.required and requirement.name not in supplied:
            issues.append(Issue("material_missing", _("请提交“%(n)s”。") % {"n": requirement.name},
                                f"materials.{requirement.name}"))
    license_types = {r.name: r.license_type for r in draft_requirements(draft)}
    for attachment in attachments:
        if attachment.source == AttachmentSource.LICENSE:
            reference = attachment.license_reference or {}
            confirmed = bool(license_types.get(attachment.material_name)) and any(
                resolver.confirm(user_id=actor.user_id or 0, org_id=actor.org.org_id if actor.org else None,
                                 license_id=str(reference.get("license_id", "")),
                                 license_type=license_types[attachment.material_name]) is not None
                for resolver in license_resolvers())
            if not confirmed:
                issues.append(Issue("license_invalid", _("“%(n)s”引用的电子证照已失效，请重新选择或上传。") % {
                    "n": attachment.material_name}, f"materials.{attachment.material_name}"))
            continue
        info = file_info(file_id=attachment.file_id) if attachment.file_id else None
        if info is None or info.scan_status not in SAFE_SCAN:
            issues.append(Issue("material_unsafe", _("“%(n)s”的文件未通过安全检查，请重新上传。") % {
                "n": attachment.material_name}, f"materials.{attachment.material_name}"))
    return issues


# ------------------------------------------------------------------ creating cases


def _new_case(
    *, actor: CaseActor, impl: Any | None, config: ProcessingConfigData | None, kind: str, number: str,
    parent: Case | None, identity: tuple[str, str, str], idempotency_key: str, form_data: dict[str, Any],
    spec: Any, title: str, department_id: int | None, bundle_code: str, now: datetime,
) -> Case:
    applicant_kind, name, id_number = identity
    version: Any = impl.item.current_version if impl is not None else None
    impl_version: Any = impl.current_version if impl is not None else None
    case = Case(
        case_number=number, kind=kind, parent=parent, bundle_code=bundle_code, implementation=impl,
        item_version=version, implementation_version=impl_version, item_code=impl.item.basic_code if impl else "",
        item_name=title[:200], department_id=department_id, applicant_kind=applicant_kind,
        applicant_user_id=actor.account_id, organization_id=actor.org.org_id if actor.org else None,
        applicant_name=name, applicant_name_index=name_index(name), applicant_id_number=id_number,
        applicant_id_index=id_index(id_number) if id_number else "", idempotency_key=idempotency_key,
        status=CaseStatus.DRAFT, submitted_at=now, form_key=spec.key, form_snapshot=forms.form_spec_snapshot(spec))
    case.form_data = form_data
    if impl is not None and config is not None:
        case.acceptance_mode = config.acceptance_mode
        case.handled_externally = config.handled_externally
        case.fee_amount_fen = config.fee_amount_fen
        case.promised_limit_value = impl_version.promised_limit_value if impl_version else version.promised_limit_value
        case.promised_limit_unit = impl_version.promised_limit_unit if impl_version else version.promised_limit_unit
        case.legal_limit_value = version.legal_limit_value
        case.legal_limit_unit = version.legal_limit_unit
        deadline = clock.acceptance_deadline(mode=config.acceptance_mode, start=now)
        case.acceptance_due, case.acceptance_due_provisional = deadline.due, deadline.provisional
        case.clock_due = deadline.due
    case.save()  # tokens need the row's applicant; the status moves below, through the table
    case.status = guard(case=case, transition="submit", actor=actor, tokens=actor_tokens(actor, case, steps=[]))
    record(case=case, transition="submit", actor=actor, from_status=CaseStatus.DRAFT, now=now,
           detail={"acceptance_due": case.acceptance_due.isoformat() if case.acceptance_due else None,
                   "provisional": case.acceptance_due_provisional, "form_key": spec.key})
    return case


def _copy_attachments(case: Case, attachments: Sequence[Attachment], *, names: set[str] | None) -> None:
    Attachment.objects.bulk_create([Attachment(
        case=case, material_name=a.material_name, source=a.source, file_id=a.file_id,
        license_reference=a.license_reference, display_name=a.display_name, mime=a.mime, size=a.size,
        sha256=a.sha256, supplement_round=0, added_by_id=a.added_by_id)
        for a in attachments if names is None or a.material_name in names])


def _receipt_accept(case: Case, now: datetime) -> None:
    if case.acceptance_mode == AcceptanceMode.RECEIPT and not case.handled_externally:
        accept_case(case, actor=PLATFORM, tokens={workflow.SYSTEM}, opinion=_("收件即受理"), now=now)


def _receipt_for_key(*, user: Any, idempotency_key: str) -> CaseReceipt | None:
    case = (Case.objects.select_related("department", "implementation_version")
            .filter(applicant_user_id=getattr(user, "pk", None), idempotency_key=idempotency_key).first())
    return receipt_of(case) if case is not None else None


@atomic_service
def _submit(*, user: Any, org_id: int | None, draft_id: int, idempotency_key: str) -> CaseReceipt:
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.APPLY)
    draft = _draft_for(actor, draft_id, lock=True)
    blocked = draft_blocked_reason(draft)
    if blocked:
        raise Conflict(blocked, code="item_suspended")
    impls: list[Any] = [draft_implementation(draft)] if draft.implementation_id is not None else [
        catalog_selectors.implementation_get(implementation_id=int(m["implementation_id"])) for m in draft.members]
    versions: list[Any] = [impl.item.current_version for impl in impls]
    for version in versions:
        problem = audience_problem(version=version, actor=actor)
        if problem:
            raise Conflict(problem, code="wrong_applicant_kind")
    _check_assurance(actor=actor, user=user, versions=versions)
    spec = draft_form(draft)
    prefilled = forms.form_prefill(spec=spec, user=user, acting_org_id=actor.org.org_id if actor.org else None)
    issues: list[Issue] = []
    cleaned: dict[str, Any] = {}
    try:
        cleaned = forms.form_validate(spec=spec, data=draft.data, prefilled=prefilled)
    except ValidationFailed as error:
        issues += error.issues
    attachments = list(draft.attachments.order_by("material_name", "pk"))
    issues += _check_materials(draft, attachments, actor=actor)
    if issues:
        raise ValidationFailed(_("申请还有%(n)d处需要完善，请修改后再提交。") % {"n": len(issues)},
                               code=issues[0].code, issues=issues)

    now = timezone.now()
    day = clock.local_date(now)
    identity = _applicant_identity(actor, user)
    configs = {impl.pk: processing_config_for(implementation_id=impl.pk) for impl in impls}
    # Serials are taken in one order (sorted scopes), so that two bundles never wait for each other's counters.
    scopes = sorted({impl.code for impl in impls} | ({f"bundle:{draft.bundle_code}"} if draft.bundle_code else set()))
    serials = {scope: allocate_serial(scope=scope, day=day) for scope in scopes}

    if draft.implementation_id is not None:
        impl = impls[0]
        case = _new_case(
            actor=actor, impl=impl, config=configs[impl.pk], kind=CaseKind.SINGLE,
            number=case_number_for(implementation_code=impl.code, day=day, serial=serials[impl.code]),
            parent=None, identity=identity, idempotency_key=idempotency_key, form_data=cleaned, spec=spec,
            title=versions[0].name, department_id=impl.department_id, bundle_code="", now=now)
        _copy_attachments(case, attachments, names=None)
        _receipt_accept(case, now)
    else:
        bundle = catalog_selectors.bundle_get(code=draft.bundle_code)
        title = bundle.name if bundle else draft.bundle_code
        case = _new_case(
            actor=actor, impl=None, config=None, kind=CaseKind.BUNDLE_PARENT,
            number=bundle_number_for(bundle_code=draft.bundle_code, day=day,
                                     serial=serials[f"bundle:{draft.bundle_code}"]),
            parent=None, identity=identity, idempotency_key=idempotency_key, form_data=cleaned, spec=spec,
            title=title, department_id=impls[0].department_id, bundle_code=draft.bundle_code, now=now)
        _copy_attachments(case, attachments, names=None)
        for impl, version in zip(impls, versions, strict=True):
            child = _new_case(
                actor=actor, impl=impl, config=configs[impl.pk], kind=CaseKind.BUNDLE_CHILD,
                number=case_number_for(implementation_code=impl.code, day=day, serial=serials[impl.code]),
                parent=case, identity=identity, idempotency_key="",
                form_data=forms.form_member_data(spec=spec, basic_code=impl.item.basic_code, data=cleaned),
                spec=spec, title=version.name, department_id=impl.department_id, bundle_code=draft.bundle_code,
                now=now)
            _copy_attachments(child, attachments, names={m.name for m in version.materials.all()})
            _receipt_accept(child, now)
    draft.delete()
    case.refresh_from_db()
    return receipt_of(case)


def case_submit(*, user: Any, org_id: int | None = None, draft_id: int, idempotency_key: str) -> CaseReceipt:
    """Submit a draft; returns the receipt (回执).

    Checked, every problem at once where they are about the content: the implementation is published and not
    suspended (else :class:`Conflict` ``item_suspended``, the draft kept); the applicant is on the item's side
    (自然人 / 法人); the real-name level the item needs (:class:`tongban.cases.errors.StepUpRequired`, level 2 when
    the item declares none); the agent's "apply" scope (403, audited); the form in full (locked prefilled values
    unchanged); every required material present and its file safe. ``idempotency_key`` (8–64 characters, unique
    per applicant account, e.g. a UUID made when the form was shown): the same key returns the same case.
    """
    key = (idempotency_key or "").strip()
    if not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise ValidationFailed(_("提交标识无效，请刷新页面后重新提交。"), code="idempotency_key_invalid",
                               issues=[Issue("idempotency_key_invalid", _("提交标识无效。"), "idempotency_key")])
    existing = _receipt_for_key(user=user, idempotency_key=key)
    if existing is not None:
        return existing
    try:
        return _submit(user=user, org_id=org_id, draft_id=draft_id, idempotency_key=key)
    except (IntegrityError, NotFound):
        # A concurrent submission with the same key won (its draft is gone, or the key is taken): same case.
        existing = _receipt_for_key(user=user, idempotency_key=key)
        if existing is not None:
            return existing
        raise
