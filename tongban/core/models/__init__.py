from tongban.core.models.audit import AuditChainHead, AuditEvent, AuditOutcome
from tongban.core.models.calendar import CalendarDay, CalendarDayKind, CalendarSource, CalendarVersion, CalendarYear
from tongban.core.models.demo import DemoDataset

__all__ = [
    "AuditChainHead", "AuditEvent", "AuditOutcome", "CalendarDay", "CalendarDayKind", "CalendarSource",
    "CalendarVersion", "CalendarYear", "DemoDataset",
]
