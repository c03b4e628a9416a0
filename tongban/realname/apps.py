from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealnameConfig(AppConfig):
    name = "tongban.realname"
    label = "realname"
    verbose_name = _("实名核验")

    def ready(self) -> None:
        from tongban.realname import account_hooks

        account_hooks.register()
