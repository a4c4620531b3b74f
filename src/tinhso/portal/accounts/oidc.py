"""Sign-in with the national identity (VNeID through the national public service portal) over OpenID Connect.

The provider is set by configuration (``OIDC_*`` variables); with it unset the VNeID button is hidden and
its addresses answer 404. The protocol (state, nonce, PKCE, the code exchange, the id_token signature
against the provider's JWKS) is handled by mozilla-django-oidc; this module checks the issuer and audience
and maps the claims onto a citizen account.
"""

from __future__ import annotations

import logging
import secrets

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from tinhso.dossiers.models import validate_citizen_id
from tinhso.portal.accounts.models import CitizenProfile
from tinhso.portal.accounts.phones import normalise_phone
from tinhso.portal.accounts.services import notice_language

logger = logging.getLogger("tinhso.portal.accounts.oidc")

SIGN_IN_FAILED = gettext_lazy("Không đăng nhập được bằng VNeID. Vui lòng thử lại hoặc đăng nhập bằng mật khẩu.")


def is_configured() -> bool:
    """Whether a provider is set: the button shows and the flow runs only then."""
    return all([
        settings.OIDC_RP_CLIENT_ID, settings.OIDC_OP_AUTHORIZATION_ENDPOINT, settings.OIDC_OP_TOKEN_ENDPOINT,
        settings.OIDC_OP_JWKS_ENDPOINT, settings.TINHSO_OIDC_ISSUER,
    ])


def citizen_id_from(claims: dict) -> str:
    return str(claims.get(settings.TINHSO_OIDC_CITIZEN_ID_CLAIM) or "").strip()


def full_name_from(claims: dict) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(str(claims.get(part) or "").strip() for part in ("family_name", "middle_name",
                                                                          "given_name")).strip()
    return " ".join(name.split())


class NationalIdentityBackend(OIDCAuthenticationBackend):
    """Authenticates the answer of the national identity provider and finds or creates the citizen."""

    def __init__(self, *args, **kwargs):
        self.configured = is_configured()
        if self.configured:
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password sign-in never reaches the provider.
        if not self.configured or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks the signature, expiry and nonce; the issuer and audience are checked here."""
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as error:  # the library turns only malformed tokens into a refusal
            raise SuspiciousOperation(f"id_token refused: {error}") from error
        if payload.get("iss") != settings.TINHSO_OIDC_ISSUER:
            raise SuspiciousOperation("id_token issuer mismatch")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id_token audience mismatch")
        if "exp" not in payload:
            raise SuspiciousOperation("id_token without expiry")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The id_token's claims, completed by the userinfo endpoint when one is configured."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            extra = super().get_userinfo(access_token, id_token, payload)
            if extra.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo subject differs from the id_token")
            claims.update(extra)
        return claims

    def verify_claims(self, claims):
        try:
            validate_citizen_id(citizen_id_from(claims))
        except ValidationError:
            logger.warning("VNeID sign-in refused: no valid citizen ID in claim %r",
                           settings.TINHSO_OIDC_CITIZEN_ID_CLAIM)
            return False
        return bool(full_name_from(claims))

    def filter_users_by_claims(self, claims):
        """The account already linked to this citizen ID, or else one whose verified e-mail matches."""
        users = self.UserModel.objects.filter(
            citizen_profile__id_number=citizen_id_from(claims), citizen_profile__id_verified=True)
        if users.exists():
            return users
        email = str(claims.get("email") or "").strip()
        if email:
            return self.UserModel.objects.filter(
                email__iexact=email, citizen_profile__email_verified=True, citizen_profile__id_verified=False)
        return self.UserModel.objects.none()

    def create_user(self, claims):
        email = str(claims.get("email") or "").strip().lower()
        phone = normalise_phone(str(claims.get("phone_number") or "")) or ""
        with transaction.atomic():
            if email and self.UserModel.objects.filter(email__iexact=email).exists():
                email = ""  # owned by another account: this one signs in with VNeID only
            user = self.UserModel(username=f"cd-{secrets.token_hex(8)}", email=email,
                                  first_name=full_name_from(claims)[:150])
            user.set_unusable_password()
            user.save()
            phone_free = bool(phone) and not CitizenProfile.objects.filter(
                phone=phone, phone_verified=True).exists()
            CitizenProfile.objects.create(
                user=user, full_name=full_name_from(claims), id_number=citizen_id_from(claims), id_verified=True,
                email_verified=bool(email), phone=phone if phone_free else "", phone_verified=phone_free,
                language=notice_language(translation.get_language()),
            )
        return user

    def update_user(self, user, claims):
        """Link on first use and keep the name and citizen ID as the national system has them."""
        with transaction.atomic():
            profile = CitizenProfile.objects.select_for_update().get(user=user)
            profile.full_name = full_name_from(claims)
            profile.id_number = citizen_id_from(claims)
            profile.id_verified = True
            profile.save(update_fields=["full_name", "id_number", "id_verified", "updated_at"])
            user.first_name = profile.full_name[:150]
            user.save(update_fields=["first_name"])
        return user


class VneidSignInView(OIDCAuthenticationRequestView):
    """Sends the citizen to the national identity provider (with state, nonce and PKCE in the session)."""

    def dispatch(self, request, *args, **kwargs):
        if not is_configured():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class VneidCallbackView(OIDCAuthenticationCallbackView):
    """Receives the provider's answer; anything forged, replayed or unexpected ends on the sign-in page."""

    @property
    def failure_url(self):
        return resolve_url("login")

    @property
    def success_url(self):
        next_url = self.request.session.get("oidc_login_next")
        return next_url or resolve_url("citizens:profile")

    def login_failure(self):
        messages.error(self.request, SIGN_IN_FAILED)
        return redirect(self.failure_url)

    def get(self, request):
        if not is_configured():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            logger.warning("VNeID sign-in refused: %s", error)
        except requests.RequestException as error:
            logger.warning("VNeID provider unreachable or refused the code: %s", error)
        return self.login_failure()
