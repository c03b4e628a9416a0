from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadgenConfig(AppConfig):
    name = "tongban.loadgen"
    label = "loadgen"
    verbose_name = _("压测数据")
