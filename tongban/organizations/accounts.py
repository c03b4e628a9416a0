"""The legal-person app's only contact with identity's accounts, kept in one module.

Identity exposes no public function yet to create an organisation's login account, to switch it on or off, or to
find a natural person by phone number or username. Until it does, this module uses Django's ``get_user_model()``
and ``tongban.identity.services.account_find``; replacing them with identity hooks touches only this file.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tongban.identity import services as identity_services
from tongban.identity.interface import AccountKind


def organization_account_create(*, credit_code: str, password: str, display_name: str, active: bool) -> Any:
    """A login account of kind 法人 whose username is the credit code.

    ``username_is_custom`` is set so that identity's password sign-in (lockout, throttling, audit) resolves it.
    """
    return get_user_model().objects.create_user(
        username=credit_code, password=password, kind=AccountKind.ORGANIZATION, username_is_custom=True,
        display_name=display_name[:100], is_active=active)


def account_set_active(*, user_id: int, active: bool) -> None:
    get_user_model().objects.filter(pk=user_id).update(is_active=active)


def account_retire(*, user_id: int, username: str) -> None:
    """Switch the account off for good and give its username (the credit code) back: an expired registration's
    account is renamed, loses its password and never signs in again."""
    get_user_model().objects.filter(pk=user_id).update(username=username, is_active=False,
                                                       password=make_password(None))


def account_mark_login(*, user_id: int) -> None:
    get_user_model().objects.filter(pk=user_id).update(last_login=timezone.now(), failed_logins=0, locked_until=None)


def account_get(*, user_id: int) -> Any:
    return get_user_model().objects.get(pk=user_id)


def person_account_find(identifier: str) -> Any | None:
    """A natural person's account by mobile number or custom username (also ID number: callers refuse that)."""
    user = identity_services.account_find(identifier=identifier)
    if user is None or not user.is_active or user.kind != AccountKind.PERSON:
        return None
    return user
