"""``TONGBAN_TSA=simulator``: the local timestamp simulator (本地时间戳模拟器), for development, tests and the demo.

Tokens are signed on this server by a TSA certificate the platform root issues (``extendedKeyUsage timeStamping``,
critical), with pyHanko's ``DummyTimeStamper``. They verify like real tokens against the platform root, but the
time is only this server's clock: settings refuse the simulator outside TONGBAN_DEBUG / TONGBAN_DEMO.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asn1crypto import cms, core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import general
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from tongban.licenses.pki import TsaIdentity, as_asn1, key_as_asn1, tsa_simulator_identity


class _LocalTimeStamper(DummyTimeStamper):
    """DummyTimeStamper re-parses its RSA key for every token; this one signs with the key parsed once."""

    def __init__(self, *, key: RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rsa_key = key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            general.simple_cms_attribute("content_type", "tst_info"),
            general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            general.simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._rsa_key.sign(signed_attrs.dump(), PKCS1v15(),
                                       get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs


class SimulatedAuthority:
    name = "simulator"

    def __init__(self) -> None:
        self._made: tuple[TsaIdentity, _LocalTimeStamper] | None = None

    def timestamper(self) -> TimeStamper | None:
        identity = tsa_simulator_identity()
        if self._made is None or self._made[0] is not identity:
            stamper = _LocalTimeStamper(
                key=identity.key, tsa_cert=as_asn1(identity.certificate), tsa_key=key_as_asn1(identity.key),
                certs_to_embed=SimpleCertificateStore.from_certs([as_asn1(identity.root)]))
            self._made = (identity, stamper)
        return self._made[1]
