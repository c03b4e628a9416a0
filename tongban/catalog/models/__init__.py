from tongban.catalog.models.bundle import Bundle, BundleMember, CatalogRevision
from tongban.catalog.models.classification import LifeEvent, Theme
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
from tongban.catalog.models.implementation import Implementation, ImplementationVersion
from tongban.catalog.models.item import Item, ItemVersion, Material

__all__ = [
    "AssuranceLevel", "Audience", "Bundle", "BundleMember", "CaseType", "CatalogRevision", "CatalogStatus",
    "HandlingForm", "Implementation", "ImplementationVersion", "Item", "ItemType", "ItemVersion", "LifeEvent",
    "LimitUnit", "Material", "OnlineDepth", "ResultType", "Scope", "ServiceObject", "Theme",
]
