"""What single sign-on does when a person closes their account, and what it adds to “导出我的数据”.

Registered into the identity app's hooks in :meth:`tongban.oidc.apps.OidcConfig.ready` (identity must not import
oidc).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from tongban.core.audit import SYSTEM, Target, audit_record
from tongban.identity.interface import register_closure_action, register_export_section
from tongban.oidc.conf import SCOPES
from tongban.oidc.models import Consent, SignOnSession


def account_closed(user_id: int) -> None:
    """Revoke every token, authorization code and consent of the account and end its sign-on sessions."""
    now = timezone.now()
    refresh_tokens = 0
    for refresh in get_refresh_token_model().objects.filter(user_id=user_id, revoked__isnull=True):
        refresh.revoke()
        refresh_tokens += 1
    access_tokens = 0
    for access in get_access_token_model().objects.filter(user_id=user_id):
        access.revoke()
        access_tokens += 1
    get_grant_model().objects.filter(user_id=user_id).delete()
    consents = Consent.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)
    signons = SignOnSession.objects.filter(user_id=user_id, ended_at__isnull=True).update(ended_at=now)
    audit_record(action="oidc.account_closed", actor=SYSTEM, target=Target(type="identity.user", id=str(user_id)),
                 detail={"refresh_tokens": refresh_tokens, "access_tokens": access_tokens, "consents": consents,
                         "signon_sessions": signons})


def consents_export(user_id: int) -> list[dict[str, Any]]:
    """The systems the person authorised (授权记录), including withdrawn ones."""
    rows = Consent.objects.select_related("client").filter(user_id=user_id).order_by("-granted_at")
    return [{"client": row.client.name or row.client.client_id, "department": row.client.department_name,
             "scopes": sorted(row.scope_set()), "scope_labels": [str(SCOPES.get(s, s)) for s in sorted(row.scope_set())],
             "id_number_consented": row.id_number_consented, "granted_at": row.granted_at.isoformat(),
             "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None} for row in rows]


def register() -> None:
    register_closure_action("oidc", account_closed)
    register_export_section("sso_consents", consents_export)
