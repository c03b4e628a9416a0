"""Errors of the case engine that callers (pages, the API) handle specially."""

from __future__ import annotations

from tongban.core.errors import NotPermitted


class StepUpRequired(NotPermitted):
    """The item needs a higher real-name level (实名等级) than the applicant has: verify, then submit again.

    ``required_level`` is the level needed (tongban.identity.interface.AssuranceLevel), ``current_level`` the
    applicant's."""

    code = "step_up_required"

    def __init__(self, message: str, *, required_level: int, current_level: int) -> None:
        super().__init__(message)
        self.required_level = required_level
        self.current_level = current_level
