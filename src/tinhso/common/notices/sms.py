"""SMS: one encoding chosen on purpose, messages kept within the segments paid for, and pluggable gateways.

**Encoding** (``settings.TINHSO_SMS_ENCODING``). Gateways bill per segment, and a segment holds 160 characters
of the GSM 03.38 7-bit default alphabet but only 70 UTF-16 units once a single character falls outside it
(3GPP TS 23.038 §6.2.1 and the UCS-2 data coding of §4). Accented Vietnamese is outside it, so a message that
mixes "Ho so" with "Mới nộp" is sent as UCS-2 and costs more than twice as much. The platform therefore picks
one encoding for the whole message:

- ``gsm7`` (default, what Vietnamese gateways price cheapest): the text is written without accents — every
  diacritic removed, ``đ`` → ``d`` — and anything else outside the alphabet replaced (typographic quotes and
  dashes by their plain forms, the rest by ``?``). Characters of the extension table (``^ { } \\ [ ~ ] | €``
  and form feed) take an escape and count twice.
- ``ucs2``: the text is sent as written, with its accents; every UTF-16 unit counts (a character outside the
  Basic Multilingual Plane counts twice).

A long message is split into parts that each carry a 6-byte concatenation header (3GPP TS 23.040 §9.2.3.24.1),
leaving 153 septets or 67 UTF-16 units per part; an escape pair or a surrogate pair is never split.

**Segments** (``settings.TINHSO_SMS_MAX_SEGMENTS``). A message longer than the budget is shortened at a word
boundary with an ellipsis, keeping a trailing link (the address the reader needs) whole.

**Gateways** plug in like Open Forms' plugin registry: a class implementing :class:`SmsBackend` registered
under a name (``@sms_backends.register("name")``) or given by dotted path in ``settings.TINHSO_SMS_BACKEND``.
``send(phone, text)`` delivers or raises: :class:`~tinhso.common.notices.channels.PermanentFailure` when
retrying cannot help (a number the gateway rejects), anything else to be retried. ``backend.encoding`` tells
the gateway which data coding to ask for (``gsm7``: DCS 0; ``ucs2``: DCS 8).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from tinhso.common.notices.masking import mask_phone, mask_secrets

logger = logging.getLogger("tinhso.notices")

GSM7 = "gsm7"
UCS2 = "ucs2"
ENCODINGS = (GSM7, UCS2)

# 3GPP TS 23.038 §6.2.1: the default alphabet (the escape 0x1B is not a character of its own) …
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# … and §6.2.1.1: the extension table, each character sent as escape + code, so two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
ELLIPSIS = {GSM7: "...", UCS2: "…"}

# Characters outside the alphabet that have a plain equivalent; diacritics are removed separately.
_PLAIN = {
    "đ": "d", "Đ": "D", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\t": " ",
    "•": "-", "·": ".", "×": "x", "÷": ":", "`": "'", "´": "'", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "œ": "oe", "Œ": "OE", "ı": "i", "ł": "l", "Ł": "L", "№": "No",
}


def to_gsm7(text: str) -> str:
    """``text`` written without accents in the GSM 7-bit alphabet: Vietnamese (and any Latin) letters lose
    their diacritics, typographic marks become plain ones, and what has no equivalent becomes ``?``."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        ch = _PLAIN.get(ch, ch)
        for part in unicodedata.normalize("NFD", ch):
            if unicodedata.combining(part):
                continue
            out.append(part if part in GSM7_BASIC or part in GSM7_EXTENSION else "?")
    return "".join(out)


def _units(ch: str, encoding: str) -> int:
    if encoding == GSM7:
        if ch in GSM7_EXTENSION:
            return 2
        if ch not in GSM7_BASIC:
            raise ValueError(f"{ch!r} (U+{ord(ch):04X}) is not in the GSM 7-bit alphabet")
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def length(text: str, encoding: str) -> int:
    """Septets (``gsm7``) or UTF-16 units (``ucs2``) that ``text`` takes."""
    return sum(_units(ch, encoding) for ch in text)


