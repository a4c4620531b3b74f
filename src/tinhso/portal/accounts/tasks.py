"""Background work of citizen accounts (django-tasks)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django_tasks import task


@task()
def send_password_reset(email: str) -> int:
    """Mail the one-time reset link to the accounts of ``email`` (none when it has none).

    The page enqueues this for every address, known or not, so that its answer costs the same work either
    way (no account enumeration by timing); the link is made here, so no secret waits in the queue."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    base = urlsplit(settings.TINHSO_PUBLIC_BASE_URL)
    users = list(form.get_users(email))
    form.save(domain_override=base.netloc, use_https=base.scheme == "https",
              email_template_name="accounts/email/password_reset.txt",
              subject_template_name="accounts/email/password_reset_subject.txt",
              extra_email_context={"base_url": settings.TINHSO_PUBLIC_BASE_URL.rstrip("/")})
    return len(users)
