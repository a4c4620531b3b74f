"""The four-eyes rule for figures someone enters and someone else approves (the operations centre's reported
values, the operators' periodic reports of the telecom registry): the person who entered a figure neither
approves nor returns it.

Superusers are held to it too: the rule protects the figure, not the account. A figure sent by a machine
(an API token) has no person behind it (``entered_by`` empty), so any reviewer may decide on it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FOUR_EYES_MESSAGE = _("Bạn đã nhập số liệu này nên không thể tự xét duyệt; một lãnh đạo khác sẽ duyệt hoặc trả lại.")


def may_review(entered_by_id: int | None, reviewer) -> bool:
    """Whether ``reviewer`` may approve or return a figure entered by the user ``entered_by_id``."""
    return entered_by_id is None or entered_by_id != getattr(reviewer, "pk", None)
