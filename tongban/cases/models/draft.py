"""Application drafts (申请草稿): one per applicant account, acting organisation and implementation or bundle."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class Draft(models.Model):  # 申请草稿
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请账号"),
                                       on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("organizations.Organization", verbose_name=_("代表的法人"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="+")
    target_key = models.CharField(_("申请对象"), max_length=80, help_text=_("impl:<实施编码> 或 bundle:<一件事代码>"))
    implementation = models.ForeignKey("catalog.Implementation", verbose_name=_("实施清单"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    bundle_code = models.CharField(_("一件事代码"), max_length=40, blank=True)
    members = models.JSONField(_("一件事成员"), default=list, blank=True,
                               help_text=_("[{item_code, implementation_id}]：各成员事项的实施清单"))
    data_encrypted = EncryptedTextField(_("表单数据"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("保存时间"), auto_now=True)

    class Meta:
        verbose_name = _("申请草稿")
        verbose_name_plural = _("申请草稿")
        constraints = [
            models.UniqueConstraint(fields=["applicant_user", "target_key"], condition=Q(organization__isnull=True),
                                    name="draft_one_per_person_target"),
            models.UniqueConstraint(fields=["applicant_user", "organization", "target_key"],
                                    condition=Q(organization__isnull=False), name="draft_one_per_org_target"),
        ]

    def __str__(self) -> str:
        return f"draft:{self.pk}"

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_encrypted) if self.data_encrypted else {}

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self.data_encrypted = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
