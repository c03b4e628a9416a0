"""The provider plugins: the simulators' documented rules, the registries, and that domain code never imports a
simulator."""

from __future__ import annotations

import ast
import pathlib

import pytest
from stdnum import luhn

from tests.realname.conftest import CARD, ID_NUMBER, MISMATCH_ID, NAME, UNAVAILABLE_ID, picture
from tongban.realname.providers.bankcard.contrib.simulator.plugin import SimulatedBankcardProvider
from tongban.realname.providers.bankcard.registry import bankcard_provider
from tongban.realname.providers.common import ProviderNotConfigured, ProviderOutcome
from tongban.realname.providers.face.contrib.simulator.plugin import SimulatedFaceProvider
from tongban.realname.providers.face.registry import face_provider
from tongban.realname.providers.population.contrib.simulator.plugin import SimulatedPopulationProvider
from tongban.realname.providers.population.registry import population_provider

MATCH, MISMATCH, UNAVAILABLE = ProviderOutcome.MATCH, ProviderOutcome.MISMATCH, ProviderOutcome.UNAVAILABLE


@pytest.mark.parametrize(("name", "id_number", "expected"), [
    (NAME, ID_NUMBER, MATCH),
    ("阿依古丽·买买提", ID_NUMBER, MATCH),
    ("𠮷", ID_NUMBER, MISMATCH),  # one character: below the 2–50 rule
    ("李不符", ID_NUMBER, MISMATCH),
    (NAME, MISMATCH_ID, MISMATCH),
    ("服务中断", ID_NUMBER, UNAVAILABLE),
    (NAME, UNAVAILABLE_ID, UNAVAILABLE),
])
def test_population_simulator_rules(name: str, id_number: str, expected: ProviderOutcome) -> None:
    result = SimulatedPopulationProvider().check(name=name, id_number=id_number)
    assert result.outcome == expected and result.reference.startswith("sim-pop-")


@pytest.mark.parametrize(("card", "id_number", "expected"), [
    (CARD, ID_NUMBER, MATCH),
    (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), ID_NUMBER, MISMATCH),  # fails Luhn
    ("6217000000000000012", ID_NUMBER, MISMATCH),
    ("6217000000000000020", ID_NUMBER, UNAVAILABLE),
    (CARD, MISMATCH_ID, MISMATCH),
    (CARD, UNAVAILABLE_ID, UNAVAILABLE),
])
def test_bankcard_simulator_rules(card: str, id_number: str, expected: ProviderOutcome) -> None:
    assert luhn.is_valid(CARD)
    result = SimulatedBankcardProvider().check(name=NAME, id_number=id_number, card_number=card, phone="13912345678")
    assert result.outcome == expected


def test_face_simulator_is_deterministic_and_documented() -> None:
    provider = SimulatedFaceProvider()
    photo = picture("JPEG")
    first = provider.check(name=NAME, id_number=ID_NUMBER, photo=photo, content_type="image/jpeg")
    second = provider.check(name=NAME, id_number=ID_NUMBER, photo=photo, content_type="image/jpeg")
    assert first.outcome == MATCH and first.score == second.score and 0.90 <= (first.score or 0) <= 0.99
    plain = provider.check(name=NAME, id_number=ID_NUMBER, photo=picture(plain=True), content_type="image/png")
    assert plain.outcome == MISMATCH and plain.score == 0.0, "a one-colour picture fails liveness"
    assert provider.check(name=NAME, id_number=MISMATCH_ID, photo=photo, content_type="image/jpeg").score == 0.35
    assert provider.check(name=NAME, id_number=UNAVAILABLE_ID, photo=photo,
                          content_type="image/jpeg").outcome == UNAVAILABLE


def test_registries_follow_configuration(settings) -> None:
    assert isinstance(population_provider(), SimulatedPopulationProvider)
    assert isinstance(bankcard_provider(), SimulatedBankcardProvider)
    assert isinstance(face_provider(), SimulatedFaceProvider)
    settings.REALNAME_FACE_PROVIDER = ""
    with pytest.raises(ProviderNotConfigured):
        face_provider()
    settings.REALNAME_POPULATION_PROVIDER = "nosuch"
    with pytest.raises(RuntimeError, match="unknown provider"):
        population_provider()


def test_domain_code_never_imports_a_simulator() -> None:
    root = pathlib.Path(__file__).resolve().parents[2] / "tongban" / "realname"
    offenders = []
    for path in root.rglob("*.py"):
        if "contrib" in path.parts or path.name == "simulator_cases.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    "simulator" in node.module):
                offenders.append(f"{path.relative_to(root)}: {node.module}")
    assert offenders == []
