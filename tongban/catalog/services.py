"""Writes to the item catalogue. Views, the API and the loader call these; nothing else writes catalog models.

Every service checks the actor's permission, runs the consistency rules, changes status only through
:mod:`tongban.catalog.workflow`, and leaves an audit record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import rules, workflow
from tongban.catalog.forms.definition import definition_check, definition_diff, definition_normalize
from tongban.catalog.models import (
    Bundle,
    BundleMember,
    CatalogRevision,
    CatalogStatus,
    Implementation,
    ImplementationVersion,
    Item,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from tongban.catalog.models.item import IMPLEMENTATION_LOCAL_FIELDS, ITEM_ELEMENT_FIELDS, MATERIAL_FIELDS
from tongban.catalog.scope import implementation_scope
from tongban.core.audit import (
    SYSTEM,
    Actor,
    Target,
    actor_from_user,
    atomic_service,
    audit_record,
    concealed_denial,
    denial,
)
from tongban.core.errors import Conflict, NotPermitted, ValidationFailed
from tongban.directory.interface import exercise_level_for_region_level
from tongban.directory.selectors import StaffContext, department_get, staff_audit_actor, staff_context_for_user


@dataclass(frozen=True)
class _Acting:
    """Who is acting, resolved once per service call."""

    audit_actor: Actor
    user_id: int | None
    staff: StaffContext | None
    is_system: bool = False

    @property
    def can_edit_items(self) -> bool:
        return self.is_system or bool(self.staff and self.staff.is_platform_catalog_admin)

    def can_edit_implementation_of(self, department_id: int) -> bool:
        if self.can_edit_items:
            return True
        return bool(self.staff and self.staff.is_department_catalog_admin and self.staff.department_id == department_id)


def _resolve(actor: Any) -> _Acting:
    if actor is SYSTEM:
        return _Acting(audit_actor=SYSTEM, user_id=None, staff=None, is_system=True)
    staff = staff_context_for_user(actor)
    audit_actor = actor_from_user(actor)
    if staff is not None:
        audit_actor = staff_audit_actor(staff)
    return _Acting(audit_actor=audit_actor, user_id=getattr(actor, "pk", None), staff=staff)


def _deny(acting: _Acting, action: str, target: Target, message: str) -> NotPermitted:
    return denial(action=action, actor=acting.audit_actor, target=target, message=message)


def _item_target(item: Item, name: str = "") -> Target:
    return Target(type="catalog.item", id=item.basic_code, label=name)


def _impl_target(impl: Implementation) -> Target:
    return Target(type="catalog.implementation", id=impl.code)


def _require_item_editor(acting: _Acting, action: str, target: Target) -> None:
    if not acting.can_edit_items:
        raise _deny(acting, action, target, _("只有平台事项管理员可以维护基本目录事项。"))


def _bump_revision() -> None:
    updated = CatalogRevision.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        CatalogRevision.objects.get_or_create(pk=1, defaults={"value": 1})


# ---------------------------------------------------------------- items


def version_elements(version: ItemVersion) -> dict[str, Any]:
    return {field: getattr(version, field) for field in ITEM_ELEMENT_FIELDS}


def version_materials(version: ItemVersion) -> list[dict[str, Any]]:
    return [{field: getattr(m, field) for field in MATERIAL_FIELDS} for m in version.materials.all()]


def _clean_elements(elements: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(elements) - set(ITEM_ELEMENT_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知的事项要素：%(f)s") % {"f": "、".join(sorted(unknown))}, code="unknown_field")
    return dict(elements)


def _write_materials(version: ItemVersion, materials: Sequence[Mapping[str, Any]]) -> None:
    version.materials.all().delete()
    Material.objects.bulk_create(
        Material(version=version, position=index, **{f: m[f] for f in MATERIAL_FIELDS if f in m})
        for index, m in enumerate(materials)
    )


@atomic_service
def item_create(
    *,
    actor: Any,
    basic_code: str,
    department_category: str,
    elements: Mapping[str, Any],
    materials: Sequence[Mapping[str, Any]] = (),
    theme_codes: Iterable[str] = (),
    life_event_codes: Iterable[str] = (),
    weight: int = 0,
    is_demo: bool = False,
    form: Mapping[str, Any] | None = None,
) -> Item:
    """新增: a new basic item with its first draft version (with its default application form, if given)."""
    acting = _resolve(actor)
    _require_item_editor(acting, "catalog.item.create", Target(type="catalog.item", id=basic_code))
    issues = rules.check_basic_code(basic_code)
    if issues:
        raise ValidationFailed(issues[0].message, issues=issues)
    if Item.objects.filter(basic_code=basic_code).exists():
        raise Conflict(_("基本编码 %(c)s 已存在。") % {"c": basic_code}, code="duplicate_basic_code")
    item = Item.objects.create(basic_code=basic_code, department_category=department_category, weight=weight,
                               is_demo=is_demo)
    version = ItemVersion.objects.create(item=item, number=1, **_clean_elements(elements))
    _write_materials(version, materials)
    if form is not None:
        _require_valid_form(form, materials=[m["name"] for m in materials])
        version.form = definition_normalize(form)
        version.save(update_fields=["form"])
    item.themes.set(Theme.objects.filter(code__in=list(theme_codes)))
    item.life_events.set(LifeEvent.objects.filter(code__in=list(life_event_codes)))
    audit_record(action="catalog.item.create", actor=acting.audit_actor, target=_item_target(item, version.name))
    return item


def _draft_of(item: Item) -> ItemVersion | None:
    return item.versions.filter(published_at__isnull=True).first()


@atomic_service
def item_draft_start(*, actor: Any, item: Item) -> ItemVersion:
    """调整: open a new draft version, copied from the version in force."""
    acting = _resolve(actor)
    _require_item_editor(acting, "catalog.item.draft", _item_target(item))
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status == CatalogStatus.CANCELLED:
        raise Conflict(_("事项已取消，不能再调整。"), code="item_cancelled")
    draft = _draft_of(item)
    if draft is not None:
        return draft
    current = item.current_version
    assert current is not None  # an item without a draft has a published version
    last = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = ItemVersion.objects.create(item=item, number=last + 1, form=current.form, **version_elements(current))
    _write_materials(draft, version_materials(current))
    audit_record(action="catalog.item.draft", actor=acting.audit_actor, target=_item_target(item, draft.name),
                 detail={"version": draft.number})
    return draft


@atomic_service
def item_draft_update(
    *, actor: Any, item: Item, elements: Mapping[str, Any], materials: Sequence[Mapping[str, Any]] | None = None
) -> ItemVersion:
    """Edit the draft. Saving a draft never publishes; the rules run at publish time (and on demand)."""
    acting = _resolve(actor)
    _require_item_editor(acting, "catalog.item.edit", _item_target(item))
    draft = _draft_of(Item.objects.select_for_update().get(pk=item.pk))
    if draft is None:
        raise Conflict(_("该事项没有草稿，请先点击“调整”创建新版本草稿。"), code="no_draft")
    for field, value in _clean_elements(elements).items():
        setattr(draft, field, value)
    draft.save()
    if materials is not None:
        _write_materials(draft, materials)
    audit_record(action="catalog.item.edit", actor=acting.audit_actor, target=_item_target(item, draft.name),
                 detail={"version": draft.number, "fields": sorted(elements)})
    return draft


def item_validate(*, item: Item) -> list[rules.Issue]:
    """Run every consistency rule on the draft (or, without a draft, on the version in force)."""
    version = _draft_of(item) or item.current_version
    if version is None:
        return []
    issues = rules.check_item(version_elements(version), version_materials(version))
    issues += _implementations_conflicting(item, version)
    if version.form:
        issues += definition_check(version.form, materials=[m["name"] for m in version_materials(version)])
    return issues


def _implementations_conflicting(item: Item, version: ItemVersion) -> list[rules.Issue]:
    """A new legal limit or case type must still hold for every live implementation."""
    issues: list[rules.Issue] = []
    item_data = version_elements(version)
    live = ImplementationVersion.objects.filter(
        implementation__item=item, implementation__current_version=F("pk"),
    ).exclude(implementation__status=CatalogStatus.CANCELLED).select_related("implementation")
    for impl_version in live:
        local = {f: getattr(impl_version, f) for f in IMPLEMENTATION_LOCAL_FIELDS}
        for issue in rules.check_implementation(local, item_data):
            if issue.code in {"R01", "R07", "R09"}:
                issues.append(rules.Issue(code=issue.code, field=issue.field,
                                          message=f"{impl_version.implementation.code}：{issue.message}"))
    return issues


@atomic_service
def item_publish(*, actor: Any, item: Item, change_note: str = "") -> ItemVersion:
    """发布 (or 调整): validate the draft and make it the version in force; the old one is kept."""
    acting = _resolve(actor)
    target = _item_target(item)
    _require_item_editor(acting, "catalog.item.publish", target)
    item = Item.objects.select_for_update().get(pk=item.pk)
    draft = _draft_of(item)
    if draft is None:
        raise Conflict(_("没有待发布的草稿。"), code="no_draft")
    new_status = workflow.next_status(item.status, "publish")
    issues = item_validate(item=item)
    if issues:
        raise ValidationFailed(_("事项未通过一致性校验，共%(n)d处问题，请修改后再发布。") % {"n": len(issues)},
                               issues=issues)
    draft.published_at = timezone.now()
    draft.published_by_id = acting.user_id
    draft.change_note = change_note[:300]
    draft.save(update_fields=["published_at", "published_by", "change_note"])
    previous = item.current_version_id
    item.current_version = draft
    item.status = new_status
    item.save(update_fields=["current_version", "status", "updated_at"])
    _bump_revision()
    audit_record(action="catalog.item.publish", actor=acting.audit_actor, target=_item_target(item, draft.name),
                 detail={"version": draft.number, "previous_version_id": previous, "change_note": change_note})
    return draft


def _item_transition(*, actor: Any, item: Item, action: str, reason: str) -> Item:
    acting = _resolve(actor)
    target = _item_target(item)
    _require_item_editor(acting, f"catalog.item.{action}", target)
    if action in {"suspend", "cancel"} and not reason.strip():
        raise ValidationFailed(_("请填写原因。"), issues=[rules.Issue(code="reason_required", field="reason",
                                                                   message=_("请填写原因。"))])
    item = Item.objects.select_for_update().get(pk=item.pk)
    item.status = workflow.next_status(item.status, action)
    item.save(update_fields=["status", "updated_at"])
    if action == "cancel":
        for impl in Implementation.objects.select_for_update().filter(item=item).exclude(
                status=CatalogStatus.CANCELLED):
            impl.status = workflow.next_status(impl.status, "cancel")
            impl.save(update_fields=["status", "updated_at"])
    _bump_revision()
    audit_record(action=f"catalog.item.{action}", actor=acting.audit_actor, target=target,
                 detail={"reason": reason})
    return item


@atomic_service
def item_suspend(*, actor: Any, item: Item, reason: str) -> Item:
    """暂停: citizens no longer see the item or apply for it."""
    return _item_transition(actor=actor, item=item, action="suspend", reason=reason)


@atomic_service
def item_resume(*, actor: Any, item: Item, reason: str = "") -> Item:
    return _item_transition(actor=actor, item=item, action="resume", reason=reason)


@atomic_service
def item_cancel(*, actor: Any, item: Item, reason: str) -> Item:
    """取消: final; its implementations are cancelled with it. Published versions stay on record."""
    return _item_transition(actor=actor, item=item, action="cancel", reason=reason)


@atomic_service
def item_classify(
    *, actor: Any, item: Item, theme_codes: Iterable[str], life_event_codes: Iterable[str], weight: int
) -> Item:
    """Themes, life events and the high-frequency weight (not part of the versioned elements)."""
    acting = _resolve(actor)
    _require_item_editor(acting, "catalog.item.classify", _item_target(item))
    if not 0 <= weight <= 100:
        raise ValidationFailed(_("高频权重应在0到100之间。"), code="bad_weight")
    item.themes.set(Theme.objects.filter(code__in=list(theme_codes)))
    item.life_events.set(LifeEvent.objects.filter(code__in=list(life_event_codes)))
    item.weight = weight
    item.save(update_fields=["weight", "updated_at"])
    _bump_revision()
    audit_record(action="catalog.item.classify", actor=acting.audit_actor, target=_item_target(item),
                 detail={"themes": sorted(theme_codes), "life_events": sorted(life_event_codes), "weight": weight})
    return item


# ---------------------------------------------------------------- implementations


def implementation_code(*, credit_code: str, level: str, basic_code: str) -> str:
    """实施编码 = 实施主体统一社会信用代码 (18) + 行使层级 (1) + 基本编码 (12) = 31 characters."""
    return f"{credit_code}{level}{basic_code}"


def _clean_local(elements: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(elements) - set(IMPLEMENTATION_LOCAL_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("实施清单只能设置本地要素，不能修改“三级八同”要素：%(f)s") % {"f": "、".join(sorted(unknown))},
            code="inherited_field",
        )
    return dict(elements)


def _require_impl_editor(acting: _Acting, department_id: int, action: str, target: Target) -> None:
    if not acting.can_edit_implementation_of(department_id):
        raise _deny(acting, action, target, _("只能维护本部门的实施清单。"))


@atomic_service
def implementation_open(*, actor: Any, implementation_id: int) -> Implementation:
    """An implementation for a staff page, within the actor's scope (platform catalogue administrators: all; anyone
    else: their own department's). Outside it — or missing — an audited refusal that answers 404, so that a bare
    id reveals nothing."""
    acting = _resolve(actor)
    impl = (Implementation.objects.filter(implementation_scope(acting.staff), pk=implementation_id)
            .select_related("item__current_version", "department", "region", "current_version").first())
    if impl is None:
        raise concealed_denial(action="catalog.implementation.open", actor=acting.audit_actor,
                               target=Target(type="catalog.implementation", id=str(implementation_id)),
                               message=_("没有找到这个实施清单，或它不属于您的部门。"))
    return impl


@atomic_service
def implementation_create(
    *, actor: Any, item: Item, department_id: int, elements: Mapping[str, Any], is_demo: bool = False
) -> Implementation:
    """A department implements a published item in its region; the first version is a draft."""
    acting = _resolve(actor)
    department = department_get(department_id=department_id)
    if department is None:
        raise ValidationFailed(_("部门不存在。"), code="unknown_department")
    level = exercise_level_for_region_level(department.region.level)
    code = implementation_code(credit_code=department.credit_code, level=level, basic_code=item.basic_code)
    target = Target(type="catalog.implementation", id=code)
    _require_impl_editor(acting, department.pk, "catalog.implementation.create", target)
    if item.status not in {CatalogStatus.PUBLISHED, CatalogStatus.SUSPENDED} or item.current_version is None:
        raise Conflict(_("基本目录事项尚未发布，不能编制实施清单。"), code="item_not_published")
    if level not in (item.current_version.exercise_levels or []):
        raise ValidationFailed(_("该事项的行使层级不包含本部门所在层级。"), code="level_not_allowed")
    if Implementation.objects.filter(item=item, department=department).exists():
        raise Conflict(_("本部门已有该事项的实施清单。"), code="duplicate_implementation")
    impl = Implementation.objects.create(item=item, department=department, region=department.region, level=level,
                                         code=code, is_demo=is_demo)
    ImplementationVersion.objects.create(implementation=impl, number=1, **_clean_local(elements))
    audit_record(action="catalog.implementation.create", actor=acting.audit_actor, target=target)
    return impl


def _impl_draft_of(impl: Implementation) -> ImplementationVersion | None:
    return impl.versions.filter(published_at__isnull=True).first()


@atomic_service
def implementation_draft_start(*, actor: Any, implementation: Implementation) -> ImplementationVersion:
    acting = _resolve(actor)
    impl = Implementation.objects.select_for_update().get(pk=implementation.pk)
    _require_impl_editor(acting, impl.department_id, "catalog.implementation.draft", _impl_target(impl))
    if impl.status == CatalogStatus.CANCELLED:
        raise Conflict(_("实施清单已取消，不能再调整。"), code="implementation_cancelled")
    draft = _impl_draft_of(impl)
    if draft is not None:
        return draft
    current = impl.current_version
    assert current is not None
    last = impl.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = ImplementationVersion.objects.create(
        implementation=impl, number=last + 1, form=current.form,
        **{f: getattr(current, f) for f in IMPLEMENTATION_LOCAL_FIELDS})
    audit_record(action="catalog.implementation.draft", actor=acting.audit_actor, target=_impl_target(impl))
    return draft


@atomic_service
def implementation_draft_update(
    *, actor: Any, implementation: Implementation, elements: Mapping[str, Any]
) -> ImplementationVersion:
    acting = _resolve(actor)
    impl = Implementation.objects.select_for_update().get(pk=implementation.pk)
    _require_impl_editor(acting, impl.department_id, "catalog.implementation.edit", _impl_target(impl))
    draft = _impl_draft_of(impl)
    if draft is None:
        raise Conflict(_("该实施清单没有草稿，请先点击“调整”。"), code="no_draft")
    for field, value in _clean_local(elements).items():
        setattr(draft, field, value)
    draft.save()
    audit_record(action="catalog.implementation.edit", actor=acting.audit_actor, target=_impl_target(impl),
                 detail={"fields": sorted(elements)})
    return draft


def implementation_validate(*, implementation: Implementation) -> list[rules.Issue]:
    version = _impl_draft_of(implementation) or implementation.current_version
    item_version = implementation.item.current_version
    if version is None or item_version is None:
        return []
    local = {f: getattr(version, f) for f in IMPLEMENTATION_LOCAL_FIELDS}
    issues = rules.check_implementation(local, version_elements(item_version))
    if version.form:
        issues += definition_check(version.form, materials=_material_names(item_version))
    return issues


@atomic_service
def implementation_publish(*, actor: Any, implementation: Implementation, change_note: str = "") -> ImplementationVersion:
    acting = _resolve(actor)
    impl = Implementation.objects.select_for_update(of=("self",)).select_related("item__current_version").get(
        pk=implementation.pk)
    _require_impl_editor(acting, impl.department_id, "catalog.implementation.publish", _impl_target(impl))
    draft = _impl_draft_of(impl)
    if draft is None:
        raise Conflict(_("没有待发布的草稿。"), code="no_draft")
    if impl.item.status != CatalogStatus.PUBLISHED:
        raise Conflict(_("基本目录事项不处于已发布状态，实施清单不能发布。"), code="item_not_published")
    new_status = workflow.next_status(impl.status, "publish")
    issues = implementation_validate(implementation=impl)
    if issues:
        raise ValidationFailed(_("实施清单未通过一致性校验，共%(n)d处问题。") % {"n": len(issues)}, issues=issues)
    draft.published_at = timezone.now()
    draft.published_by_id = acting.user_id
    draft.item_version = impl.item.current_version
    draft.change_note = change_note[:300]
    draft.save(update_fields=["published_at", "published_by", "item_version", "change_note"])
    impl.current_version = draft
    impl.status = new_status
    impl.save(update_fields=["current_version", "status", "updated_at"])
    _bump_revision()
    audit_record(action="catalog.implementation.publish", actor=acting.audit_actor, target=_impl_target(impl),
                 detail={"version": draft.number})
    return draft


def _impl_transition(*, actor: Any, implementation: Implementation, action: str, reason: str) -> Implementation:
    acting = _resolve(actor)
    impl = Implementation.objects.select_for_update().get(pk=implementation.pk)
    _require_impl_editor(acting, impl.department_id, f"catalog.implementation.{action}", _impl_target(impl))
    if action in {"suspend", "cancel"} and not reason.strip():
        raise ValidationFailed(_("请填写原因。"), issues=[rules.Issue(code="reason_required", field="reason",
                                                                   message=_("请填写原因。"))])
    impl.status = workflow.next_status(impl.status, action)
    impl.save(update_fields=["status", "updated_at"])
    _bump_revision()
    audit_record(action=f"catalog.implementation.{action}", actor=acting.audit_actor, target=_impl_target(impl),
                 detail={"reason": reason})
    return impl


@atomic_service
def implementation_suspend(*, actor: Any, implementation: Implementation, reason: str) -> Implementation:
    return _impl_transition(actor=actor, implementation=implementation, action="suspend", reason=reason)


@atomic_service
def implementation_resume(*, actor: Any, implementation: Implementation, reason: str = "") -> Implementation:
    return _impl_transition(actor=actor, implementation=implementation, action="resume", reason=reason)


@atomic_service
def implementation_cancel(*, actor: Any, implementation: Implementation, reason: str) -> Implementation:
    return _impl_transition(actor=actor, implementation=implementation, action="cancel", reason=reason)


# ---------------------------------------------------------------- application forms (申请表单)


def _material_names(version: ItemVersion) -> list[str]:
    return list(version.materials.values_list("name", flat=True))


def _require_valid_form(form: Mapping[str, Any], *, materials: Sequence[str] | None) -> None:
    issues = definition_check(form, materials=materials)
    if issues:
        raise ValidationFailed(_("申请表单有%(n)d处问题，请修改后再保存。") % {"n": len(issues)}, issues=issues)


def _form_change(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Any]:
    """For the audit record: the fields added, removed and changed by the name."""
    return {k: v for k, v in definition_diff(old, new).items() if v}


@atomic_service
def item_form_update(*, actor: Any, item: Item, form: Mapping[str, Any] | None) -> ItemVersion:
    """The default application form of the item's draft version (``None``: no default form). Implementations
    without a form of their own inherit the form of the item's version in force."""
    acting = _resolve(actor)
    _require_item_editor(acting, "catalog.item.form", _item_target(item))
    draft = _draft_of(Item.objects.select_for_update().get(pk=item.pk))
    if draft is None:
        raise Conflict(_("该事项没有草稿，请先点击“调整”创建新版本草稿。"), code="no_draft")
    normalized = definition_normalize(form) if form is not None else None
    if form is not None:
        _require_valid_form(form, materials=_material_names(draft))
    change = _form_change(draft.form, normalized)
    draft.form = normalized
    draft.save(update_fields=["form"])
    audit_record(action="catalog.item.form", actor=acting.audit_actor, target=_item_target(item, draft.name),
                 detail={"version": draft.number, **change})
    return draft


