"""CAP 1.2 (OASIS Common Alerting Protocol): reading a message, refusing a malformed one with the element and
the rule it breaks, and writing the province's own alerts.

A message from outside is untrusted: at most 1 MB, parsed with entities, DTDs and the network off (a DOCTYPE
is refused outright), validated against the official schema (``data/CAP-v1.2.xsd``), then against the rules
the schema does not carry: a polygon has at least four points and its first and last are the same; a point
is ``latitude,longitude`` within range; a circle is a point and a radius in km; the times carry their zone
(the schema's pattern). An XML signature is reported as present but not verified (a real alert's
``Id="NAADS Signature"`` is not even a valid xs:ID); it never makes the message fatal.

Nothing here touches the database: ``tinhso broadcast cap check FILE`` runs on this module alone.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
MAX_BYTES = 1024 * 1024
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "CAP-v1.2.xsd"


class CapError(ValueError):
    """A message refused: the element and the rule it breaks (Vietnamese and English)."""

    def __init__(self, element: str, rule: str, rule_en: str, line: int | None = None):
        self.element, self.rule, self.rule_en, self.line = element, rule, rule_en, line
        where = f" (dòng {line})" if line else ""
        super().__init__(f"CAP không hợp lệ, phần tử <{element}>{where}: {rule}")

    @property
    def message_en(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"Invalid CAP, element <{self.element}>{where}: {self.rule_en}"


@dataclass
class Area:
    area_desc: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Info:
    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime.datetime | None
    areas: list[Area]


@dataclass
class Message:
    identifier: str
    sender: str
    sent: datetime.datetime
    status: str
    msg_type: str
    scope: str
    infos: list[Info]
    signature: str  # "", or "present, not verified"

    def summary(self) -> dict:
        """What ``tinhso broadcast cap check`` prints."""
        return {
            "identifier": self.identifier, "sender": self.sender, "sent": self.sent.isoformat(),
            "status": self.status, "msg_type": self.msg_type, "scope": self.scope,
            "signature": self.signature or None,
            "infos": [{"language": i.language, "event": i.event, "urgency": i.urgency, "severity": i.severity,
                       "certainty": i.certainty, "headline": i.headline,
                       "areas": [{"area_desc": a.area_desc, "polygons": len(a.polygons), "circles": len(a.circles),
                                  "geocodes": len(a.geocodes)} for a in i.areas]}
                      for i in self.infos],
        }

    def info_for(self, language: str = "vi") -> Info | None:
        """The info in ``language`` (``vi``, ``vi-VN``…), else the first one."""
        return next((i for i in self.infos if i.language.lower().startswith(language)), None) or (
            self.infos[0] if self.infos else None)

    def as_dict(self) -> dict:
        return asdict(self)


@functools.cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True)


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else "?"


def _schema_error(error) -> CapError:
    """The first schema error as the element it concerns and the rule, from lxml's message."""
    message = error.message
    element = "alert"
    if message.startswith("Element '"):
        element = _local(message[len("Element '"):].split("'", 1)[0])
        message = message.split("': ", 1)[-1]
    if "is not an element of the set" in message or "[facet 'enumeration']" in message:
        rule = "giá trị không thuộc danh sách cho phép của CAP 1.2"
    elif "[facet 'pattern']" in message or "is not a valid value of the atomic type 'xs:dateTime'" in message:
        rule = "sai định dạng (thời điểm phải có múi giờ, ví dụ 2026-10-01T08:00:00+07:00)"
    elif "This element is not expected" in message or "Missing child element" in message:
        rule = "sai vị trí hoặc thiếu phần tử bắt buộc theo lược đồ CAP 1.2"
    else:
        rule = "không đúng lược đồ CAP 1.2"
    return CapError(element, f"{rule} ({message.strip()})", message.strip(), error.line)


