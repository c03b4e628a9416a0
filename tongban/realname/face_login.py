"""刷脸登录: a person whose identity is verified (level ≥ 2) signs in with a live photo.

The identity app finds the account and keeps the single lockout logic (5 failures → 15 minutes, per-IP throttling,
messages that never reveal whether an account exists); this module only asks the face-verification plugin to
compare the photo with the verified name and ID number, outside any database transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import Actor, AuditOutcome, Target, atomic_service, audit_record
from tongban.core.errors import Issue, ValidationFailed
from tongban.identity import services as identity_services
from tongban.realname.providers.common import ProviderNotConfigured, ProviderOutcome, ProviderResult
from tongban.realname.providers.face.registry import face_provider
from tongban.realname.storage import Upload, image_check

log = logging.getLogger(__name__)


def face_login_available() -> bool:
    """False when no face provider is configured (the route is switched off)."""
    try:
        face_provider()
    except ProviderNotConfigured:
        return False
    return True


@atomic_service
def _record(*, user_id: int, provider: str, result: ProviderResult) -> None:
    audit_record(action="realname.face_login.check", actor=Actor(kind="person", id=str(user_id)),
                 target=Target(type="identity.user", id=str(user_id)),
                 outcome=AuditOutcome.SUCCESS if result.outcome == ProviderOutcome.MATCH else AuditOutcome.FAILURE,
                 detail={"provider": provider, "outcome": str(result.outcome), "reference": result.reference,
                         "score": result.score})


def face_login(*, identifier: str, photo: Upload | None, ip: str | None) -> Any:
    """Sign in by face: the mobile or ID number, and a photo taken now. Returns the account on success.

    Raises the identity app's ``AuthenticationFailed`` (the same message whatever went wrong), ``TooManyRequests``
    when this address is throttled, or ``ValidationFailed`` for an unusable photo or identifier.
    """
    try:
        image = image_check(photo, field="photo", label=_("本人照片"))
    except ValidationFailed as error:
        raise ValidationFailed(error.message, code=error.code,
                               issues=[Issue(error.code, error.message, "photo")]) from None
    candidate = identity_services.login_face_begin(identifier=identifier, ip=ip)
    try:
        provider = face_provider()
        name = provider.name
        result = provider.check(name=candidate.name, id_number=candidate.id_number, photo=image.data,
                                content_type=image.content_type)
    except ProviderNotConfigured:
        name, result = "", ProviderResult(ProviderOutcome.UNAVAILABLE, detail="not configured")
    except Exception:  # a plugin that raises is an outage, never a mismatch
        log.exception("face provider failed during face login")
        name, result = "", ProviderResult(ProviderOutcome.UNAVAILABLE, detail="provider raised")
    _record(user_id=candidate.user_id, provider=name, result=result)
    matched = None if result.outcome == ProviderOutcome.UNAVAILABLE else result.outcome == ProviderOutcome.MATCH
    return identity_services.login_face_finish(candidate=candidate, matched=matched, ip=ip)


__all__ = ["face_login", "face_login_available"]
