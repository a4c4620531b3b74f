from tinhso.common.audit import AuditEntry, ChainHead
from tinhso.common.calendar_models import CalendarOverride
from tinhso.common.counters import SeriesCounter
from tinhso.common.ratelimit import RateCounter
from tinhso.common.workers import WorkerHeartbeat

__all__ = ["AuditEntry", "CalendarOverride", "ChainHead", "RateCounter", "SeriesCounter", "WorkerHeartbeat"]
