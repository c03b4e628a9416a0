from tongban.core.models.audit import AuditChainHead, AuditEvent, AuditOutcome
from tongban.core.models.calendar import CalendarDay, CalendarDayKind, CalendarSource, CalendarVersion, CalendarYear
from tongban.core.models.demo import DemoDataset
from tongban.core.models.outbox import ConsumptionStatus, OutboxConsumption, OutboxEvent, OutboxPendingEvent
from tongban.core.models.scheduler import PeriodicJobState

__all__ = [
    "AuditChainHead", "AuditEvent", "AuditOutcome", "CalendarDay", "CalendarDayKind", "CalendarSource",
    "CalendarVersion", "CalendarYear", "ConsumptionStatus", "DemoDataset", "OutboxConsumption", "OutboxEvent",
    "OutboxPendingEvent", "PeriodicJobState",
]
