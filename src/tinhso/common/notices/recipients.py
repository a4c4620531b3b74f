"""Who a notice is for: an account (its addresses, in-app list and language) or a bare e-mail or phone.

An account's addresses and language come from *contact sources* that the apps owning them register (the
citizens' accounts give the verified e-mail and phone and the language chosen on the profile); without one,
a staff account has its e-mail and no phone. Addresses given on a :class:`Recipient` win over the account's
(a dossier's applicant is written to at the addresses typed on the dossier).

Language: a person's notices go out in the language their account chose, in Vietnamese otherwise — an
applicant without an account, a staff member — whatever language the sender's page is in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

DEFAULT_LANGUAGE = "vi"


@dataclass(frozen=True)
class Recipient:
    """A person to notify: an account (``user``), addresses, or both (addresses given here win)."""

    user: object = None
    email: str = ""
    phone: str = ""
    name: str = ""
    language: str = ""


@dataclass(frozen=True)
class Contact:
    """What an app knows of how to reach an account's holder."""

    email: str = ""
    phone: str = ""
    name: str = ""
    language: str = ""


_SOURCES: list[Callable[[object], Contact | None]] = []


def register_contact_source(source: Callable[[object], Contact | None]) -> None:
    """Add ``source(user) -> Contact | None``; the first source that knows the account answers."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def contact_of(user) -> Contact:
    for source in _SOURCES:
        contact = source(user)
        if contact is not None:
            return contact
    return Contact(email=user.email or "", name=user.get_full_name() or user.get_username())


def resolve(to) -> Recipient:
    """``to`` (an account, or a :class:`Recipient`) with every field filled in."""
    if not isinstance(to, Recipient):
        to = Recipient(user=to)
    user = to.user
    contact = contact_of(user) if user is not None else Contact()
    language = to.language or contact.language or DEFAULT_LANGUAGE
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = DEFAULT_LANGUAGE
    return Recipient(
        user=user,
        email=(to.email or contact.email).strip(),
        phone=(to.phone or contact.phone).strip(),
        name=to.name or contact.name,
        language=language,
    )


def language_of(to) -> str:
    """The language ``to``'s notices are written in."""
    return resolve(to).language


@contextlib.contextmanager
def in_language_of(to) -> Iterator[str]:
    """Compose inside this block and ``gettext`` speaks ``to``'s language."""
    language = language_of(to)
    with translation.override(language):
        yield language
