"""Telling the citizen that their feedback or complaint was answered, refused or transferred.

The same channels as dossier notices: e-mail through Django's mail, SMS through the configured
``SmsBackend``, and a copy kept in the citizen's account (``portal.Notification``). Sent after commit, so a
rolled-back action tells nobody; a failing gateway never undoes the action.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from tinhso.dossiers.notifications import sms_backend

log = logging.getLogger(__name__)

_WHAT = {
    "answer": ("đã được trả lời", "Cơ quan đã trả lời phản ánh, kiến nghị của bạn."),
    "refuse": ("không thuộc thẩm quyền", "Cơ quan cho biết nội dung không thuộc thẩm quyền giải quyết."),
    "transfer": ("đã được chuyển cơ quan", "Phản ánh, kiến nghị đã được chuyển đến cơ quan có thẩm quyền."),
}


def compose(complaint, action: str) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text for ``action`` on ``complaint``."""
    short, sentence = _WHAT[action]
    address = f"{settings.TINHSO_PUBLIC_BASE_URL}/phan-anh/{complaint.code}/"
    subject = f"Phản ánh, kiến nghị {complaint.code} {short}"
    lines = [f"Kính gửi {complaint.name},", "", sentence, f"Nội dung: {complaint.subject}",
             f"Cơ quan: {complaint.agency.name}"]
    if action == "answer":
        lines += ["", "Trả lời:", complaint.answer]
    elif action == "refuse":
        lines += ["", f"Lý do: {complaint.refusal_reason}"]
    lines += ["", f"Xem chi tiết và cho biết bạn có hài lòng không: {address}"]
    sms = f"PAKN {complaint.code} {short}. Xem: {address}"
    return subject, "\n".join(lines), sms


def notify_citizen(complaint, action: str) -> None:
    """Queue the notice for after the current transaction commits."""
    complaint_id = complaint.pk
    transaction.on_commit(lambda: _send(complaint_id, action), robust=True)


def _send(complaint_id: int, action: str) -> None:
    from tinhso.portal.feedback.models import Complaint
    from tinhso.portal.models import Notification

    complaint = Complaint.objects.select_related("agency", "user").get(pk=complaint_id)
    subject, body, sms = compose(complaint, action)
    if complaint.user_id:
        Notification.objects.create(user=complaint.user, subject=subject, text=body)
    if complaint.email:
        EmailMessage(subject, body, to=[complaint.email]).send()
    if complaint.phone:
        sms_backend().send(complaint.phone, sms)
