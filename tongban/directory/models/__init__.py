from tongban.directory.models.department import Department, DepartmentNature, ExerciseLevel
from tongban.directory.models.hall import Hall, HallKind, Window
from tongban.directory.models.region import Region, RegionLevel
from tongban.directory.models.staff import Staff, StaffRole, StaffRoleAssignment

__all__ = [
    "Department", "DepartmentNature", "ExerciseLevel", "Hall", "HallKind", "Region", "RegionLevel",
    "Staff", "StaffRole", "StaffRoleAssignment", "Window",
]
