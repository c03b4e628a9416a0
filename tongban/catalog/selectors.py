"""Reads of the item catalogue for the portal, the API, search and the workbench."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from tongban.catalog.forms.definition import definition_diff
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
from tongban.catalog.models.item import ITEM_ELEMENT_FIELDS, MATERIAL_FIELDS
from tongban.catalog.scope import implementation_scope
from tongban.directory.selectors import StaffContext


def catalog_revision() -> int:
    """Rises on every change citizens can see; caches key on it."""
    return CatalogRevision.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def _published_implementations(region_codes: list[str] | None = None, level: str | None = None) -> QuerySet[Implementation]:
    qs = Implementation.objects.filter(status=CatalogStatus.PUBLISHED, current_version__isnull=False)
    if region_codes is not None:
        qs = qs.filter(region__code__in=region_codes)
    if level:
        qs = qs.filter(level=level)
    return qs


def item_list_published(
    *,
    audience: str | None = None,
    theme: str | None = None,
    life_event: str | None = None,
    department_category: str | None = None,
    level: str | None = None,
    site_region_codes: list[str] | None = None,
) -> QuerySet[Item]:
    """Published items, optionally only those handled in the given site regions (the site and above)."""
    qs = Item.objects.filter(status=CatalogStatus.PUBLISHED).select_related("current_version")
    if audience:
        qs = qs.filter(current_version__audience=audience)
    if theme:
        qs = qs.filter(themes__code=theme)
    if life_event:
        qs = qs.filter(life_events__code=life_event)
    if department_category:
        qs = qs.filter(department_category=department_category)
    if site_region_codes is not None or level:
        impls = _published_implementations(site_region_codes, level).filter(item=OuterRef("pk"))
        qs = qs.filter(Exists(impls))
    return qs.order_by("-weight", "basic_code")


def item_ids_in_site(*, site_region_codes: list[str]) -> set[int]:
    # order_by(): without it the model's ordering would join the items and regions into the DISTINCT.
    return set(_published_implementations(site_region_codes).values_list("item_id", flat=True).order_by().distinct())


def item_get_published(*, basic_code: str) -> Item | None:
    return (
        Item.objects.filter(basic_code=basic_code, status=CatalogStatus.PUBLISHED)
        .select_related("current_version")
        .prefetch_related("themes", "life_events", Prefetch("current_version__materials",
                                                            queryset=Material.objects.order_by("position")))
        .first()
    )


def item_get_any(*, basic_code: str) -> Item | None:
    """An item in any status (for loaders and administrators)."""
    return Item.objects.select_related("current_version").filter(basic_code=basic_code).first()


def implementation_exists(*, item: Item, department_id: int) -> bool:
    return Implementation.objects.filter(item=item, department_id=department_id).exists()


def implementation_list_for_item(*, item: Item, site_region_codes: list[str] | None = None) -> QuerySet[Implementation]:
    qs = _published_implementations(site_region_codes).filter(item=item)
    return qs.select_related("department", "region", "current_version", "current_version__hall",
                             "item__current_version").order_by("level", "region__code")


def implementation_list(
    *, item_code: str | None = None, region_code: str | None = None, department_id: int | None = None
) -> QuerySet[Implementation]:
    qs = _published_implementations().select_related("item", "item__current_version", "department", "region",
                                                     "current_version")
    if item_code:
        qs = qs.filter(item__basic_code=item_code)
    if region_code:
        qs = qs.filter(region__code=region_code)
    if department_id:
        qs = qs.filter(department_id=department_id)
    return qs.filter(item__status=CatalogStatus.PUBLISHED).order_by("code")


def implementation_get_published(*, code: str) -> Implementation | None:
    return (
        _published_implementations()
        .filter(code=code, item__status=CatalogStatus.PUBLISHED)
        .select_related("item__current_version", "department", "region", "current_version__hall")
        .prefetch_related(Prefetch("item__current_version__materials", queryset=Material.objects.order_by("position")))
        .first()
    )


def implementation_get(*, implementation_id: int) -> Implementation | None:
    """An implementation in any status, with its item, department and versions in force (for the case engine,
    which checks its own scope)."""
    return (Implementation.objects.filter(pk=implementation_id)
            .select_related("item__current_version", "department__region", "region", "current_version")
            .first())


def theme_list(*, audience: str | None = None) -> QuerySet[Theme]:
    qs = Theme.objects.all()
    return qs.filter(audience=audience) if audience else qs


def life_event_list(*, audience: str | None = None) -> QuerySet[LifeEvent]:
    qs = LifeEvent.objects.all()
    return qs.filter(audience=audience) if audience else qs


def bundle_list(*, audience: str | None = None) -> QuerySet[Bundle]:
    qs = Bundle.objects.filter(is_published=True).select_related("life_event")
    return qs.filter(audience=audience) if audience else qs


@dataclass(frozen=True)
class NamedCodes:
    """Codes of the items and 一件事 whose names contain a text (see :func:`codes_named`)."""

    item_codes: tuple[str, ...]
    bundle_codes: tuple[str, ...]


def codes_named(*, text: str) -> NamedCodes:
    """Basic codes of the items one of whose versions' names (any version, published or not) contains ``text``,
    and codes of the 一件事 whose names contain it: for searches over records that copied a name when they were
    made (a case's item name), which can then match codes through an index instead of scanning names."""
    text = text.strip()
    if not text:
        return NamedCodes(item_codes=(), bundle_codes=())
    items = ItemVersion.objects.filter(name__icontains=text).values_list("item__basic_code", flat=True)
    bundles = Bundle.objects.filter(name__icontains=text).values_list("code", flat=True)
    return NamedCodes(item_codes=tuple(sorted(set(items))), bundle_codes=tuple(sorted(set(bundles))))


def bundle_get(*, code: str) -> Bundle | None:
    members = BundleMember.objects.select_related("item__current_version").filter(
        item__status=CatalogStatus.PUBLISHED).prefetch_related(
        Prefetch("item__current_version__materials", queryset=Material.objects.order_by("position")))
    return bundle_list().prefetch_related(Prefetch("members", queryset=members)).filter(code=code).first()


# ------------------------------------------------------------ search documents


@dataclass(frozen=True)
class ItemSearchDocument:
    """What the search index knows of one published item."""

    item_id: int
    code: str
    name: str
    audience: str
    weight: int
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    life_events: tuple[str, ...]
    department_category: str
    result_name: str
    materials: tuple[str, ...]


def item_search_documents() -> list[ItemSearchDocument]:
    items = (
        Item.objects.filter(status=CatalogStatus.PUBLISHED)
        .select_related("current_version")
        .prefetch_related("themes", "life_events", "current_version__materials")
    )
    docs = []
    for item in items:
        v = item.current_version
        if v is None:
            continue
        docs.append(ItemSearchDocument(
            item_id=item.pk, code=item.basic_code, name=v.name, audience=v.audience, weight=item.weight,
            keywords=tuple(v.keywords or ()), themes=tuple(t.name for t in item.themes.all()),
            life_events=tuple(e.name for e in item.life_events.all()),
            department_category=item.department_category, result_name=v.result_name,
            materials=tuple(m.name for m in v.materials.all()),
        ))
    return docs


# ------------------------------------------------------------ workbench


def item_list_for_staff(
    *, staff: StaffContext | None, status: str | None = None, query: str | None = None,
    department_category: str | None = None,
) -> QuerySet[Item]:
    """Every item for platform catalogue administrators; for a department only items it implements or could."""
    qs = Item.objects.select_related("current_version").annotate(
        has_draft=Exists(ItemVersion.objects.filter(item=OuterRef("pk"), published_at__isnull=True)))
    if staff is None:
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    if department_category:
        qs = qs.filter(department_category=department_category)
    if query:
        qs = qs.filter(Q(basic_code__icontains=query) | Q(versions__name__icontains=query)).distinct()
    return qs.order_by("basic_code")


def implementation_list_for_staff(*, staff: StaffContext | None, item: Item | None = None) -> QuerySet[Implementation]:
    """Implementations within the staff member's scope (:func:`tongban.catalog.scope.implementation_scope`)."""
    qs = Implementation.objects.select_related("item__current_version", "department", "region", "current_version")
    if staff is None:
        return qs.none()
    qs = qs.filter(implementation_scope(staff))
    if item is not None:
        qs = qs.filter(item=item)
    return qs.annotate(has_draft=Exists(ImplementationVersion.objects.filter(
        implementation=OuterRef("pk"), published_at__isnull=True))).order_by("item__basic_code", "level")


def item_get_for_staff(*, staff: StaffContext | None, item_id: int) -> Item | None:
    if staff is None:
        return None
    return Item.objects.select_related("current_version").filter(pk=item_id).first()


def implementation_get_for_staff(*, staff: StaffContext | None, implementation_id: int) -> Implementation | None:
    return implementation_list_for_staff(staff=staff).filter(pk=implementation_id).first()


def item_versions(*, item: Item) -> QuerySet[ItemVersion]:
    return item.versions.select_related("published_by").order_by("-number")


def item_draft(*, item: Item) -> ItemVersion | None:
    return item.versions.filter(published_at__isnull=True).prefetch_related("materials").first()


def implementation_draft(*, implementation: Implementation) -> ImplementationVersion | None:
    return implementation.versions.filter(published_at__isnull=True).first()


def implementation_versions(*, implementation: Implementation) -> QuerySet[ImplementationVersion]:
    """Every version of an implementation, newest first (each keeps its own form, or inherits the item's)."""
    return implementation.versions.select_related("published_by", "item_version").order_by("-number")


def material_names(*, item_version: ItemVersion | None) -> list[str]:
    """The names of a version's materials (申请材料), in order: what attachment slots of a form may name."""
    if item_version is None:
        return []
    return list(item_version.materials.order_by("position").values_list("name", flat=True))


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class VersionDiff:
    old_number: int
    new_number: int
    changes: list[FieldChange] = field(default_factory=list)
    materials_added: list[str] = field(default_factory=list)
    materials_removed: list[str] = field(default_factory=list)
    materials_changed: list[str] = field(default_factory=list)
    form_changes: dict[str, list[str]] = field(default_factory=dict)  # 默认申请表单: added / removed / changed

    @property
    def is_empty(self) -> bool:
        return not (self.changes or self.materials_added or self.materials_removed or self.materials_changed
                    or self.form_changes)


def version_diff(*, old: ItemVersion, new: ItemVersion) -> VersionDiff:
    """Element-by-element differences between two versions of one item, materials matched by name."""
    diff = VersionDiff(old_number=old.number, new_number=new.number)
    for name in ITEM_ELEMENT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            label = str(getattr(ItemVersion._meta.get_field(name), "verbose_name", name))
            diff.changes.append(FieldChange(field=name, label=label, old=before, new=after))
    old_materials = {m.name: m for m in old.materials.all()}
    new_materials = {m.name: m for m in new.materials.all()}
    diff.materials_added = [n for n in new_materials if n not in old_materials]
    diff.materials_removed = [n for n in old_materials if n not in new_materials]
    diff.materials_changed = [
        n for n in new_materials if n in old_materials and any(
            getattr(new_materials[n], f) != getattr(old_materials[n], f) for f in MATERIAL_FIELDS)
    ]
    if old.form != new.form:
        diff.form_changes = {k: v for k, v in definition_diff(old.form, new.form).items() if v} or {
            "changed": [_("表单标题或分组")]}
    return diff
