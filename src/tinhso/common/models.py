from tinhso.common.audit import AuditEntry, AuditSeal, AuditStream
from tinhso.common.calendar_models import CalendarOverride
from tinhso.common.counters import SeriesCounter
from tinhso.common.ratelimit import RateCounter
from tinhso.common.workers import WorkerHeartbeat

__all__ = ["AuditEntry", "AuditSeal", "AuditStream", "CalendarOverride", "RateCounter", "SeriesCounter",
           "WorkerHeartbeat"]
