from django.db import models

from tongban.core.fields import EncryptedTextField


class Secret(models.Model):
    """A row with encrypted columns, to test :class:`EncryptedTextField` without a real app's migrations."""

    label = models.CharField(max_length=50, blank=True)
    id_number = EncryptedTextField("身份证号", null=True, blank=True)
    phone = EncryptedTextField("手机号", blank=True, default="")

    def __str__(self) -> str:
        return self.label
