"""本地核验模拟器 (face check): no network call and no real face recognition; for development, tests and the demo.

Enabled only by TONGBAN_REALNAME_FACE_PROVIDER=simulator. Rules (see
:mod:`tongban.realname.providers.simulator_cases`): a one-colour picture fails liveness (similarity 0); the
documented test identities give ``mismatch`` (similarity 0.35) or ``unavailable``; anything else matches with a
similarity of 0.90–0.99 derived from the SHA-256 of the image bytes.
"""

from __future__ import annotations

import hashlib
import io
import uuid

from PIL import Image, ImageStat

from tongban.realname.providers.face.base import FaceProvider, ProviderOutcome, ProviderResult
from tongban.realname.providers.simulator_cases import FACE_MISMATCH_SCORE, FACE_PASS_MARK, identity_case


def _one_colour(photo: bytes) -> bool:
    with Image.open(io.BytesIO(photo)) as image:
        grey = image.convert("L")
        grey.thumbnail((64, 64))
        return ImageStat.Stat(grey).stddev[0] < 1.0


class SimulatedFaceProvider(FaceProvider):
    name = "simulator"

    def check(self, *, name: str, id_number: str, photo: bytes, content_type: str) -> ProviderResult:
        reference = f"sim-face-{uuid.uuid4().hex[:16]}"
        case = identity_case(name=name, id_number=id_number)
        if case == "unavailable":
            return ProviderResult(ProviderOutcome.UNAVAILABLE, reference, "simulated outage")
        if _one_colour(photo):
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "liveness failed", score=0.0)
        if case == "mismatch":
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "simulated mismatch", score=FACE_MISMATCH_SCORE)
        score = 0.90 + (hashlib.sha256(photo).digest()[0] % 10) / 100
        outcome = ProviderOutcome.MATCH if score >= FACE_PASS_MARK else ProviderOutcome.MISMATCH
        return ProviderResult(outcome, reference, score=round(score, 2))
