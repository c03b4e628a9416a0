"""The enterprise registry interface (企业登记信息核验). Every provider — a market-regulation, civil-affairs or
public-institution registry gateway, or the local simulator — implements it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum


class RegistrationStatus(StrEnum):  # 登记状态
    ACTIVE = "active"  # 存续（在业）
    DEREGISTERED = "deregistered"  # 注销
    REVOKED = "revoked"  # 吊销


@dataclass(frozen=True)
class EnterpriseRecord:
    """What the registry holds about one unified social credit code.

    ``org_type`` uses the codes of ``tongban.organizations.interface.OrgType`` (``enterprise``, ``farmer_coop``,
    ``individual``, ``public_institution``, ``social_org``, ``government``).
    """

    credit_code: str
    name: str
    org_type: str
    legal_rep_name: str
    status: RegistrationStatus


class EnterpriseNotFound(Exception):
    """The registry holds no entity with this code."""


class RegistryUnavailable(Exception):
    """The registry could not be asked (down, timed out, refused us): try again later."""


class EnterpriseRegistry(ABC):
    name: str

    @abstractmethod
    def lookup(self, *, credit_code: str) -> EnterpriseRecord:
        """The record of a normalised, GB 32100-valid code.

        Raises :class:`EnterpriseNotFound` or :class:`RegistryUnavailable`; never anything else for expected cases.
        """