@atomic_service
def implementation_form_update(
    *, actor: Any, implementation: Implementation, form: Mapping[str, Any] | None
) -> ImplementationVersion:
    """The implementation draft's own application form (``None``: inherit the item's default form). It is part of
    the draft, published with it as a new implementation version; every version keeps its form."""
    acting = _resolve(actor)
    impl = Implementation.objects.select_for_update(of=("self",)).select_related("item__current_version").get(
        pk=implementation.pk)
    _require_impl_editor(acting, impl.department_id, "catalog.implementation.form", _impl_target(impl))
    draft = _impl_draft_of(impl)
    if draft is None:
        raise Conflict(_("该实施清单没有草稿，请先点击“调整”。"), code="no_draft")
    normalized = definition_normalize(form) if form is not None else None
    item_version = impl.item.current_version
    if form is not None:
        _require_valid_form(form, materials=_material_names(item_version) if item_version else None)
    inherited = item_version.form if item_version else None
    change = _form_change(draft.form or inherited, normalized or inherited)
    draft.form = normalized
    draft.save(update_fields=["form"])
    audit_record(action="catalog.implementation.form", actor=acting.audit_actor, target=_impl_target(impl),
                 detail={"version": draft.number, **change})
    return draft


@atomic_service
def bundle_form_save(*, actor: Any, bundle_code: str, form: Mapping[str, Any] | None) -> Bundle:
    """The combined form of a 一件事 as edited by the platform (``None``: generated from the members' forms).
    Each change raises the bundle's form version."""
    acting = _resolve(actor)
    target = Target(type="catalog.bundle", id=bundle_code)
    _require_item_editor(acting, "catalog.bundle.form", target)
    bundle = Bundle.objects.select_for_update().filter(code=bundle_code).first()
    if bundle is None:
        raise ValidationFailed(_("“一件事”不存在。"), code="unknown_bundle")
    normalized = definition_normalize(form) if form is not None else None
    if form is not None:
        materials = list(Material.objects.filter(
            version__item__bundles=bundle, version__item__current_version=F("version")).values_list("name", flat=True))
        _require_valid_form(form, materials=materials)
    if normalized == bundle.form_override:
        return bundle
    change = _form_change(bundle.form_override, normalized)
    bundle.form_override = normalized
    bundle.form_version += 1
    bundle.save(update_fields=["form_override", "form_version"])
    _bump_revision()
    audit_record(action="catalog.bundle.form", actor=acting.audit_actor, target=target,
                 detail={"form_version": bundle.form_version, **change})
    return bundle


