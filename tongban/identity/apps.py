from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "tongban.identity"
    label = "identity"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from tongban.identity.sessions import session_ended_by_logout

        user_logged_out.connect(session_ended_by_logout, dispatch_uid="tongban.identity.session_ended_by_logout")
