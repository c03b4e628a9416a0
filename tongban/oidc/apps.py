from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OidcConfig(AppConfig):
    """统一身份认证: the OpenID Connect provider (single sign-on for department systems and mini-apps)."""

    name = "tongban.oidc"
    label = "oidc"
    verbose_name = _("统一身份认证")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tongban.oidc import account_hooks

        account_hooks.register()
