"""Helpers of the identity API tests: a known captcha, codes from the SMS simulator, sign-in through the API."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from tongban.notifications.models import SimulatedSms

PASSWORD = "Yunnan#2026road"
API = "/api/v1/identity"
# The real-name simulators' documented cases (tongban/realname/providers/simulator_cases.py).
MISMATCH_ID = "530102197001010037"
UNAVAILABLE_ID = "532501199208150041"


@pytest.fixture(autouse=True)
def known_captcha(monkeypatch: Any) -> str:
    from tongban.identity import captcha

    monkeypatch.setattr(captcha, "_random_text", lambda: "KKKK")
    return "KKKK"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def last_code(phone: str) -> str:
    sms = next((m for m in SimulatedSms.objects.order_by("-created_at", "-pk")[:50] if m.phone == phone), None)
    assert sms is not None, "no SMS sent to " + phone
    return re.search(r"\d{6}", sms.text).group(0)  # type: ignore[union-attr]


def _url(path: str) -> str:
    """Paths under /api/v1/identity may be given relative to it ("/me"); others in full ("/api/v1/organizations")."""
    return path if path.startswith("/api/") else f"{API}{path}"


def post(client: Client, path: str, data: dict[str, Any] | None = None, token: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(_url(path), data or {},
                       content_type="application/json", **headers, **extra)


def get(client: Client, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(_url(path), params, **headers)


def delete(client: Client, path: str, token: str | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.delete(_url(path), **headers)


def send_code(client: Client, phone: str, purpose: str = "register") -> str:
    assert client.get(f"{API}/captcha").status_code == 200
    response = post(client, "/sms-codes", {"phone": phone, "purpose": purpose, "captcha": "kkkk"})
    assert response.status_code == 202, response.content
    return last_code(phone)


def register_person(client: Client, phone: str, *, password: str = PASSWORD) -> Any:
    code = send_code(client, phone)
    response = post(client, "/persons", {"phone": phone, "sms_code": code, "password": password})
    assert response.status_code == 201, response.content
    return response.json()


def login(client: Client, identifier: str, *, password: str = PASSWORD, captcha: str = "", **extra: Any) -> str:
    response = post(client, "/sessions", {"identifier": identifier, "password": password, "captcha": captcha},
                    **extra)
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def verify_population(client: Client, token: str, *, name: str, id_number: str) -> Any:
    response = post(client, "/realname/population", {"name": name, "id_number": id_number}, token=token)
    assert response.status_code == 200, response.content
    return response.json()


def picture() -> bytes:
    """A small PNG with some structure (a one-colour picture fails the face simulator's liveness check)."""
    image = Image.new("RGB", (80, 60), (200, 180, 160))
    for x in range(80):
        for y in range(0, 60, 3):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
