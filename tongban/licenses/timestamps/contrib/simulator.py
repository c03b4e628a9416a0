"""``TONGBAN_TSA=simulator``: the local timestamp simulator (本地时间戳模拟器), for development, tests and the demo.

Tokens are signed on this server by a TSA certificate the platform root issues (``extendedKeyUsage timeStamping``,
critical), with pyHanko's ``DummyTimeStamper``. They verify like real tokens against the platform root, but the
time is only this server's clock: settings refuse the simulator outside TONGBAN_DEBUG / TONGBAN_DEMO.
"""

from __future__ import annotations

from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tongban.licenses.pki import as_asn1, key_as_asn1, tsa_simulator_identity


class SimulatedAuthority:
    name = "simulator"

    def timestamper(self) -> TimeStamper | None:
        identity = tsa_simulator_identity()
        return DummyTimeStamper(
            tsa_cert=as_asn1(identity.certificate), tsa_key=key_as_asn1(identity.key),
            certs_to_embed=SimpleCertificateStore.from_certs([as_asn1(identity.root)]))
