"""Extension points the case engine calls, filled by later issues (licences, payment). No fake implementations.

* **Result issuer** (结果出具): called when a case is decided 准予; the licence issue registers one that issues the
  electronic licence (电子证照) with the department's seal and returns its identifiers. Without an issuer the
  decision records only the documents the approver listed, and the result is marked as not yet issued.
* **Licence resolver** (证照引用, 免交): lists the applicant's licences that can stand for a required material and
  confirms a reference at submission. Without a resolver, attaching a licence is refused with a clear message.
* **Payment requester** (缴费): told when a case waits for payment (待缴费); the payment issue registers one that
  opens the payment order, and calls :func:`tongban.cases.services.case_payment_confirm` when it is paid.

Registration is idempotent per name (a second ``AppConfig.ready`` in tests does not duplicate a plugin). The app
that provides a plugin registers it in its ``AppConfig.ready`` (``from tongban.cases.interface import
result_issuer_register``), or the case engine's ``ready`` imports it, whichever way the layers allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class LicenseReference:
    """A licence that stands for a required material (免交), by reference: no copy of it is stored here."""

    license_type: str
    license_id: str  # the licence identifier (GB/T 36903: 1.2.156.3005.2.…)
    holder_name: str
    label: str  # e.g. "居民身份证（电子证照）"
    issuer: str = ""
    valid_until: str = ""  # ISO date, "" when it does not expire

    def as_json(self) -> dict[str, str]:
        return {"license_type": self.license_type, "license_id": self.license_id, "holder_name": self.holder_name,
                "label": self.label, "issuer": self.issuer, "valid_until": self.valid_until}


class LicenseResolver(Protocol):
    def licenses_for(self, *, user_id: int, org_id: int | None, license_type: str) -> list[LicenseReference]:
        """The holder's valid licences of ``license_type`` (the person's, or the organisation's)."""

    def confirm(self, *, user_id: int, org_id: int | None, license_id: str,
                license_type: str = "") -> LicenseReference | None:
        """The licence if it is still valid, held by the applicant and (when ``license_type``, the material's
        可用证照类型, is given) of a type that stands for that material; else None."""


@dataclass(frozen=True)
class ResultRequest:
    """What a result issuer is told about a case decided 准予."""

    case_id: int
    case_number: str
    implementation_code: str
    item_code: str
    item_name: str
    result_name: str
    result_type: str
    department_id: int
    applicant_kind: str
    applicant_user_id: int
    organization_id: int | None
    delivery_method: str
    # The applicant as the case records them (a verified person's name and ID number, or the organisation's name
    # and credit code) and the application form's data: what the result (a licence) is made out to and from.
    applicant_name: str = ""
    applicant_number: str = ""
    form_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultReference:
    """What an issuer returns: the identifier of the licence or document it produced."""

    kind: str  # "license" | "document"
    reference: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "reference": self.reference, "label": self.label}


class ResultIssuer(Protocol):
    def handles(self, request: ResultRequest) -> bool:
        """Whether this issuer produces the result of this case (e.g. by result type or licence type)."""

    def issue(self, request: ResultRequest) -> list[ResultReference]:
        """Issue the result inside the decision's transaction; raise a DomainError to refuse the decision."""


@dataclass(frozen=True)
class PaymentRequest:
    case_id: int
    case_number: str
    item_name: str
    amount_fen: int
    department_id: int
    payer_user_id: int
    organization_id: int | None


class PaymentRequester(Protocol):
    def request(self, payment: PaymentRequest) -> None:
        """Open the payment order (inside the transaction that moves the case to 待缴费)."""


_result_issuers: dict[str, ResultIssuer] = {}
_license_resolvers: dict[str, LicenseResolver] = {}
_payment_requesters: dict[str, PaymentRequester] = {}


def result_issuer_register(name: str, issuer: ResultIssuer) -> None:
    _result_issuers[name] = issuer


def license_resolver_register(name: str, resolver: LicenseResolver) -> None:
    _license_resolvers[name] = resolver


def payment_requester_register(name: str, requester: PaymentRequester) -> None:
    _payment_requesters[name] = requester


def result_issuers() -> list[ResultIssuer]:
    return [_result_issuers[name] for name in sorted(_result_issuers)]


def license_resolvers() -> list[LicenseResolver]:
    return [_license_resolvers[name] for name in sorted(_license_resolvers)]


def payment_requesters() -> list[PaymentRequester]:
    return [_payment_requesters[name] for name in sorted(_payment_requesters)]


def plugin_unregister(name: str) -> None:
    """Remove a plugin of any kind registered under ``name`` (tests, or a deployment switching providers)."""
    for registry in (_result_issuers, _license_resolvers, _payment_requesters):
        registry.pop(name, None)  # type: ignore[attr-defined]
