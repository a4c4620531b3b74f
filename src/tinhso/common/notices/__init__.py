"""The platform's one notice service: notices to people by e-mail, SMS and the in-app list, with retry.

Any module notifies a person with one call, inside its own transaction::

    from tinhso.common.notices import notify, Recipient

    notify(user, subject=..., text=..., link="/...", concerns=record)            # an account
    notify(Recipient(email="a@b.vn", phone="0912345678"), subject=..., text=...)  # no account

The notice is stored with the caller's transaction and sent after it commits (a rolled-back action notifies
nobody); each e-mail and SMS is a delivery tried on the task queue and retried with backoff; deliveries that
never get through are listed for administrators, who resend them. See :mod:`.services` for the whole API.

The names below are loaded on first use, so that importing this package (as Django does when it lists the
installed apps) does not import the models before the app registry is ready.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "notify": "services", "send_digest": "services", "mark_read": "services", "resend": "services",
    "NoticeContent": "services", "NoticeError": "services", "period_key": "services", "digest_key": "services",
    "Recipient": "recipients", "Contact": "recipients", "register_contact_source": "recipients",
    "language_of": "recipients", "in_language_of": "recipients",
    "EMAIL": "channels", "SMS": "channels", "IN_APP": "channels", "CHANNELS": "channels",
    "SmsBackend": "sms", "sms_backends": "sms", "sms_backend": "sms", "DeliveryFailed": "channels",
    "PermanentFailure": "channels",
    "mask_phone": "masking", "mask_email": "masking", "mask_secrets": "masking",
    "unread_count": "selectors", "inbox": "selectors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
