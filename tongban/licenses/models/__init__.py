from tongban.licenses.models.codes import (
    ArchiveStatus,
    CaseDocumentKind,
    ConsentStatus,
    HolderKind,
    LicenseSource,
    LicenseStatus,
    RequesterKind,
    SealKind,
    SealStatus,
    VerificationChannel,
    VerificationResult,
)
from tongban.licenses.models.documents import ArchivePackage, ArchivePolicy, CaseDocument
from tongban.licenses.models.license import ImportBatch, License, LicenseCounter, LicenseEvent, LicenseType
from tongban.licenses.models.pki import CertificateAuthority, SigningKey
from tongban.licenses.models.seal import Seal, SealUsage
from tongban.licenses.models.use import LicenseConsent, LicenseUse, QrTokenUse, Verification

__all__ = [
    "ArchivePackage", "ArchivePolicy", "ArchiveStatus", "CaseDocument", "CaseDocumentKind", "CertificateAuthority",
    "ConsentStatus", "HolderKind", "ImportBatch", "License", "LicenseConsent", "LicenseCounter", "LicenseEvent",
    "LicenseSource", "LicenseStatus", "LicenseType", "LicenseUse", "QrTokenUse", "RequesterKind", "Seal",
    "SealKind", "SealStatus", "SealUsage", "SigningKey", "Verification", "VerificationChannel",
    "VerificationResult",
]
