from tongban.oidc.models.client import Client
from tongban.oidc.models.consent import Consent
from tongban.oidc.models.signon import SignOnSession

__all__ = ["Client", "Consent", "SignOnSession"]
