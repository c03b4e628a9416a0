"""The form of an implementation version in force, of a 一件事 bundle, or of any earlier version by its key."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from tongban.catalog.forms.definition import definition_fields, definition_normalize, definition_sections
from tongban.catalog.forms.schema import form_layout, form_schema
from tongban.catalog.forms.spec import DEFAULT_SECTION, FormField, FormSection, FormSpec
from tongban.catalog.models import (
    Bundle,
    CatalogStatus,
    Implementation,
    ImplementationVersion,
    ItemVersion,
)
from tongban.core.errors import NotFound

IMPL_KEY_RE = re.compile(r"^impl:(?P<code>[0-9A-Z]{31}):v(?P<n>\d+)(?::item-v(?P<m>\d+))?$")
BUNDLE_KEY_RE = re.compile(r"^bundle:(?P<code>[-a-z0-9_]+):(?:v(?P<n>\d+)|g(?P<digest>[0-9a-f]{16}))$")
COMMON_SECTION = "common"


def _digest(schema: Mapping[str, Any], layout: Mapping[str, Any]) -> str:
    text = json.dumps({"schema": schema, "layout": layout}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _build(*, key: str, version: int, title: str, fields: Sequence[FormField], sections: Sequence[FormSection],
           definition: Mapping[str, Any], extra_layout: Mapping[str, Any] | None = None) -> FormSpec:
    known = {section.key for section in sections}
    if any(f.section not in known for f in fields):
        fields = [f if f.section in known else replace(f, section=DEFAULT_SECTION) for f in fields]
        if DEFAULT_SECTION not in known:
            sections = [*sections, FormSection(key=DEFAULT_SECTION, title=_("申请信息"))]
    schema = form_schema(fields, title=title, key=key)
    layout = {"title": title, **form_layout(fields, sections), **(extra_layout or {})}
    return FormSpec(key=key, version=version, schema=schema, layout=layout, fields=tuple(fields), title=title,
                    digest=_digest(schema, layout), definition=dict(definition))


def form_spec_from_definition(definition: Mapping[str, Any] | None, *, key: str, version: int = 0,
                              title: str = "") -> FormSpec:
    """A spec from a (checked) definition: for previews in the editor and for stored definitions."""
    normalized = definition_normalize(definition)
    return _build(key=key, version=version, title=normalized.get("title") or title,
                  fields=definition_fields(normalized), sections=definition_sections(normalized),
                  definition=normalized)


def _default_title(name: str) -> str:
    return _("%(n)s申请表") % {"n": name}


def _implementation_spec(impl: Implementation, version: ImplementationVersion,
                         item_version: ItemVersion | None) -> FormSpec:
    name = item_version.name if item_version else impl.code
    base = f"impl:{impl.code}:v{version.number}"
    if version.form:
        return form_spec_from_definition(version.form, key=base, version=version.number, title=_default_title(name))
    if item_version is not None and item_version.form:
        return form_spec_from_definition(item_version.form, key=f"{base}:item-v{item_version.number}",
                                         version=version.number, title=_default_title(name))
    return form_spec_from_definition(None, key=base, version=version.number, title=_default_title(name))


def form_for_implementation(*, implementation_code: str) -> FormSpec:
    """The form of the implementation version in force: its own form, else the default form of the item's
    version in force, else an empty form. :class:`NotFound` when the implementation has no version in force."""
    impl = (Implementation.objects.filter(code=implementation_code, current_version__isnull=False)
            .exclude(status=CatalogStatus.CANCELLED)
            .select_related("current_version", "item__current_version").first())
    if impl is None or impl.current_version is None:
        raise NotFound(_("没有找到这个实施清单，或它尚未发布。"), code="implementation_not_found")
    return _implementation_spec(impl, impl.current_version, impl.item.current_version)


def forms_for_implementations(*, implementation_codes: Sequence[str]) -> dict[str, FormSpec]:
    """:func:`form_for_implementation` of several implementations in one query (a list page's rows), by code;
    implementations without a version in force are left out."""
    impls = (Implementation.objects.filter(code__in=list(implementation_codes), current_version__isnull=False)
             .exclude(status=CatalogStatus.CANCELLED).select_related("current_version", "item__current_version"))
    return {impl.code: _implementation_spec(impl, impl.current_version, impl.item.current_version)
            for impl in impls if impl.current_version is not None}


def form_for_implementation_version(*, implementation_code: str, number: int) -> FormSpec:
    """The form of one version (published or the draft). A version without its own form shows the default form
    of the item version it was published under (the version in force and the draft: the item's in force)."""
    version = (ImplementationVersion.objects.select_related("implementation__item__current_version", "item_version")
               .filter(implementation__code=implementation_code, number=number).first())
    if version is None:
        raise NotFound(_("没有这个版本。"), code="version_not_found")
    impl = version.implementation
    current = impl.item.current_version
    in_force = version.published_at is None or impl.current_version_id == version.pk
    return _implementation_spec(impl, version, current if in_force else (version.item_version or current))


def form_for_implementation_draft(*, implementation_id: int) -> FormSpec | None:
    """The form the implementation's draft would publish (the editor's preview of the whole form)."""
    impl = Implementation.objects.select_related("item__current_version").filter(pk=implementation_id).first()
    if impl is None:
        return None
    draft = impl.versions.filter(published_at__isnull=True).first()
    if draft is None:
        return None
    return _implementation_spec(impl, draft, impl.item.current_version)


# ------------------------------------------------------------------ bundles (一件事: 一表申请)


def _member_definition(item: Any) -> dict[str, Any] | None:
    """A member item's form: its default form, else the own form of its first published implementation."""
    version = item.current_version
    if version is not None and version.form:
        return dict(version.form)
    own = (ImplementationVersion.objects.filter(
        implementation__item=item, implementation__status=CatalogStatus.PUBLISHED,
        implementation__current_version=F("pk"), form__isnull=False)
        .order_by("implementation__code").values_list("form", flat=True).first())
    return dict(own) if own else None


def _merge(first: FormField, other: FormField) -> FormField:
    """One field asked by two members: required if either requires it, shown always if either shows it always."""
    return replace(first, required=first.required or other.required,
                   visible_when=() if not first.visible_when or not other.visible_when else first.visible_when,
                   prefill=first.prefill or other.prefill, help=first.help or other.help)


def form_for_bundle(*, bundle_code: str) -> FormSpec:
    """One combined form for a 一件事: the stored override, else the union of the members' forms deduplicated by
    field name — fields asked by two or more members first (共同信息), then a section per member item. The layout
    lists each member's fields (``members``) so that the case engine can hand each child case its part."""
    bundle = Bundle.objects.filter(code=bundle_code, is_published=True).first()
    if bundle is None:
        raise NotFound(_("没有找到这个“一件事”。"), code="bundle_not_found")
    members = list(bundle.members.filter(item__status=CatalogStatus.PUBLISHED)
                   .select_related("item__current_version").order_by("position"))
    member_fields: list[tuple[Any, tuple[FormField, ...]]] = []
    for member in members:
        definition = _member_definition(member.item)
        member_fields.append((member.item, definition_fields(definition) if definition else ()))
    title = _("%(n)s联办申请表") % {"n": bundle.name}
    if bundle.form_override:
        spec = form_spec_from_definition(bundle.form_override, key=f"bundle:{bundle.code}:v{bundle.form_version}",
                                         version=bundle.form_version, title=title)
        names = {f.name for f in spec.fields}
        layout = {**spec.layout, "members": [
            {"basic_code": item.basic_code, "name": item.current_version.name if item.current_version else "",
             "fields": [f.name for f in fields if f.name in names]} for item, fields in member_fields]}
        return replace(spec, layout=layout, digest=_digest(spec.schema, layout))
    counts: dict[str, int] = {}
    merged: dict[str, FormField] = {}
    for _item, fields in member_fields:
        for field in fields:
            counts[field.name] = counts.get(field.name, 0) + 1
            merged[field.name] = _merge(merged[field.name], field) if field.name in merged else field
    sections = [FormSection(key=COMMON_SECTION, title=_("共同信息"),
                            help=_("以下信息各事项共用，只需填写一次。"))]
    ordered: list[FormField] = [replace(merged[name], section=COMMON_SECTION)
                                for name in merged if counts[name] > 1]
    for index, (item, fields) in enumerate(member_fields):
        key = f"member{index + 1}"
        name = item.current_version.name if item.current_version else item.basic_code
        own = [replace(merged[f.name], section=key) for f in fields if counts[f.name] == 1]
        if own:
            sections.append(FormSection(key=key, title=name))
            ordered += own
    extra = {"members": [{"basic_code": item.basic_code,
                          "name": item.current_version.name if item.current_version else "",
                          "fields": [f.name for f in fields]} for item, fields in member_fields]}
    draft = _build(key=f"bundle:{bundle.code}:g", version=bundle.form_version, title=title, fields=ordered,
                   sections=sections, definition={}, extra_layout=extra)
    key = f"bundle:{bundle.code}:g{draft.digest}"
    return _build(key=key, version=bundle.form_version, title=title, fields=ordered, sections=sections,
                  definition={}, extra_layout=extra)


def form_member_data(*, spec: FormSpec, basic_code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a bundle's combined form data that belongs to one member item (for its child case)."""
    for member in spec.layout.get("members", []):
        if member["basic_code"] == basic_code:
            return {name: data[name] for name in member["fields"] if name in data}
    return {}


# ------------------------------------------------------------------ earlier versions


def _implementation_spec_by_key(key: str, *, code: str, number: int, item_number: int | None) -> FormSpec | None:
    version = (ImplementationVersion.objects.select_related("implementation__item__current_version")
               .filter(implementation__code=code, number=number, published_at__isnull=False).first())
    if version is None:
        return None
    impl = version.implementation
    if item_number is None:
        current = impl.item.current_version
        title = _default_title(current.name if current else code)
        return form_spec_from_definition(version.form, key=key, version=number, title=title)
    if version.form:
        return None  # the version has its own form: it never inherited one
    item_version = ItemVersion.objects.filter(item_id=impl.item_id, number=item_number).first()
    if item_version is None or not item_version.form:
        return None
    return form_spec_from_definition(item_version.form, key=key, version=number,
                                     title=_default_title(item_version.name))


def form_by_key(*, key: str) -> FormSpec:
    """The form a key names — an implementation's form of any published version (with the item version it
    inherited from), or a bundle's current form. :class:`NotFound` for a key that names nothing (any more)."""
    match = IMPL_KEY_RE.fullmatch(key)
    if match:
        spec = _implementation_spec_by_key(key, code=match["code"], number=int(match["n"]),
                                           item_number=int(match["m"]) if match["m"] else None)
        if spec is not None:
            return spec
    match = BUNDLE_KEY_RE.fullmatch(key)
    if match:
        spec = form_for_bundle(bundle_code=match["code"])
        if spec.key == key:
            return spec
    raise NotFound(_("没有找到这个版本的申请表。"), code="form_not_found")


def form_spec_snapshot(spec: FormSpec) -> dict[str, Any]:
    """What a case stores to show its form later exactly as it was: the key, the schema, the layout and the
    definition (from which the fields are rebuilt)."""
    return {"key": spec.key, "version": spec.version, "title": spec.title, "digest": spec.digest,
            "schema": spec.schema, "layout": spec.layout, "definition": spec.definition,
            "fields": [_field_json(f) for f in spec.fields]}


def _field_json(field: FormField) -> dict[str, Any]:
    data = {k: v for k, v in field.__dict__.items() if k != "subfields"}
    data["options"] = [list(o) for o in field.options]
    data["visible_when"] = {name: list(values) for name, values in field.visible_when}
    data["subfields"] = [_field_json(sub) for sub in field.subfields]
    return data


def _field_from_json(data: Mapping[str, Any]) -> FormField:
    values = dict(data)
    values["options"] = tuple((o[0], o[1]) for o in data.get("options", []))
    values["visible_when"] = tuple((name, tuple(v)) for name, v in (data.get("visible_when") or {}).items())
    values["subfields"] = tuple(_field_from_json(sub) for sub in data.get("subfields", []))
    return FormField(**values)


def form_spec_restore(snapshot: Mapping[str, Any]) -> FormSpec:
    """The spec of a snapshot made by :func:`form_spec_snapshot`."""
    return FormSpec(key=snapshot["key"], version=snapshot["version"], schema=snapshot["schema"],
                    layout=snapshot["layout"], fields=tuple(_field_from_json(f) for f in snapshot["fields"]),
                    title=snapshot.get("title", ""), digest=snapshot.get("digest", ""),
                    definition=dict(snapshot.get("definition") or {}))
