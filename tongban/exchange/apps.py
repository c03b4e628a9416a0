from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """数据交换: department systems receive the platform's events as signed webhooks."""

    name = "tongban.exchange"
    label = "exchange"
    verbose_name = _("部门系统对接")
    default_auto_field = "django.db.models.BigAutoField"
