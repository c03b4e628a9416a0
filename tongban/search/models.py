from django.db import models
from django.utils.translation import gettext_lazy as _


class Synonym(models.Model):  # 同义词：群众说法 → 规范说法
    term = models.CharField(_("群众说法"), max_length=50, unique=True)
    canonical = models.CharField(_("规范说法"), max_length=100,
                                 help_text=_("事项名称或其中的规范用语，如“出生登记”"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"
