"""Opening a tracked dossier's results with a one-time code sent to the applicant's contacts on file.

Code + 4 digits proves enough to follow a dossier; a result carries personal data (a criminal record, a
civil status, a land title), so it is handed only to the signed-in applicant or to a visitor who gives back
a code sent to the phone or e-mail the applicant declared. The code is kept hashed, expires, allows a few
wrong answers, and only a few are sent per dossier per hour; every answer costs the same work whether or
not a code is waiting, so neither the answer nor its timing tells anything.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from tinhso.common.audit import record
from tinhso.common.notices import EMAIL, SMS, Recipient, notify
from tinhso.portal.models import ResultAccessCode

CODE_LIFETIME = timedelta(minutes=10)
# Codes sent for one dossier in a rolling hour: with MAX_ATTEMPTS answers each, at most 15 guesses an hour
# at a 6-digit code.
MAX_CODES_PER_HOUR = 3


def can_send_code(dossier) -> bool:
    return bool(dossier.applicant_phone or dossier.applicant_email)


def send_result_code(dossier) -> bool:
    """Send a fresh code to the applicant's phone and e-mail on file; False when the hourly allowance is
    spent (or there is nowhere to send it). Earlier codes of the dossier stop working."""
    if not can_send_code(dossier):
        return False
    now = timezone.now()
    with transaction.atomic():
        recent = ResultAccessCode.objects.select_for_update().filter(
            dossier=dossier, created_at__gt=now - timedelta(hours=1))
        if len(recent) >= MAX_CODES_PER_HOUR:
            return False
        code = f"{secrets.randbelow(10**6):06d}"
        ResultAccessCode.objects.filter(dossier=dossier, used_at__isnull=True).update(used_at=now)
        ResultAccessCode.objects.create(dossier=dossier, code_hash=make_password(code),
                                        expires_at=now + CODE_LIFETIME, created_at=now)
        minutes = int(CODE_LIFETIME.total_seconds() // 60)
        text = (f"Mã nhận kết quả hồ sơ {dossier.code}: {code}. Hiệu lực {minutes} phút. "
                "Không chia sẻ mã này cho bất kỳ ai.")
        notify(Recipient(email=dossier.applicant_email, phone=dossier.applicant_phone,
                         name=dossier.applicant_name),
               subject=f"Mã nhận kết quả hồ sơ {dossier.code}", text=text, sms=text, channels=[SMS, EMAIL],
               kind="portal.result-code", secret=True, expires_at=now + CODE_LIFETIME)
        record("action", dossier, summary=f"Gửi mã nhận kết quả hồ sơ {dossier.code} tới người nộp")
    return True


def check_result_code(dossier, code: str) -> bool:
    """True once for the latest live code of the dossier; a wrong answer counts against it."""
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        waiting = (ResultAccessCode.objects.select_for_update()
                   .filter(dossier=dossier, used_at__isnull=True, expires_at__gt=now,
                           attempts__lt=ResultAccessCode.MAX_ATTEMPTS)
                   .order_by("-created_at").first())
        if waiting is None:
            make_password(code)  # the same work as a real check
            return False
        if not check_password(code, waiting.code_hash):
            waiting.attempts += 1
            waiting.save(update_fields=["attempts"])
            return False
        waiting.used_at = now
        waiting.save(update_fields=["used_at"])
        # Who took a result carrying personal data, and how, is on the audit chain.
        record("action", dossier, summary=f"Mở kết quả hồ sơ {dossier.code} bằng mã một lần")
    return True
