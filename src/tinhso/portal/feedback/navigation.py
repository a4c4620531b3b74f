"""The complaints queue's entry in the staff navigation: shown to staff with a membership in force."""

from tinhso.common.navigation import register


def _is_officer(user) -> bool:
    from tinhso.portal.feedback.views import is_complaint_officer

    return is_complaint_officer(user)


def register_entries() -> None:
    """Add "Phản ánh, kiến nghị" to the staff menu (registering twice is harmless)."""
    register("Phản ánh, kiến nghị", "feedback:queue", _is_officer, order=20)
