"""Reads about citizens' accounts, shared by sign-in, registration and online filing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tinhso.portal.accounts.models import CitizenProfile
from tinhso.portal.accounts.phones import normalise_phone


def profile_of(user) -> CitizenProfile | None:
    """The citizen's profile (to prefill an application), or None for anonymous users and staff without one."""
    if user is None or not user.is_authenticated:
        return None
    return CitizenProfile.objects.select_related("commune", "user").filter(user=user).first()


def notice_contact(user):
    """How the notice service reaches a citizen: the e-mail and phone once verified, the language chosen on
    the profile. None for an account without a citizen profile (staff), which the service reaches itself."""
    from tinhso.common.notices.recipients import Contact

    profile = getattr(user, "citizen_profile", None)
    if profile is None:
        return None
    return Contact(email=user.email if profile.email_verified else "",
                   phone=profile.phone if profile.phone_verified else "",
                   name=profile.full_name, language=profile.language)


def is_citizen(user) -> bool:
    """A signed-in user with a citizen profile and no staff membership (staff never file as citizens here)."""
    if user is None or not user.is_authenticated:
        return False
    known = getattr(user, "_tinhso_is_citizen", None)  # asked by the header and the page alike
    if known is None:
        known = CitizenProfile.objects.filter(user=user).exists() and not user.memberships.exists()
        user._tinhso_is_citizen = known
    return known


def users_signing_in_as(identifier: str) -> list:
    """The accounts an identifier typed on the sign-in page can mean: a user name, an e-mail or a phone.

    A user name matches exactly; an e-mail case-insensitively; a phone only once it has been verified.
    More than one match (e.g. an e-mail shared by two staff accounts) means no match.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return []
    users = get_user_model().objects
    by_username = list(users.filter(username=identifier))
    if by_username:
        return by_username
    if "@" in identifier:
        return list(users.filter(email__iexact=identifier))
    phone = normalise_phone(identifier)
    if phone:
        return list(users.filter(citizen_profile__phone=phone, citizen_profile__phone_verified=True))
    return []


def email_in_use(email: str, *, exclude_user=None) -> bool:
    queryset = get_user_model().objects.filter(email__iexact=email)
    if exclude_user is not None:
        queryset = queryset.exclude(pk=exclude_user.pk)
    return queryset.exists()


def verified_phone_owner(phone: str) -> CitizenProfile | None:
    return CitizenProfile.objects.select_related("user").filter(phone=phone, phone_verified=True).first()
