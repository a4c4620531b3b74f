"""X-Road identifiers of members, subsystems and services (X-Road message protocol for REST 1.0, §4.1, §4.8).

A client (the member or subsystem that calls) is ``INSTANCE/MEMBERCLASS/MEMBERCODE[/SUBSYSTEM]``; a service is
the providing member or subsystem followed by its service code, ``INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/
SERVICECODE``. Member codes of Vietnamese agencies are their QĐ 20/2020/QĐ-TTg identifier codes
(``000.00.00.H41``), whose characters (``0-9 A-Z .``) are all allowed in X-Road identifiers.

Each part travels percent-encoded on its own (§4.2): the ``/`` between parts is never encoded. Only the
characters of §4.8 (``A–Z a–z 0–9 ' ( ) + , - . = ?``) are accepted in a part; anything else is refused with a
message naming the part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

# PR-REST §4.8 (1.0.3): the only characters an identifier part may hold.
_PART = re.compile(r"[A-Za-z0-9'()+,\-.=?]+")
# Identifiers are short in practice; a bound keeps hostile input out of the database and the log.
MAX_PART_LENGTH = 255
# Characters kept as they are when a part is percent-encoded; "?" must be encoded inside a path.
_SAFE = "'()+,-.="

PART_NAMES_VI = {
    "instance": "mã hệ thống (instance)",
    "member_class": "loại thành viên (member class)",
    "member_code": "mã thành viên (member code)",
    "subsystem_code": "mã phân hệ (subsystem code)",
    "service_code": "mã dịch vụ (service code)",
}
PART_NAMES_EN = {
    "instance": "instance", "member_class": "member class", "member_code": "member code",
    "subsystem_code": "subsystem code", "service_code": "service code",
}


class IdentifierError(ValueError):
    """A malformed identifier; ``message`` (Vietnamese) and ``message_en`` name the offending part."""

    def __init__(self, message: str, message_en: str, part: str = ""):
        super().__init__(message)
        self.message = message
        self.message_en = message_en
        self.part = part


def check_part(name: str, value: str) -> str:
    """``value`` when it is a valid identifier part, else :class:`IdentifierError` naming ``name``."""
    if not value:
        raise IdentifierError(f"Thiếu {PART_NAMES_VI[name]}.", f"The {PART_NAMES_EN[name]} is missing.", name)
    if len(value) > MAX_PART_LENGTH:
        raise IdentifierError(
            f"{PART_NAMES_VI[name].capitalize()} dài quá {MAX_PART_LENGTH} ký tự.",
            f"The {PART_NAMES_EN[name]} is longer than {MAX_PART_LENGTH} characters.", name,
        )
    if not _PART.fullmatch(value):
        raise IdentifierError(
            f"{PART_NAMES_VI[name].capitalize()} “{value[:60]}” có ký tự không được phép: chỉ dùng A–Z, a–z, 0–9 "
            "và ' ( ) + , - . = ? (giao thức X-Road REST, mục 4.8).",
            f"The {PART_NAMES_EN[name]} “{value[:60]}” has characters outside A–Z a–z 0–9 ' ( ) + , - . = ? "
            "(X-Road REST protocol §4.8).", name,
        )
    return value


def encode_part(value: str) -> str:
    return quote(value, safe=_SAFE)


@dataclass(frozen=True, order=True)
class ClientId:
    """A member (``subsystem_code`` empty) or one of its subsystems."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str = ""

    def __post_init__(self):
        check_part("instance", self.instance)
        check_part("member_class", self.member_class)
        check_part("member_code", self.member_code)
        if self.subsystem_code:
            check_part("subsystem_code", self.subsystem_code)

    @property
    def is_subsystem(self) -> bool:
        return bool(self.subsystem_code)

    @property
    def member(self) -> ClientId:
        """The member this identifier belongs to (itself when it is a member)."""
        return ClientId(self.instance, self.member_class, self.member_code)

    @property
    def parts(self) -> tuple[str, ...]:
        base = (self.instance, self.member_class, self.member_code)
        return (*base, self.subsystem_code) if self.subsystem_code else base

    def encode(self) -> str:
        """The header / path form: each part percent-encoded, joined by ``/``."""
        return "/".join(encode_part(part) for part in self.parts)

    def service(self, service_code: str) -> ServiceId:
        return ServiceId(self, service_code)

    def __str__(self) -> str:
        return "/".join(self.parts)


