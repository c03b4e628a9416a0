"""How a person signed in: authentication method references (RFC 8176 ``amr``).

The login views store the list in the browser session under ``tongban.identity.interface.AMR_SESSION_KEY``
(``["pwd"]``, ``["sms"]``, ``["pwd", "otp"]``, ``["sms", "otp"]``, ``["face"]``, ``["qr"]``); single sign-on copies
it into ID tokens.
"""

AMR_PWD = "pwd"  # noqa: S105 - a method name, not a secret
AMR_SMS = "sms"
AMR_OTP = "otp"
AMR_FACE = "face"
AMR_QR = "qr"

__all__ = ["AMR_FACE", "AMR_OTP", "AMR_PWD", "AMR_QR", "AMR_SMS"]
