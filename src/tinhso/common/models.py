from tinhso.common.audit import AuditEntry, ChainHead
from tinhso.common.calendar_models import CalendarOverride

__all__ = ["AuditEntry", "CalendarOverride", "ChainHead"]
