"""The channels a notice reaches a person by, and how one delivery is handed to its channel.

``in_app`` is the account's own list (stored with the notice, nothing to send); ``email`` goes through
Django's mail backend (``EMAIL_URL``); ``sms`` through the configured gateway (:mod:`.sms`). A channel
either returns (handed over) or raises: :class:`PermanentFailure` when retrying cannot help (the server
refused the address for good), anything else is retried with backoff.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import DNS_NAME

EMAIL = "email"
SMS = "sms"
IN_APP = "in_app"
CHANNELS = (IN_APP, EMAIL, SMS)
SENT_CHANNELS = (EMAIL, SMS)  # the ones with a delivery to make


class DeliveryFailed(Exception):
    """A delivery that did not get through this time; it is tried again later."""


class PermanentFailure(DeliveryFailed):
    """A delivery that will never get through as it is (an address the server refuses for good)."""


def absolute(link: str) -> str:
    """A site path made absolute with the public address, for mail and SMS read outside the site."""
    if link.startswith("/"):
        return settings.TINHSO_PUBLIC_BASE_URL.rstrip("/") + link
    return link


def has_address(text: str) -> bool:
    """Whether ``text`` already says where to go (a web address): then the notice's link is not added."""
    return "http://" in text or "https://" in text


def email_body(notice) -> str:
    body = notice.text
    if notice.link and not has_address(body):
        body = f"{body.rstrip()}\n\n{absolute(notice.link)}"
    return body


def send_email(delivery, notice) -> None:
    """One message to one address. Its Message-ID is the delivery's, the same on every attempt, so a mail
    server that got an attempt whose answer was lost can recognise the retry; ``Auto-Submitted`` (RFC 3834)
    keeps auto-responders from answering."""
    message = EmailMessage(
        notice.subject, email_body(notice), to=[delivery.destination],
        headers={"Auto-Submitted": "auto-generated",
                 "Message-ID": f"<notice-{delivery.pk}.{notice.created_at:%Y%m%d%H%M%S}@{DNS_NAME}>"},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        answer = "; ".join(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                           for code, text in error.recipients.values())
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"Máy chủ thư từ chối địa chỉ nhận: {answer}") from error
        raise DeliveryFailed(f"Máy chủ thư tạm từ chối địa chỉ nhận: {answer}") from error
    except smtplib.SMTPDataError as error:
        answer = f"{error.smtp_code} {_text(error.smtp_error)}"
        if 500 <= error.smtp_code < 600:
            raise PermanentFailure(f"Máy chủ thư từ chối nội dung thư: {answer}") from error
        raise DeliveryFailed(f"Máy chủ thư tạm từ chối nội dung thư: {answer}") from error
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(f"Máy chủ thư trả lời {error.smtp_code} {_text(error.smtp_error)}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"Không gửi được tới máy chủ thư: {error.__class__.__name__}: {error}") from error


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def send_sms(delivery, notice) -> None:
    from tinhso.common.notices.sms import sms_backend

    sms_backend().send(delivery.destination, notice.sms_text)


SENDERS = {EMAIL: send_email, SMS: send_sms}
