"""Start-up checks of the notice settings: a wrong SMS encoding or retry schedule is refused at once,
not discovered when the first message fails."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from tinhso.common.notices.sms import ENCODINGS, sms_backend


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if settings.TINHSO_SMS_ENCODING not in ENCODINGS:
        errors.append(checks.Error(
            f"SMS_ENCODING={settings.TINHSO_SMS_ENCODING!r}: expected one of {', '.join(ENCODINGS)}.",
            id="notices.E001"))
    if not 1 <= settings.TINHSO_SMS_MAX_SEGMENTS <= 10:
        errors.append(checks.Error(
            f"SMS_MAX_SEGMENTS={settings.TINHSO_SMS_MAX_SEGMENTS}: expected a whole number from 1 to 10.",
            id="notices.E002"))
    delays = settings.TINHSO_NOTICE_RETRY_DELAYS
    if not delays or any(delay <= 0 for delay in delays):
        errors.append(checks.Error(
            "NOTICE_RETRY_DELAYS: expected comma-separated positive numbers of seconds.", id="notices.E003"))
    try:
        sms_backend()
    except (ImportError, TypeError, KeyError) as error:
        errors.append(checks.Error(f"SMS_BACKEND={settings.TINHSO_SMS_BACKEND!r}: {error}", id="notices.E004"))
    return errors


def register() -> None:
    checks.register(check_settings, "notices")
