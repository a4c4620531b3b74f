"""Telling the citizen that their feedback or complaint was answered, refused or transferred.

Composed here in the citizen's language (their account's choice, Vietnamese without an account) and sent by
the notice service (``tinhso.common.notices``) to the e-mail and phone given with the complaint and to the
account's list, inside the handling action's transaction: a rolled-back action tells nobody, and what does
not get through is retried and, failing that, listed for administrators.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from tinhso.common.notices import Recipient, in_language_of, notify

_WHAT = {
    "answer": (gettext_noop("đã được trả lời"), gettext_noop("Cơ quan đã trả lời phản ánh, kiến nghị của bạn.")),
    "refuse": (gettext_noop("không thuộc thẩm quyền"),
               gettext_noop("Cơ quan cho biết nội dung không thuộc thẩm quyền giải quyết.")),
    "transfer": (gettext_noop("đã được chuyển cơ quan"),
                 gettext_noop("Phản ánh, kiến nghị đã được chuyển đến cơ quan có thẩm quyền.")),
}


def citizen(complaint) -> Recipient:
    return Recipient(user=complaint.user if complaint.user_id else None, email=complaint.email,
                     phone=complaint.phone, name=complaint.name)


def compose(complaint, action: str) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text for ``action`` on ``complaint``, in the active language."""
    from tinhso.common.notices.channels import absolute

    short, sentence = (gettext(text) for text in _WHAT[action])
    address = absolute(reverse("feedback:complaint", args=[complaint.code]))
    subject = gettext("Phản ánh, kiến nghị %(code)s %(what)s") % {"code": complaint.code, "what": short}
    lines = [gettext("Kính gửi %(name)s,") % {"name": complaint.name}, "", sentence,
             gettext("Nội dung: %(subject)s") % {"subject": complaint.subject},
             gettext("Cơ quan: %(agency)s") % {"agency": complaint.agency.name}]
    if action == "answer":
        lines += ["", gettext("Trả lời:"), complaint.answer]
    elif action == "refuse":
        lines += ["", gettext("Lý do: %(reason)s") % {"reason": complaint.refusal_reason}]
    lines += ["", gettext("Xem chi tiết và cho biết bạn có hài lòng không: %(url)s") % {"url": address}]
    sms = gettext("Phản ánh, kiến nghị %(code)s %(what)s. Xem: %(url)s") % {
        "code": complaint.code, "what": short, "url": address}
    return subject, "\n".join(lines), sms


def notify_citizen(complaint, action: str) -> None:
    """Notify the citizen, inside the handling action's transaction (sent once it commits)."""
    person = citizen(complaint)
    if person.user is None and not (person.email or person.phone):
        return
    with in_language_of(person):
        subject, body, sms = compose(complaint, action)
    notify(person, subject=subject, text=body, sms=sms,
           link=reverse("feedback:complaint", args=[complaint.code]), concerns=complaint,
           kind=f"feedback.{action}", agency_id=complaint.agency_id)
