"""Public enumerations and helpers of the directory for other apps (no ORM rows)."""

from tongban.directory.models.department import REGION_LEVEL_TO_EXERCISE, DepartmentNature, ExerciseLevel
from tongban.directory.models.hall import HallKind
from tongban.directory.models.staff import BUSINESS_ROLES, PLATFORM_ROLES, SEPARATED_ADMIN_ROLES, StaffRole

__all__ = [
    "BUSINESS_ROLES", "PLATFORM_ROLES", "SEPARATED_ADMIN_ROLES", "DepartmentNature", "ExerciseLevel", "HallKind",
    "StaffRole", "exercise_level_for_region_level",
]


def exercise_level_for_region_level(region_level: int) -> str:
    """行使层级 code of a body seated at a region of the given level (province → "2" … village → "6")."""
    return REGION_LEVEL_TO_EXERCISE[region_level]
