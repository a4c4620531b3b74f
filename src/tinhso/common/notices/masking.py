"""Phone numbers and e-mail addresses as pages, lists and logs show them: enough to recognise, not to use."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)\d{9}(?!\d)")


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


def mask_email(address: str) -> str:
    """An e-mail address with its mailbox hidden but for the first two characters: ``ng•••@example.vn``."""
    mailbox, at, domain = (address or "").partition("@")
    if not at:
        return "•" * min(len(mailbox), 8)
    shown = mailbox[:2] if len(mailbox) > 3 else mailbox[:1]
    return f"{shown}{'•' * max(len(mailbox) - len(shown), 1)}@{domain}"


def mask_destination(channel: str, destination: str) -> str:
    return mask_phone(destination) if channel == "sms" else mask_email(destination)


def mask_addresses_in(text: str) -> str:
    """``text`` (a server's or gateway's error message) with every e-mail address and Vietnamese phone number
    in it masked, for logs and lists."""
    text = _EMAIL.sub(lambda match: mask_email(match.group(0)), text or "")
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text)
