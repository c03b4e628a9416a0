"""Model fields for personal data at rest (个人信息加密存储)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import Lookup, Transform
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import decrypt_text, encrypt_text

__all__ = ["EncryptedTextField"]


class EncryptedTextField(models.TextField):
    """Text stored encrypted (AES-256-GCM, :mod:`tongban.core.crypto`) and read back as plain text.

    The ciphertext is bound to ``<app_label>.<model_name>.<field_name>`` (or to ``context=`` when given), so a
    value copied into another column does not decrypt. Pin ``context=`` to the old name *before* renaming the
    app, model or field, or the stored values stop decrypting. ``None`` stays ``NULL`` and ``""`` stays ``""``.

    The database sees only random-looking tokens, so the only lookup is ``isnull``: find rows through a blind
    index column (:func:`tongban.core.crypto.blind_index`) instead. ``unique`` and ``db_index`` are refused for
    the same reason; ordering by the column orders by ciphertext, i.e. randomly.
    """

    description = _("加密文本")

    def __init__(self, *args: Any, context: str | None = None, **kwargs: Any) -> None:
        if context is not None and (not isinstance(context, str) or not context or "\x00" in context):
            raise ImproperlyConfigured("EncryptedTextField(context=...) must be a non-empty string without NUL")
        self._context = context
        self._refused_options = [name for name in ("primary_key", "unique", "db_index") if kwargs.get(name)]
        super().__init__(*args, **kwargs)

    @property
    def context(self) -> str:
        """The associated data the values are sealed with: the column's stable name."""
        if self._context:
            return self._context
        model = getattr(self, "model", None)
        if model is None or not self.name:
            raise ImproperlyConfigured("EncryptedTextField is used before it was added to a model")
        return f"{model._meta.app_label}.{model._meta.model_name}.{self.name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self._context:
            kwargs["context"] = self._context
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = [*super().check(**kwargs)]
        for option in self._refused_options:
            errors.append(checks.Error(
                f"EncryptedTextField cannot be {option}: the stored values are randomised ciphertext.",
                hint="Put a unique index on a blind index column (tongban.core.crypto.blind_index) instead.",
                obj=self,
                id="core.E101",
            ))
        return errors

    # Python -> database: encrypt. ``get_db_prep_save`` (save, bulk_create, update, bulk_update) ends here.
    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value), context=self.context)

    # Database -> Python: decrypt.
    def from_db_value(self, value: Any, expression: Expression, connection: BaseDatabaseWrapper) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value, context=self.context)

    def _refuse(self, what: str) -> TypeError:
        owner = getattr(self, "model", None)
        label = f"{owner._meta.label}.{self.name}" if owner is not None else self.name
        return TypeError(
            f"{label} is encrypted and cannot be queried with {what!r} (only 'isnull' works): "
            "search through its blind index column (tongban.core.crypto.blind_index) instead"
        )

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name != "isnull":
            raise self._refuse(lookup_name)
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        raise self._refuse(lookup_name)
