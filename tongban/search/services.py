"""Writes of the search app: the synonym table (群众说法 → 规范说法)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, Actor, Target, atomic_service, audit_record
from tongban.core.errors import ValidationFailed
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
