"""Public code tables of the catalogue for other apps and channels (enumerations only, no ORM rows)."""

from tongban.catalog.models.codes import (
    AssuranceLevel,
    Audience,
    CaseType,
    CatalogStatus,
    HandlingForm,
    ItemType,
    LimitUnit,
    OnlineDepth,
    ResultType,
    Scope,
    ServiceObject,
)

__all__ = [
    "AssuranceLevel", "Audience", "CaseType", "CatalogStatus", "HandlingForm", "ItemType", "LimitUnit",
    "OnlineDepth", "ResultType", "Scope", "ServiceObject", "label_of",
]


def label_of(enum: type, value: object) -> str:
    """The display label of a code, or the code itself when it is not in the table."""
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)
