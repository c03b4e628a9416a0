"""Errors that services raise; web views and the API turn them into messages and structured errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem with input: a stable code, the field it concerns and a message in Chinese."""

    code: str
    message: str
    field: str = ""


class DomainError(Exception):
    """A request the domain refuses. ``code`` is stable and meant for API clients."""

    code = "domain_error"
    http_status = 400
    # Set by tongban.core.audit.denial / concealed_denial: the audit record that atomic_service writes after the
    # rollback, so that a refused action stays in the audit log.
    audit: dict[str, Any] | None = None

    def __init__(self, message: str, *, code: str | None = None, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.issues: list[Issue] = list(issues or [])


class ValidationFailed(DomainError):
    code = "validation_failed"
    http_status = 422


class NotPermitted(DomainError):
    code = "not_permitted"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


@dataclass
class IssueList:
    """Collects issues so that every problem is reported at once."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, code: str, message: str, field: str = "") -> None:
        self.issues.append(Issue(code=code, message=message, field=field))

    def __bool__(self) -> bool:
        return bool(self.issues)
