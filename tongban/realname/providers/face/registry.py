"""Which face-check provider is in use: ``settings.REALNAME_FACE_PROVIDER`` (TONGBAN_REALNAME_FACE_PROVIDER)."""

from __future__ import annotations

from tongban.realname.providers.common import load_provider
from tongban.realname.providers.face.base import FaceProvider

SETTING = "REALNAME_FACE_PROVIDER"
PROVIDERS: dict[str, str] = {
    "simulator": "tongban.realname.providers.face.contrib.simulator.plugin.SimulatedFaceProvider",
}


def register(name: str, dotted_path: str) -> None:
    PROVIDERS[name] = dotted_path


def face_provider() -> FaceProvider:
    provider = load_provider(setting=SETTING, table=PROVIDERS)
    assert isinstance(provider, FaceProvider)
    return provider
