"""The demo's notices: a month of applicant notices as the service would have delivered them (a few failed,
for the administrators' list and the operations centre), and a welcome in each printed login's list.

The year of demo dossiers is driven through the engine with its notices held back (see
``dossiers.demo.simulated_clock``); here the notices of the last 30 days' events are written as history,
composed by the engine's own ``compose``. Keyed like live notices (``dossier-event:<id>``), so a second load
adds nothing and a live notice is never duplicated.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from tinhso.common.notices import sms as sms_encoding
from tinhso.common.notices.models import Delivery, Notice
from tinhso.common.notices.services import notify, recount
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.dossiers.notices import applicant_language, applicant_link, compose
from tinhso.dossiers.services import NOTIFIED_ACTIONS

HISTORY_DAYS = 30
MOST = 400
# Failures seen in practice: a mailbox that does not exist, a gateway that stopped answering.
EMAIL_REFUSED = "Máy chủ thư từ chối địa chỉ nhận: 550 5.1.1 <ng•••@example.vn>: Recipient address rejected"
SMS_TIMEOUT = "Cổng tin nhắn không trả lời trong 10 giây"

WELCOME = ("Chào mừng đến với mục Thông báo",
           "Tại đây bạn nhận thông báo của các phân hệ: việc được giao, văn bản đến, chỉ đạo, cảnh báo. "
           "Số thông báo chưa đọc hiện trên đầu trang. Thư điện tử và tin nhắn không gửi được được thử lại tự "
           "động; quản trị viên theo dõi và gửi lại ở trang Gửi thông báo.")


def load_demo_notices(usernames: list[str]) -> int:
    """Write the last month's applicant notices and welcome the printed logins; returns notices created."""
    created = _history()
    with transaction.atomic():
        for user in get_user_model().objects.filter(username__in=usernames).order_by("pk"):
            created += notify(user, subject=WELCOME[0], text=WELCOME[1], channels=["in_app"], kind="demo.welcome",
                              link="/thong-bao/", key=f"demo:welcome:{user.pk}") is not None
    return created


def _history() -> int:
    since = timezone.now() - datetime.timedelta(days=HISTORY_DAYS)
    events = list(
        DossierEvent.objects.filter(Q(action__in=NOTIFIED_ACTIONS) | Q(to_state="result_ready"), at__gte=since)
        .select_related("dossier__procedure_version", "dossier__receiving_agency",
                        "dossier__applicant_user__citizen_profile")
        .order_by("at", "pk")[:MOST]
    )
    keys = {f"dossier-event:{event.pk}" for event in events}
    known = set(Notice.objects.filter(key__in=keys).values_list("key", flat=True))
    dossier_type = ContentType.objects.get_for_model(Dossier)
    notices, outcomes = [], {}
    for event in events:
        key = f"dossier-event:{event.pk}"
        dossier = event.dossier
        if key in known or not (dossier.applicant_email or dossier.applicant_phone):
            continue
        subject, body, sms = compose(dossier, event)
        with translation.override(applicant_language(dossier)):
            prepared = sms_encoding.prepare(sms)
        notices.append(Notice(
            user_id=dossier.applicant_user_id, name=dossier.applicant_name, language=applicant_language(dossier),
            kind="dossiers.event", subject=subject, text=body, sms_text=prepared.text,
            link=applicant_link(dossier), concerns_type=dossier_type, concerns_id=str(dossier.pk),
            agency_id=dossier.receiving_agency_id, key=key, in_app=bool(dossier.applicant_user_id),
            created_at=event.at))
        outcomes[key] = (event, dossier, prepared.segments)
    with transaction.atomic():
        Notice.objects.bulk_create(notices, ignore_conflicts=True)
        stored = Notice.objects.filter(key__in=list(outcomes)).values_list("key", "pk")
        deliveries = []
        for key, notice_id in stored:
            event, dossier, segments = outcomes[key]
            sent_at = event.at + datetime.timedelta(seconds=40)
            for channel, address in (("email", dossier.applicant_email), ("sms", dossier.applicant_phone)):
                if not address:
                    continue
                # One delivery in fifty fails for good: a refused mailbox, or a gateway that never answered.
                failed = (event.pk + (channel == "sms")) % 50 == 0
                permanent = failed and channel == "email"
                error = EMAIL_REFUSED if channel == "email" else SMS_TIMEOUT
                deliveries.append(Delivery(
                    notice_id=notice_id, channel=channel, destination=address, agency_id=dossier.receiving_agency_id,
                    status="failed" if failed else "sent", attempts=6 if failed and not permanent else 1,
                    permanent=permanent, last_error=error if failed else "",
                    segments=segments if channel == "sms" else None, created_at=event.at,
                    next_attempt_at=event.at, sent_at=None if failed else sent_at,
                    failed_at=sent_at if failed else None,
                    history=[{"at": sent_at.isoformat(timespec="seconds"), "attempt": 1,
                              **({"error": error} if failed else {})}]))
        Delivery.objects.bulk_create(deliveries)
    if deliveries:
        recount()  # the operations centre's monthly counts, written as history too
    return len(outcomes)