def split(text: str, encoding: str) -> list[str]:
    """The segments ``text`` is sent in: one up to 160 septets / 70 units, otherwise parts of at most
    153 / 67 that never split an escape pair or a surrogate pair. Empty text is one empty segment."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown SMS encoding {encoding!r}")
    if length(text, encoding) <= SINGLE[encoding]:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        units = _units(ch, encoding)
        if used + units > PART[encoding]:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += units
    parts.append("".join(current))
    return parts


def segments(text: str, encoding: str) -> int:
    """How many segments a gateway bills for ``text`` in ``encoding``."""
    return len(split(text, encoding))


_TRAILING_LINK = re.compile(r"\s+(https?://\S+)\s*$")


def fit(text: str, encoding: str, max_segments: int) -> str:
    """``text`` shortened, if it must be, to at most ``max_segments`` segments: cut at a word boundary with an
    ellipsis, a trailing link kept whole (a reader can act on a link, not on half of one)."""
    if segments(text, encoding) <= max_segments:
        return text
    ellipsis = ELLIPSIS[encoding]
    match = _TRAILING_LINK.search(text)
    head, tail = (text[:match.start()], " " + match.group(1)) if match else (text, "")

    def fits(candidate: str) -> bool:
        return segments(candidate, encoding) <= max_segments

    def shortened(size: int) -> str:
        return head[:size].rstrip() + ellipsis + tail

    if not fits(shortened(0)):  # even the link alone is too long: cut everything
        head, tail = text, ""
    low, high = 0, len(head)
    while low < high:  # the longest prefix that fits (segments only grow with the length)
        middle = (low + high + 1) // 2
        if fits(shortened(middle)):
            low = middle
        else:
            high = middle - 1
    boundary = head.rfind(" ", 0, low + 1)
    if boundary > low * 0.6:  # a word boundary not too far back
        low = boundary
    return shortened(low)


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str
    segments: int


def prepare(text: str, *, encoding: str | None = None, max_segments: int | None = None) -> SmsText:
    """The message as it will be sent: in the configured encoding, within the configured segments."""
    encoding = encoding or settings.TINHSO_SMS_ENCODING
    max_segments = max_segments or settings.TINHSO_SMS_MAX_SEGMENTS
    text = " ".join(unicodedata.normalize("NFC", text).split())  # one line: line breaks cost and show badly
    if encoding == GSM7:
        text = to_gsm7(text)
    elif encoding != UCS2:
        raise ValueError(f"unknown SMS encoding {encoding!r}")
    text = fit(text, encoding, max_segments)
    return SmsText(text, encoding, segments(text, encoding))


# -- gateways -----------------------------------------------------------------------------------------

class SmsBackend:
    """An SMS gateway. ``send`` delivers ``text`` to ``phone`` (a Vietnamese number) or raises."""

    name = ""
    verbose_name = ""

    def __init__(self, encoding: str | None = None):
        self.encoding = encoding or settings.TINHSO_SMS_ENCODING

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class SmsBackendRegistry:
    """Named SMS backends, so a deployment picks one by name in its settings."""

    def __init__(self):
        self._backends: dict[str, type[SmsBackend]] = {}

    def register(self, name: str) -> Callable[[type[SmsBackend]], type[SmsBackend]]:
        def decorator(cls: type[SmsBackend]) -> type[SmsBackend]:
            if name in self._backends:
                raise ValueError(f"SMS backend {name!r} is already registered")
            cls.name = name
            self._backends[name] = cls
            return cls
        return decorator

    def __contains__(self, name: str) -> bool:
        return name in self._backends

    def __getitem__(self, name: str) -> type[SmsBackend]:
        return self._backends[name]

    def names(self) -> list[str]:
        return sorted(self._backends)


sms_backends = SmsBackendRegistry()


@sms_backends.register("log")
class LogSmsBackend(SmsBackend):
    """Writes the message to the application log, with the phone and any code in it masked (no gateway
    needed)."""

    verbose_name = "Ghi vào nhật ký ứng dụng"

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), mask_secrets(text))


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    encoding: str


@sms_backends.register("memory")
class MemorySmsBackend(SmsBackend):
    """Keeps the messages in ``MemorySmsBackend.outbox`` (tests, like Django's ``mail.outbox``)."""

    verbose_name = "Giữ trong bộ nhớ (kiểm thử)"
    outbox: list[SentSms] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append(SentSms(phone, text, self.encoding))


def sms_backend(name: str | None = None) -> SmsBackend:
    """The configured SMS backend (``settings.TINHSO_SMS_BACKEND``): a registered name or a dotted path."""
    choice = name or settings.TINHSO_SMS_BACKEND or "log"
    cls = sms_backends[choice] if choice in sms_backends else import_string(choice)
    if not (isinstance(cls, type) and issubclass(cls, SmsBackend)):
        raise TypeError(f"{choice} is not an SmsBackend")
    return cls()