# ---------------------------------------------------------------- classification and bundles


@atomic_service
def taxonomy_load(*, themes: Sequence[Mapping[str, str]], life_events: Sequence[Mapping[str, str]]) -> None:
    """Create or rename themes (服务主题) and life events (生命周期) from a code list."""
    for position, theme in enumerate(themes):
        Theme.objects.update_or_create(code=theme["code"], defaults={
            "name": theme["name"], "audience": theme["audience"], "position": position})
    for position, event in enumerate(life_events):
        LifeEvent.objects.update_or_create(code=event["code"], defaults={
            "name": event["name"], "audience": event["audience"], "position": position})
    _bump_revision()


@atomic_service
def bundle_upsert(
    *, actor: Any, code: str, name: str, audience: str, life_event_code: str | None, summary: str, guide: str,
    member_names: Sequence[str],
) -> Bundle:
    """一件事: a named set of published items across departments with one combined guide."""
    acting = _resolve(actor)
    target = Target(type="catalog.bundle", id=code, label=name)
    _require_item_editor(acting, "catalog.bundle.save", target)
    items = []
    missing = []
    for member in member_names:
        item = Item.objects.filter(current_version__name=member, status=CatalogStatus.PUBLISHED).first()
        if item is None:
            missing.append(member)
        else:
            items.append(item)
    if missing:
        raise ValidationFailed(_("一件事包含的事项不存在或未发布：%(m)s") % {"m": "、".join(missing)},
                               code="unknown_bundle_member")
    bundle, created = Bundle.objects.update_or_create(code=code, defaults={
        "name": name, "audience": audience, "summary": summary, "guide": guide,
        "life_event": LifeEvent.objects.filter(code=life_event_code).first() if life_event_code else None})
    bundle.members.all().delete()
    BundleMember.objects.bulk_create(BundleMember(bundle=bundle, item=item, position=i) for i, item in enumerate(items))
    _bump_revision()
    audit_record(action="catalog.bundle.create" if created else "catalog.bundle.update", actor=acting.audit_actor,
                 target=target, detail={"members": [i.basic_code for i in items]})
    return bundle
