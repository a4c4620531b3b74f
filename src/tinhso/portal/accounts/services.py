"""Every change to a citizen's account: registration, verification of e-mail and phone, profile edits."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from tinhso.dossiers.notifications import mask_phone, sms_backend
from tinhso.portal.accounts.models import CitizenProfile, PhoneVerification
from tinhso.portal.accounts.selectors import email_in_use, verified_phone_owner

logger = logging.getLogger("tinhso.portal.accounts")

EMAIL_LINK_MAX_AGE = timedelta(days=3)
PHONE_CODE_LIFETIME = timedelta(minutes=10)
_EMAIL_SALT = "tinhso.citizens.email-verification"


@dataclass(frozen=True)
class Registration:
    full_name: str
    email: str
    phone: str
    password: str
    id_number: str = ""


# -- links and codes ------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.TINHSO_PUBLIC_BASE_URL.rstrip("/") + path


def _fingerprint(user, profile: CitizenProfile) -> str:
    """Changes once a link has been used (verified flag, address, password), so each link works once."""
    state = "|".join([str(user.pk), user.email, str(user.is_active), str(profile.email_verified),
                      profile.pending_email, user.password])
    return salted_hmac(_EMAIL_SALT, state).hexdigest()[:24]


def email_verification_link(user, profile: CitizenProfile, email: str) -> str:
    token = signing.TimestampSigner(salt=_EMAIL_SALT).sign_object(
        {"u": user.pk, "e": email, "f": _fingerprint(user, profile)}, compress=True,
    )
    return _absolute(reverse("citizens:verify-email", args=[token]))


def _send_email(to: str, subject: str, lines: list[str]) -> None:
    body = "\n".join([*lines, "", "Đây là thư tự động, vui lòng không trả lời."])
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _send_sms(phone: str, text: str) -> None:
    try:
        sms_backend().send(phone, text)
    except Exception:  # a gateway failure must not undo the account change
        logger.exception("SMS to %s failed", mask_phone(phone))


def send_verification_email(user, profile: CitizenProfile, email: str) -> None:
    link = email_verification_link(user, profile, email)
    hours = int(EMAIL_LINK_MAX_AGE.total_seconds() // 3600)
    _send_email(email, "Xác minh địa chỉ email tài khoản dịch vụ công", [
        f"Kính gửi {profile.full_name},",
        "",
        "Để xác minh địa chỉ email này cho tài khoản dịch vụ công, vui lòng mở liên kết sau:",
        link,
        "",
        f"Liên kết chỉ dùng được một lần và hết hạn sau {hours} giờ. "
        "Nếu bạn không thực hiện yêu cầu này, hãy bỏ qua thư.",
    ])


def send_phone_code(profile: CitizenProfile, phone: str) -> None:
    """Send a fresh 6-digit code to ``phone``; only its hash is stored."""
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneVerification.objects.create(
        profile=profile, phone=phone, code_hash=make_password(code),
        expires_at=timezone.now() + PHONE_CODE_LIFETIME,
    )
    minutes = int(PHONE_CODE_LIFETIME.total_seconds() // 60)
    _send_sms(phone, f"Ma xac minh tai khoan dich vu cong: {code}. Hieu luc {minutes} phut. "
                     "Khong chia se ma nay cho bat ky ai.")


# -- registration ------------------------------------------------------------------------------------

def register_citizen(data: Registration) -> None:
    """Create an inactive account and send the verifications, or warn the owner of a taken address.

    The caller answers the same in both cases, so the form never reveals whether an e-mail or phone
    already has an account (no enumeration); the owner learns of the attempt instead.
    """
    email = data.email.strip().lower()
    taken_email = bool(email) and email_in_use(email)
    taken_phone = bool(data.phone) and verified_phone_owner(data.phone) is not None
    if taken_email:
        _warn_email_owner(email)
    if taken_phone:
        _send_sms(data.phone, "Co nguoi vua dung so dien thoai cua ban de dang ky tai khoan dich vu cong. "
                              "Neu khong phai ban, hay bo qua tin nhan nay.")
    if taken_email or taken_phone:
        make_password(data.password)  # the same work as creating the account: no enumeration by timing
        return
    User = get_user_model()
    with transaction.atomic():
        user = User(username=f"cd-{secrets.token_hex(8)}", email=email, first_name=data.full_name[:150],
                    is_active=False)
        user.set_password(data.password)
        user.save()
        profile = CitizenProfile.objects.create(
            user=user, full_name=data.full_name, email_verified=False,
            phone=data.phone, id_number=data.id_number, language=notice_language(translation.get_language()),
        )
    if email:
        send_verification_email(user, profile, email)
    if data.phone:
        send_phone_code(profile, data.phone)


def _warn_email_owner(email: str) -> None:
    user = get_user_model().objects.filter(email__iexact=email).select_related("citizen_profile").first()
    lines = [
        "Xin chào,",
        "",
        "Có người vừa dùng địa chỉ email này để đăng ký tài khoản trên Cổng dịch vụ công, "
        "nhưng địa chỉ đã thuộc về một tài khoản.",
        "Nếu đó là bạn, hãy đăng nhập hoặc dùng chức năng quên mật khẩu: "
        + _absolute(reverse("citizens:password-reset")),
        "Nếu không phải bạn, hãy bỏ qua thư này; tài khoản của bạn không bị thay đổi.",
    ]
    profile = getattr(user, "citizen_profile", None) if user else None
    if profile is not None and _awaiting_first_verification(user, profile):
        lines += ["", "Tài khoản của bạn chưa được xác minh. Để xác minh, vui lòng mở liên kết sau:",
                  email_verification_link(user, profile, user.email)]
    _send_email(email, "Có người dùng email của bạn để đăng ký tài khoản", lines)


def _awaiting_first_verification(user, profile: CitizenProfile) -> bool:
    """A new account nobody has verified yet (not one an administrator has deactivated)."""
    return not user.is_active and not (profile.email_verified or profile.phone_verified or profile.id_verified)


# -- verification ------------------------------------------------------------------------------------

def verify_email(token: str):
    """Apply a verification link: activate a new account or switch to a new address. None if not valid."""
    try:
        data = signing.TimestampSigner(salt=_EMAIL_SALT).unsign_object(
            token, max_age=EMAIL_LINK_MAX_AGE.total_seconds())
    except (signing.BadSignature, signing.SignatureExpired, ValueError):
        return None
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u")).first()
        profile = CitizenProfile.objects.filter(user=user).first() if user else None
        if profile is None or not constant_time_compare(data.get("f", ""), _fingerprint(user, profile)):
            return None
        email = data.get("e", "")
        if email and email == profile.pending_email:
            if email_in_use(email, exclude_user=user):
                return None
            user.email = email
            profile.pending_email = ""
        elif not (email and email == user.email and not profile.email_verified):
            return None
        if _awaiting_first_verification(user, profile):
            user.is_active = True
        profile.email_verified = True
        user.save(update_fields=["email", "is_active"])
        profile.save(update_fields=["email_verified", "pending_email", "updated_at"])
    return user


def verify_phone(phone: str, code: str) -> CitizenProfile | None:
    """Check a code sent to ``phone``; on success the phone is verified (and a new account activated)."""
    now = timezone.now()
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now,
                    attempts__lt=PhoneVerification.MAX_ATTEMPTS)
            .order_by("-created_at").first()
        )
        if verification is None:
            make_password(code)  # the same work as a real check
            return None
        if not check_password(code, verification.code_hash):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            return None
        verification.used_at = now
        verification.save(update_fields=["used_at"])
        profile = CitizenProfile.objects.select_related("user").get(pk=verification.profile_id)
        owner = verified_phone_owner(phone)
        if owner is not None and owner.pk != profile.pk:
            return None
        user = profile.user
        if _awaiting_first_verification(user, profile):
            user.is_active = True
            user.save(update_fields=["is_active"])
        profile.phone = phone
        profile.phone_verified = True
        try:
            with transaction.atomic():
                profile.save(update_fields=["phone", "phone_verified", "updated_at"])
        except IntegrityError:  # verified for another account at the same moment
            return None
    return profile


# -- profile ---------------------------------------------------------------------------------------

def notice_language(code: str | None) -> str:
    """The notice language for a page language: one of ``settings.LANGUAGES``, Vietnamese otherwise."""
    known = {language for language, _name in settings.LANGUAGES}
    code = (code or "").split("-")[0]
    return code if code in known else "vi"


def update_profile(profile: CitizenProfile, *, full_name: str, id_number: str, phone: str, email: str,
                   address: str, commune, language: str | None = None) -> dict:
    """Save the editable fields; a new e-mail or phone only takes effect once verified.

    Returns which verifications were started, for the page to tell the citizen.
    """
    user = profile.user
    started = {"email": False, "phone": False}
    email = (email or "").strip().lower()
    with transaction.atomic():
        profile.full_name = full_name
        if not profile.id_verified:  # a number from VNeID is not the citizen's to change
            profile.id_number = id_number
        profile.address = address
        profile.commune = commune
        if language is not None:
            profile.language = notice_language(language)
        if phone != profile.phone:
            profile.phone = phone
            profile.phone_verified = False
            started["phone"] = bool(phone)
        if email and email != user.email.lower() and email != profile.pending_email:
            profile.pending_email = email
            started["email"] = True
        profile.save()
        user.first_name = full_name[:150]
        user.save(update_fields=["first_name"])
    if started["email"]:
        if email_in_use(email, exclude_user=user):
            _warn_email_owner(email)
        else:
            send_verification_email(user, profile, email)
    if started["phone"]:
        send_phone_code(profile, phone)
    return started
