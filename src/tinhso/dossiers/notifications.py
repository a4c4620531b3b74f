"""Telling the applicant: e-mail through Django's mail and SMS through a pluggable gateway.

NĐ 61/2018 Art. 17 / standards §2: an online applicant is told by e-mail or SMS (a supplement request
lists everything missing in one notice). Notices are sent by the ``send_applicant_notice`` task, enqueued
after the transition commits, so a refused transition never notifies anyone.

SMS gateways plug in like Open Forms' plugin registry: a class implementing :class:`SmsBackend` registered
under a name (``@sms_backends.register("name")``), or any importable class given by dotted path.
``settings.TINHSO_SMS_BACKEND`` chooses: ``log`` (the default, :class:`LogSmsBackend`) or a name or a path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

logger = logging.getLogger("tinhso.dossiers.notifications")

# Sent with ``dossier``, ``event``, ``subject`` and ``text`` (the e-mail body) whenever the applicant's notice
# is composed for sending, so other parts (the portal's notification list) can keep a copy for the account.
applicant_notified = Signal()


class SmsBackend:
    """An SMS gateway. ``send`` delivers ``text`` to ``phone`` (Vietnamese number) or raises."""

    name = ""
    verbose_name = ""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class SmsBackendRegistry:
    """Named SMS backends, so a deployment picks one by name in its settings."""

    def __init__(self):
        self._backends: dict[str, type[SmsBackend]] = {}

    def register(self, name: str) -> Callable[[type[SmsBackend]], type[SmsBackend]]:
        def decorator(cls: type[SmsBackend]) -> type[SmsBackend]:
            if name in self._backends:
                raise ValueError(f"SMS backend {name!r} is already registered")
            cls.name = name
            self._backends[name] = cls
            return cls
        return decorator

    def __contains__(self, name: str) -> bool:
        return name in self._backends

    def __getitem__(self, name: str) -> type[SmsBackend]:
        return self._backends[name]

    def names(self) -> list[str]:
        return sorted(self._backends)


sms_backends = SmsBackendRegistry()


def mask_phone(phone: str) -> str:
    """A phone number as every page, record and log shows it: the last 3 digits only."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "•" * max(len(digits) - 3, 0) + digits[-3:] if digits else ""


# A number standing on its own in a message (a verification code, a phone number): not part of a dossier
# code such as 000.00.12.H41-260315-0001 or of a date such as 15/03/2026.
_STANDALONE_NUMBER = re.compile(r"(?<![\w./:-])(\+?\d[\d ]{3,14}\d)(?![\w/:-]|\.\w)")


def mask_secrets(text: str) -> str:
    """A message as a log may keep it: every number standing on its own is masked, as phone numbers are
    (a 6-digit verification code becomes ••••••, a phone number keeps its last 3 digits)."""

    def masked(match: re.Match) -> str:
        digits = "".join(ch for ch in match.group(1) if ch.isdigit())
        return mask_phone(digits) if len(digits) >= 9 else "•" * len(digits)

    return _STANDALONE_NUMBER.sub(masked, text)


@sms_backends.register("log")
class LogSmsBackend(SmsBackend):
    """Writes the message to the application log, with the phone masked (no gateway needed)."""

    verbose_name = "Ghi vào nhật ký ứng dụng"

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), mask_secrets(text))


def sms_backend(name: str | None = None) -> SmsBackend:
    """The configured SMS backend (``settings.TINHSO_SMS_BACKEND``): a registered name or a dotted path."""
    choice = name or settings.TINHSO_SMS_BACKEND or "log"
    cls = sms_backends[choice] if choice in sms_backends else import_string(choice)
    if not (isinstance(cls, type) and issubclass(cls, SmsBackend)):
        raise TypeError(f"{choice} is not an SmsBackend")
    return cls()


# -- the notice ---------------------------------------------------------------------------------------

def tracking_url() -> str:
    return settings.TINHSO_PUBLIC_BASE_URL.rstrip("/") + "/tra-cuu/"


def _when(moment) -> str:
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return gettext("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def applicant_language(dossier) -> str:
    """The language of the applicant's notices: their account's choice, Vietnamese otherwise (a paper
    dossier's applicant, an account without a citizen profile)."""
    profile = getattr(dossier.applicant_user, "citizen_profile", None) if dossier.applicant_user_id else None
    return getattr(profile, "language", "") or "vi"


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
    sms = gettext("Ho so %(code)s: %(state)s.") % {"code": code, "state": state}
    if dossier.due_at and dossier.state in ("received", "in_progress"):
        sms += gettext(" Hen tra %(date)s.") % {"date": f"{timezone.localtime(dossier.due_at):%d/%m/%Y}"}
    sms += gettext(" Tra cuu: %(url)s") % {"url": tracking_url()}
    return subject, "\n".join(lines), sms


def send_notice(event_id: int) -> dict:
    """Send the applicant's e-mail and SMS for one event; returns what was sent (for the task result)."""
    from tinhso.dossiers.models import DossierEvent

    event = DossierEvent.objects.select_related(
        "dossier__procedure_version", "dossier__receiving_agency", "dossier__applicant_user__citizen_profile",
    ).filter(pk=event_id).first()
    if event is None:
        return {"email": False, "sms": False}
    dossier = event.dossier
    subject, body, sms = compose(dossier, event)
    applicant_notified.send(sender=send_notice, dossier=dossier, event=event, subject=subject, text=body)
    sent = {"email": False, "sms": False}
    if dossier.applicant_email:
        EmailMessage(subject, body, to=[dossier.applicant_email]).send()
        sent["email"] = True
    if dossier.applicant_phone:
        sms_backend().send(dossier.applicant_phone, sms)
        sent["sms"] = True
    return sent


def enqueue_applicant_notice(event_id: int) -> None:
    """Queue the notice for ``event_id`` (called from ``transaction.on_commit``)."""
    from tinhso.dossiers.tasks import send_applicant_notice

    send_applicant_notice.enqueue(event_id)
