"""Phone numbers and e-mail addresses as pages, lists and logs show them: enough to recognise, not to use."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)\d{9}(?!\d)")


def mask_phone(phone: str) -> str:
    """A phone number as every page, record and log shows it: the last 3 digits only."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "•" * max(len(digits) - 3, 0) + digits[-3:] if digits else ""


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
