from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.licenses.models.codes import ConsentStatus, RequesterKind, VerificationChannel, VerificationResult


class QrTokenUse(models.Model):
    """A 亮证 token that has been verified once: a second verification of the same token is a replay."""

    jti = models.CharField(_("令牌编号"), max_length=64, unique=True)
    license = models.ForeignKey("licenses.License", on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(_("令牌过期时间"))
    used_at = models.DateTimeField(_("核验时间"), auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="lic_qruse_exp_idx")]

    def __str__(self) -> str:
        return self.jti


class Verification(models.Model):
    """Every verification of a licence (公开核验记录), also failed ones. The verifier's address is kept as a keyed
    digest, not in clear."""

    license = models.ForeignKey("licenses.License", verbose_name=_("电子证照"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="verifications",
                                db_index=False)  # lic_verif_license_idx
    channel = models.CharField(_("核验方式"), max_length=16, choices=VerificationChannel.choices)
    result = models.CharField(_("核验结果"), max_length=16, choices=VerificationResult.choices)
    client_digest = models.CharField(_("核验方标识"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("核验时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证照核验记录")
        verbose_name_plural = _("证照核验记录")
        indexes = [models.Index(fields=["license", "-created_at"], name="lic_verif_license_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.result}"


class LicenseConsent(models.Model):
    """用证授权: a department or third party asks to use a licence for a purpose; the holder grants chosen fields
    until a date, or refuses; may revoke later."""

    license = models.ForeignKey("licenses.License", verbose_name=_("电子证照"), on_delete=models.CASCADE,
                                related_name="consents", db_index=False)  # lic_consent_license_idx
    requester_kind = models.CharField(_("用证方类别"), max_length=16, choices=RequesterKind.choices)
    requester_name = models.CharField(_("用证方"), max_length=200)
    requester_department = models.ForeignKey("directory.Department", verbose_name=_("用证部门"), null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+")
    requester_client_id = models.CharField(_("接入应用"), max_length=100, blank=True)
    purpose = models.CharField(_("用证事由"), max_length=500)
    requested_fields = models.JSONField(_("申请使用的字段"), default=list)
    granted_fields = models.JSONField(_("授权字段"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=ConsentStatus.choices,
                              default=ConsentStatus.REQUESTED)
    valid_until = models.DateField(_("授权截止"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用证授权")
        verbose_name_plural = _("用证授权")
        indexes = [models.Index(fields=["license", "status"], name="lic_consent_license_idx")]

    def __str__(self) -> str:
        return f"{self.requester_name}: {self.purpose}"


class LicenseUse(models.Model):
    """Each use of a licence by another party (谁用了我的证照), allowed or refused, with the fields asked for."""

    license = models.ForeignKey("licenses.License", verbose_name=_("电子证照"), on_delete=models.CASCADE,
                                related_name="uses", db_index=False)  # lic_use_license_idx
    consent = models.ForeignKey(LicenseConsent, verbose_name=_("依据的授权"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="uses")
    user_label = models.CharField(_("用证方"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=500)
    fields = models.JSONField(_("使用的字段"), default=list)
    allowed = models.BooleanField(_("是否准予"))
    refusal_reason = models.CharField(_("拒绝原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("使用时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")
        indexes = [models.Index(fields=["license", "-created_at"], name="lic_use_license_idx")]

    def __str__(self) -> str:
        return f"{self.user_label}: {self.purpose}"