def _text(node, name: str) -> str:
    found = node.find(f"{{{NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _time(node, name: str) -> datetime.datetime | None:
    text = _text(node, name)
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise CapError(name, "thời điểm phải có múi giờ.", "the time must carry its zone.")
    return value


def _point(text: str, element: str, line: int | None) -> tuple[float, float]:
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise CapError(element, f"điểm “{text}” phải có dạng vĩ độ,kinh độ.",
                       f"the point “{text}” must be latitude,longitude.", line) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(element, f"điểm “{text}” nằm ngoài phạm vi toạ độ WGS 84.",
                       f"the point “{text}” is outside WGS 84 ranges.", line)
    return lat, lon


def _polygon(node) -> list[tuple[float, float]]:
    points = [_point(pair, "polygon", node.sourceline) for pair in (node.text or "").split()]
    if len(points) < 4:
        raise CapError("polygon", "đa giác phải có ít nhất 4 điểm.", "a polygon needs at least four points.",
                       node.sourceline)
    if points[0] != points[-1]:
        raise CapError("polygon", "đa giác phải khép kín (điểm đầu trùng điểm cuối).",
                       "a polygon must be closed (its first and last points the same).", node.sourceline)
    return points


def _circle(node) -> tuple[float, float, float]:
    parts = (node.text or "").split()
    if len(parts) != 2:
        raise CapError("circle", "vòng tròn phải có dạng “vĩ độ,kinh độ bán kính”.",
                       "a circle must be “latitude,longitude radius”.", node.sourceline)
    lat, lon = _point(parts[0], "circle", node.sourceline)
    try:
        radius = float(parts[1])
    except ValueError:
        radius = -1
    if radius < 0:
        raise CapError("circle", "bán kính (km) phải là số không âm.", "the radius (km) must be a number ≥ 0.",
                       node.sourceline)
    return lat, lon, radius


def parse(data: bytes) -> Message:
    """A CAP 1.2 message from bytes, or :class:`CapError` naming the element and the rule."""
    if len(data) > MAX_BYTES:
        raise CapError("alert", "tệp CAP lớn hơn 1 MB.", "the CAP file is larger than 1 MB.")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as error:
        raise CapError("alert", f"không phải XML hợp lệ ({error.msg}).", f"not well-formed XML ({error.msg}).",
                       error.lineno) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CapError("alert", "không chấp nhận khai báo DOCTYPE (thực thể XML).",
                       "a DOCTYPE (XML entities) is not accepted.")
    root = tree.getroot()
    if root.tag != f"{{{NS}}}alert":
        raise CapError(_local(root.tag), "phần tử gốc phải là <alert> của CAP 1.2 "
                       "(urn:oasis:names:tc:emergency:cap:1.2).",
                       "the root must be CAP 1.2's <alert> (urn:oasis:names:tc:emergency:cap:1.2).", root.sourceline)
    validator = schema()
    if not validator.validate(tree):
        raise _schema_error(validator.error_log[0])
    infos = []
    for info in root.findall(f"{{{NS}}}info"):
        areas = []
        for area in info.findall(f"{{{NS}}}area"):
            areas.append(Area(
                area_desc=_text(area, "areaDesc"),
                polygons=[_polygon(p) for p in area.findall(f"{{{NS}}}polygon")],
                circles=[_circle(c) for c in area.findall(f"{{{NS}}}circle")],
                geocodes=[(_text(g, "valueName"), _text(g, "value")) for g in area.findall(f"{{{NS}}}geocode")]))
        infos.append(Info(language=_text(info, "language") or "en-US", event=_text(info, "event"),
                          urgency=_text(info, "urgency"), severity=_text(info, "severity"),
                          certainty=_text(info, "certainty"), headline=_text(info, "headline"),
                          description=_text(info, "description"), instruction=_text(info, "instruction"),
                          expires=_time(info, "expires"), areas=areas))
    signed = root.find(f"{{{DSIG}}}Signature") is not None
    return Message(identifier=_text(root, "identifier"), sender=_text(root, "sender"), sent=_time(root, "sent"),
                   status=_text(root, "status"), msg_type=_text(root, "msgType"), scope=_text(root, "scope"),
                   infos=infos, signature="present, not verified" if signed else "")


def _cap_time(value: datetime.datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def write(*, identifier: str, sender: str, sent: datetime.datetime, event: str, headline: str, description: str,
          area_desc: str, severity: str = "Severe", urgency: str = "Immediate", certainty: str = "Observed",
          expires: datetime.datetime | None = None, polygon: list[tuple[float, float]] | None = None,
          geocodes: list[tuple[str, str]] = (), msg_type: str = "Alert") -> bytes:
    """A CAP 1.2 message of the province (``vi-VN``), valid against the schema."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>', f'<alert xmlns="{NS}">',
        f"<identifier>{escape(identifier)}</identifier>", f"<sender>{escape(sender)}</sender>",
        f"<sent>{_cap_time(sent)}</sent>", "<status>Actual</status>", f"<msgType>{msg_type}</msgType>",
        "<scope>Public</scope>", "<info>", "<language>vi-VN</language>", "<category>Safety</category>",
        f"<event>{escape(event)}</event>", f"<urgency>{urgency}</urgency>", f"<severity>{severity}</severity>",
        f"<certainty>{certainty}</certainty>",
    ]
    if expires is not None:
        parts.append(f"<expires>{_cap_time(expires)}</expires>")
    parts += [f"<headline>{escape(headline)}</headline>", f"<description>{escape(description)}</description>",
              "<area>", f"<areaDesc>{escape(area_desc)}</areaDesc>"]
    if polygon:
        parts.append("<polygon>" + " ".join(f"{lat},{lon}" for lat, lon in polygon) + "</polygon>")
    for name, value in geocodes:
        parts.append(f"<geocode><valueName>{escape(name)}</valueName><value>{escape(value)}</value></geocode>")
    parts += ["</area>", "</info>", "</alert>"]
    return "\n".join(parts).encode()
