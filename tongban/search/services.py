"""Writes of the search app: the synonym table (群众说法 → 规范说法)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, Actor, Target, actor_from_user, atomic_service, audit_record, denial
from tongban.core.errors import ValidationFailed
from tongban.directory.selectors import staff_context_for_user
from tongban.search.models import Synonym


@atomic_service
def synonym_load(*, pairs: Mapping[str, str], actor: Actor = SYSTEM) -> int:
    """Insert or update synonyms; returns the number of rows written."""
    written = 0
    for term, canonical in pairs.items():
        term, canonical = term.strip(), canonical.strip()
        if not term or not canonical:
            raise ValidationFailed(_("同义词和规范说法都不能为空。"), code="empty_synonym")
        synonym, created = Synonym.objects.get_or_create(term=term, defaults={"canonical": canonical})
        if not created and synonym.canonical != canonical:
            synonym.canonical = canonical
            synonym.save(update_fields=["canonical", "updated_at"])
            written += 1
        written += created
    if written:
        audit_record(action="search.synonym.load", actor=actor, target=Target(type="search.synonym"),
                     detail={"written": written})
    return written


@atomic_service
def synonym_save(*, user: Any, term: str, canonical: str, is_active: bool = True, note: str = "") -> Synonym:
    """Add or change one entry of the synonym table; only platform catalogue administrators may."""
    staff = staff_context_for_user(user)
    actor = Actor(kind="staff", id=str(staff.staff_id), label=staff.name) if staff else actor_from_user(user)
    target = Target(type="search.synonym", label=term[:50])
    if staff is None or not staff.is_platform_catalog_admin:
        raise denial(action="search.synonym.save", actor=actor, target=target,
                     message=_("只有平台事项管理员可以维护同义词表。"))
    term, canonical = term.strip(), canonical.strip()
    if not term or not canonical:
        raise ValidationFailed(_("群众说法和规范说法都不能为空。"), code="empty_synonym")
    if term == canonical:
        raise ValidationFailed(_("群众说法与规范说法相同，无需设置同义词。"), code="same_synonym")
    synonym, created = Synonym.objects.update_or_create(
        term=term, defaults={"canonical": canonical, "is_active": is_active, "note": note.strip()[:200]})
    audit_record(action="search.synonym.create" if created else "search.synonym.update", actor=actor,
                 target=Target(type="search.synonym", id=str(synonym.pk), label=term),
                 detail={"canonical": canonical, "is_active": is_active})
    return synonym