@dataclass(frozen=True, order=True)
class ServiceId:
    """A service: the providing member or subsystem and the service code."""

    provider: ClientId
    service_code: str

    def __post_init__(self):
        check_part("service_code", self.service_code)

    def encode(self) -> str:
        return f"{self.provider.encode()}/{encode_part(self.service_code)}"

    def __str__(self) -> str:
        return f"{self.provider}/{self.service_code}"


def _decoded(raw: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise IdentifierError("Định danh không phải UTF-8 hợp lệ sau khi giải mã phần trăm.",
                              "An identifier part is not valid UTF-8 once percent-decoded.") from None


def parse_client(value: str | None) -> ClientId:
    """The ``X-Road-Client`` header: ``INSTANCE/CLASS/CODE[/SUBSYSTEM]``, parts percent-encoded."""
    if value is None or not value.strip():
        raise IdentifierError("Thiếu tiêu đề X-Road-Client (định danh bên gọi dịch vụ).",
                              "The X-Road-Client header is missing.", "client")
    parts = [_decoded(part) for part in value.strip().split("/")]
    if len(parts) not in (3, 4):
        raise IdentifierError(
            "X-Road-Client phải có dạng INSTANCE/MEMBERCLASS/MEMBERCODE hoặc INSTANCE/MEMBERCLASS/MEMBERCODE/"
            f"SUBSYSTEM; đã nhận {len(parts)} phần.",
            "X-Road-Client must be INSTANCE/MEMBERCLASS/MEMBERCODE[/SUBSYSTEM]; "
            f"got {len(parts)} parts.", "client",
        )
    if len(parts) == 4 and not parts[3]:
        check_part("subsystem_code", "")
    return ClientId(*parts)


def parse_service(value: str) -> ServiceId:
    """``INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE`` (as in the ``X-Road-Service`` header)."""
    parts = [_decoded(part) for part in value.strip().strip("/").split("/")]
    if len(parts) != 5:
        raise IdentifierError(
            "Định danh dịch vụ phải có dạng INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE.",
            "A service identifier is INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE.", "service",
        )
    return ServiceId(ClientId(*parts[:4]), parts[4])


@dataclass(frozen=True)
class ServiceRequestPath:
    """The parts of ``/r1/{serviceId}[/path]``: the service and the raw (still percent-encoded) path after it."""

    service: ServiceId
    path: str  # "" or "/…", percent-encoded as received


PROTOCOL_VERSION = "r1"


def parse_request_path(raw_path: str) -> ServiceRequestPath:
    """Split a request path ``/r1/INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE[/path]``.

    The provider is always given with its subsystem, as the reference security server requires
    (``RestRequest.decodeIdentifiers``): without it, ``/r1/I/C/M/X/Y`` could not be told apart from a
    member-level service ``X`` called on path ``/Y``.
    """
    if not raw_path.startswith("/"):
        raw_path = "/" + raw_path
    parts = raw_path.split("/", 7)
    # parts[0] is "" (before the leading slash).
    if len(parts) < 2 or parts[1] != PROTOCOL_VERSION:
        raise IdentifierError(
            "Phiên bản giao thức không được hỗ trợ: đường dẫn phải bắt đầu bằng /r1/.",
            "Unsupported protocol version: the path must start with /r1/.", "version",
        )
    if len(parts) < 7 or not all(parts[2:7]):
        raise IdentifierError(
            "Đường dẫn phải có dạng /r1/INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE[/đường dẫn].",
            "The path must be /r1/INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE[/path].", "service",
        )
    decoded = [_decoded(part) for part in parts[2:7]]
    service = ServiceId(ClientId(*decoded[:4]), decoded[4])
    rest = "/" + parts[7] if len(parts) == 8 else ""
    return ServiceRequestPath(service, rest)
