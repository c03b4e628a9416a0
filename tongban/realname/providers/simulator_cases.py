"""本地核验模拟器 — the documented test cases shared by the three simulator plugins. Imported only by simulators.

Every ID number below has a correct check character, so it passes validation and reaches the simulator.

============================  ===========================================================
Input                         Simulator answer
============================  ===========================================================
ID 530102197001010037         ``mismatch`` (population, bank card and face)
name 李不符                    ``mismatch`` (population, bank card and face)
ID 532501199208150041         ``unavailable`` — the provider is "down" (all three routes)
name 服务中断                  ``unavailable`` (all three routes)
card 6217000000000000012      bank card: ``mismatch`` (the reserved phone does not match)
card 6217000000000000020      bank card: ``unavailable``
card failing the Luhn check   bank card: ``mismatch``
a one-colour picture          face: liveness fails → ``mismatch`` with similarity 0
anything else                 ``match`` (population: when the name is 2–50 characters)
============================  ===========================================================

Face similarity for a match: ``0.90 + (first byte of SHA-256 of the image bytes mod 10) / 100`` (0.90–0.99),
so the same picture always gets the same score; the pass mark is :data:`FACE_PASS_MARK`.
"""

from __future__ import annotations

MISMATCH_ID_NUMBERS = frozenset({"530102197001010037"})
UNAVAILABLE_ID_NUMBERS = frozenset({"532501199208150041"})
MISMATCH_NAMES = frozenset({"李不符"})
UNAVAILABLE_NAMES = frozenset({"服务中断"})
MISMATCH_CARDS = frozenset({"6217000000000000012"})
UNAVAILABLE_CARDS = frozenset({"6217000000000000020"})
FACE_PASS_MARK = 0.80
FACE_MISMATCH_SCORE = 0.35


def identity_case(*, name: str, id_number: str) -> str | None:
    """``"mismatch"`` / ``"unavailable"`` for a documented test identity, else ``None``."""
    if id_number in UNAVAILABLE_ID_NUMBERS or name in UNAVAILABLE_NAMES:
        return "unavailable"
    if id_number in MISMATCH_ID_NUMBERS or name in MISMATCH_NAMES:
        return "mismatch"
    return None
