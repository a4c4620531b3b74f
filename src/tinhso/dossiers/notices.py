"""The applicant's notices: composed here, in the applicant's language, and sent by the notice service.

NĐ 61/2018 Art. 17 / standards §2: an online applicant is told by e-mail or SMS (a supplement request lists
everything missing in one notice). The transition queues ``send_applicant_notice`` when it commits (a
refused transition notifies nobody); the task composes the notice from the event and hands it to
:func:`tinhso.common.notices.notify`, which e-mails the address and texts the phone on the dossier, keeps the
notice in the applicant's account and retries what does not get through. The event's number is the notice's
once-only key, so a task run twice notifies once.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tinhso.common.notices import Recipient, language_of, notify
from tinhso.common.workers import enqueue_in_transaction


def tracking_url() -> str:
    return settings.TINHSO_PUBLIC_BASE_URL.rstrip("/") + "/tra-cuu/"


def _when(moment) -> str:
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return gettext("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def applicant(dossier) -> Recipient:
    """The applicant as the notice service reaches them: the addresses typed on the dossier, and the account
    the dossier was filed from (its in-app list and language; Vietnamese without one)."""
    return Recipient(user=dossier.applicant_user if dossier.applicant_user_id else None,
                     email=dossier.applicant_email, phone=dossier.applicant_phone, name=dossier.applicant_name)


def applicant_language(dossier) -> str:
    """The language of the applicant's notices: their account's choice, Vietnamese otherwise (a paper
    dossier's applicant, an account without a citizen profile)."""
    return language_of(applicant(dossier))


def applicant_link(dossier) -> str:
    """Where the applicant follows the dossier: their own dossier page when filed from an account, the
    public tracking page otherwise."""
    if dossier.applicant_user_id:
        try:
            return reverse("filing:my-dossier", args=[dossier.code])
        except NoReverseMatch:  # a deployment without the portal
            pass
    return tracking_url()


def compose(dossier, event) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text for ``event`` of ``dossier``, in the applicant's language (whatever
    language the officer's page was in)."""
    with translation.override(applicant_language(dossier)):
        return _compose(dossier, event)


def _compose(dossier, event) -> tuple[str, str, str]:
    state = dossier.get_state_display()
    code = dossier.code
    subject = gettext("Hồ sơ %(code)s: %(state)s") % {"code": code, "state": state}
    lines = [
        gettext("Kính gửi %(name)s,") % {"name": dossier.applicant_name},
        "",
        gettext("Hồ sơ số %(code)s (%(procedure)s) tại %(agency)s hiện ở trạng thái: %(state)s.") % {
            "code": code, "procedure": dossier.procedure_version.name, "agency": dossier.receiving_agency.name,
            "state": state},
    ]
    missing = (event.data or {}).get("missing")
    if missing:
        lines += ["", gettext("Đề nghị bổ sung, hoàn thiện đầy đủ các nội dung sau:")]
        lines += [f"  {number}. {item}" for number, item in enumerate(missing, start=1)]
    if event.action == "issue_apology":
        lines += ["", gettext("Cơ quan giải quyết xin lỗi vì chưa trả kết quả đúng hẹn."),
                  gettext("Lý do: %(reason)s") % {"reason": event.note}]
    elif event.note and event.action in ("refuse", "stop_processing"):
        lines += ["", gettext("Lý do: %(reason)s") % {"reason": event.note}]
    if dossier.due_at and dossier.state not in ("refused", "stopped", "withdrawn", "returned"):
        lines += ["", gettext("Hạn trả kết quả: %(when)s.") % {"when": _when(dossier.due_at)}]
    lines += [
        "",
        gettext("Tra cứu tình trạng hồ sơ tại %(url)s (mã hồ sơ %(code)s).") % {"url": tracking_url(), "code": code},
        "",
        gettext("Đây là thư tự động, vui lòng không trả lời."),
    ]
    # Written with its accents; the notice service puts the whole SMS in the configured encoding.
    sms = gettext("Hồ sơ %(code)s: %(state)s.") % {"code": code, "state": state}
    if dossier.due_at and dossier.state in ("received", "in_progress"):
        sms += gettext(" Hẹn trả %(date)s.") % {"date": f"{timezone.localtime(dossier.due_at):%d/%m/%Y}"}
    sms += gettext(" Tra cứu: %(url)s") % {"url": tracking_url()}
    return subject, "\n".join(lines), sms


def send_notice(event_id: int) -> dict:
    """Compose the applicant's notice for one event and hand it to the notice service; returns the channels
    it went to (for the task result)."""
    from tinhso.dossiers.models import DossierEvent

    event = DossierEvent.objects.select_related(
        "dossier__procedure_version", "dossier__receiving_agency", "dossier__applicant_user__citizen_profile",
    ).filter(pk=event_id).first()
    if event is None:
        return {"email": False, "sms": False, "in_app": False}
    dossier = event.dossier
    subject, body, sms = compose(dossier, event)
    notice = notify(applicant(dossier), subject=subject, text=body, sms=sms, link=applicant_link(dossier),
                    concerns=dossier, kind="dossiers.event", agency_id=dossier.receiving_agency_id,
                    key=f"dossier-event:{event.pk}")
    channels = {delivery.channel for delivery in notice.deliveries.all()} if notice else set()
    return {"email": "email" in channels, "sms": "sms" in channels, "in_app": bool(notice and notice.in_app)}


def enqueue_applicant_notice(event_id: int) -> None:
    """Queue the notice for ``event_id`` with the transition's transaction: with the database queue in that
    very transaction (no notice for a transition rolled back, none lost for one committed), after the commit
    otherwise (``common.workers.enqueue_in_transaction``)."""
    from tinhso.dossiers.tasks import send_applicant_notice

    enqueue_in_transaction(send_applicant_notice, event_id)
