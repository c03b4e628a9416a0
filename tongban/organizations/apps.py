from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "tongban.organizations"
    label = "organizations"
    verbose_name = _("法人")

    def ready(self) -> None:
        from tongban.organizations import account_hooks

        account_hooks.register()
