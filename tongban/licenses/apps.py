from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "tongban.licenses"
    label = "licenses"
    verbose_name = _("电子证照、印章与档案")

    def ready(self) -> None:
        from tongban.licenses import hooks

        hooks.register()
