from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealnameConfig(AppConfig):
    name = "tongban.realname"
    label = "realname"
    verbose_name = _("实名核验")

    def ready(self) -> None:
        from tongban.core.backup import backup_reference_register
        from tongban.realname import account_hooks

        account_hooks.register()
        # Photos encrypted in the default storage (tongban.realname.storage): the identity card of a manual review,
        # the evidence of a correction request.
        backup_reference_register(alias="default", model="realname.ManualReview",
                                  fields=["id_front", "id_back", "handheld"])
        backup_reference_register(alias="default", model="realname.CorrectionRequest", fields=["evidence"])
