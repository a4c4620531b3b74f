"""edXML packages of QCVN 102:2016/BTTTT: write them and read them back, strictly, without the database.

A package is an ``export`` element holding the envelope and, outside it, the base64 attachments::

    <export xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
      <edXML:edXMLEnvelope>
        <edXML:edXMLHeader>
          <edXML:MessageHeader> From, To…, DocumentId, Code, PromulgationInfo, DocumentType, Subject, Content,
                                SignerInfo, DueDate, ToPlaces, OtherInfo, SteeringType </edXML:MessageHeader>
          <edXML:TraceHeaderList> Bussiness (sic), TraceHeader… </edXML:TraceHeaderList>
          <Signature/>?
        </edXML:edXMLHeader>
        <edXML:edXMLBody><edXML:edXMLManifest><edXML:Reference href="cid:…"/>…</edXML:edXMLManifest></edXML:edXMLBody>
      </edXML:edXMLEnvelope>
      <edXML:AttachmentEncoded><edXML:Attachment ContentId="…" ContentType="…" Description="…">base64
      </edXML:Attachment>…</edXML:AttachmentEncoded>
    </export>

A status message has ``edXML:Status`` in the header instead of the message header. Packages come from other
agencies and are untrusted: the parser resolves no entity, loads no DTD, reaches no network and refuses a
DOCTYPE; the size is bounded before parsing. Every refusal is an :class:`EdxmlError` naming the problem and
the element, in Vietnamese and English.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
BUSINESS_TYPES = {0: "new", 1: "revoke", 2: "update", 3: "replace"}
STATUS_CODES = frozenset({"01", "02", "03", "04", "05", "06", "13", "15", "16"})
# NĐ 30/2020 Phụ lục VI lengths (an agency identifier may be longer under QĐ 20/2020: up to 35).
LENGTHS = {"OrganId": 35, "OrganName": 200, "CodeNumber": 11, "CodeNotation": 30, "Subject": 500,
           "TypeName": 100, "Place": 100, "Position": 100, "FullName": 50, "Competence": 10, "ToPlace": 1000,
           "Description": 500, "StatusCode": 2}


class EdxmlError(ValueError):
    """A package that cannot be accepted: what is wrong and the element concerned."""

    def __init__(self, message: str, message_en: str, element: str = ""):
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.element = element


@dataclass
class Organ:
    organ_id: str
    organ_name: str = ""
    organ_address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


class Attachment:
    """A file of a package. Its bytes and its base64 text are each computed once, when first asked: a package
    read only for its metadata (the check command) never decodes its files, and a document written for many
    recipients encodes its files once. Reading validates the base64 text completely, so decoding later cannot
    fail. A file read from a package keeps its base64 text as the parser gave it (an ASCII ``str``: decoding
    takes it as it is, and no second copy of the largest part of a package is made unless ``encoded`` is
    asked for), or, for a large one, as a view of the package's bytes (which it then keeps)."""

    __slots__ = ("_data", "_encoded", "content_id", "content_type", "description", "name")

    def __init__(self, name: str, data: bytes | None = None, content_type: str = "application/octet-stream",
                 content_id: str = "", description: str = "", *, encoded: bytes | str | memoryview | None = None):
        if data is None and encoded is None:
            raise ValueError("an attachment needs its bytes or its base64 text")
        self.name, self.content_type, self.content_id, self.description = name, content_type, content_id, description
        self._data, self._encoded = data, encoded

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = binascii.a2b_base64(self._encoded)
        return self._data

    @property
    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = binascii.b2a_base64(self._data, newline=False)
        elif isinstance(self._encoded, str):
            self._encoded = self._encoded.encode("ascii")
        elif isinstance(self._encoded, memoryview):
            self._encoded = self._encoded.tobytes()
        return self._encoded

    @property
    def size(self) -> int:
        if self._data is not None:
            return len(self._data)
        tail = self._encoded[-2:]
        if isinstance(tail, memoryview):
            tail = tail.tobytes()
        return len(self._encoded) // 4 * 3 - tail.count("=" if isinstance(tail, str) else b"=")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Attachment):
            return NotImplemented
        return ((self.name, self.content_type, self.content_id, self.description, self.data)
                == (other.name, other.content_type, other.content_id, other.description, other.data))

    def __repr__(self) -> str:
        return f"Attachment({self.name!r}, {self.size} bytes, {self.content_type!r})"


@dataclass
class SignatureVerdict:
    """What became of the envelope's signature: ``none``, ``unverifiable`` (it cannot be checked: the reason
    says why), ``unknown_signer`` (a certificate outside the trusted list)."""

    verdict: str
    reason: str = ""
    subject: str = ""


@dataclass
class DocumentPackage:
    from_organ: Organ
    to: list[Organ]
    code_number: str
    code_notation: str
    promulgation_date: datetime.date
    subject: str
    place: str = ""
    type_code: str = "1"
    type_name: str = ""
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    due_date: datetime.date | None = None
    to_places: list[str] = field(default_factory=list)
    priority: int = 0
    sphere_of_promulgation: str = ""
    promulgation_amount: int = 1
    page_amount: int = 1
    steering_type: int = 0
    business_doc_type: int = 0
    business_doc_reason: str = ""
    response_for: str = ""  # the DocumentId a revoke/update/replace package concerns
    replacement_organs: list[str] = field(default_factory=list)
    receiver_list: list[str] = field(default_factory=list)
    trace: list[tuple[str, datetime.datetime]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    signature: SignatureVerdict = field(default_factory=lambda: SignatureVerdict("none"))

    kind = "document"

    @property
    def document_id(self) -> str:
        return f"{self.from_organ.organ_id},{self.promulgation_date:%Y/%m/%d},{self.code_number}/{self.code_notation}"


@dataclass
class StatusPackage:
    from_organ: Organ
    response_for: str
    status_code: str
    timestamp: datetime.datetime
    description: str = ""
    staff: str = ""
    department: str = ""

    kind = "status"


# -- writing ---------------------------------------------------------------------------------------------

_QUALIFIED: dict[str, str] = {}


def _q(name: str) -> str:
    qualified = _QUALIFIED.get(name)
    if qualified is None:
        qualified = _QUALIFIED[name] = f"{{{NS}}}{name}"
    return qualified


def _sub(parent, name: str, text=None, **attributes):
    if attributes:
        node = etree.SubElement(parent, _q(name), {k: str(v) for k, v in attributes.items()})
    else:
        node = etree.SubElement(parent, _q(name))
    if text is not None:
        node.text = text if type(text) is str else str(text)
    return node


_ORGAN_FIELDS = (("OrganId", "organ_id"), ("OrganName", "organ_name"), ("OrganAdd", "organ_address"),
                 ("Email", "email"), ("Telephone", "telephone"), ("Fax", "fax"), ("Website", "website"))


def _organ(parent, name: str, organ: Organ) -> None:
    # What _sub does, without a call per field: a package addressed to many agencies is mostly organs.
    node = etree.SubElement(parent, _q(name))
    for tag, attribute in _ORGAN_FIELDS:
        value = getattr(organ, attribute)
        child = etree.SubElement(node, _q(tag))
        if value is not None:
            child.text = value if type(value) is str else str(value)


def _root():
    return etree.Element("export", nsmap={"edXML": NS})


def write(package: DocumentPackage | StatusPackage) -> bytes:
    """The package as bytes (UTF-8, with its XML declaration)."""
    if isinstance(package, StatusPackage):
        return write_status(package)
    root = _root()
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    message = _sub(header, "MessageHeader")
    _organ(message, "From", package.from_organ)
    for organ in package.to:
        _organ(message, "To", organ)
    _sub(message, "DocumentId", package.document_id)
    code = _sub(message, "Code")
    _sub(code, "CodeNumber", package.code_number)
    _sub(code, "CodeNotation", package.code_notation)
    promulgation = _sub(message, "PromulgationInfo")
    _sub(promulgation, "Place", package.place)
    _sub(promulgation, "PromulgationDate", package.promulgation_date.strftime(DATE_FORMAT))
    kind = _sub(message, "DocumentType")
    _sub(kind, "Type", package.type_code)
    _sub(kind, "TypeName", package.type_name)
    _sub(message, "Subject", package.subject)
    _sub(message, "Content", package.content)
    signer = _sub(message, "SignerInfo")
    _sub(signer, "Competence", package.signer_competence)
    _sub(signer, "Position", package.signer_position)
    _sub(signer, "FullName", package.signer_full_name)
    _sub(message, "DueDate", package.due_date.strftime(DATE_FORMAT) if package.due_date else "")
    places = _sub(message, "ToPlaces")
    for place in package.to_places:
        _sub(places, "Place", place)
    other = _sub(message, "OtherInfo")
    _sub(other, "Priority", package.priority)
    _sub(other, "SphereOfPromulgation", package.sphere_of_promulgation)
    _sub(other, "TyperNotation", "")
    _sub(other, "PromulgationAmount", package.promulgation_amount)
    _sub(other, "PageAmount", package.page_amount)
    _sub(message, "SteeringType", package.steering_type)
    traces = _sub(header, "TraceHeaderList")
    business = _sub(traces, "Bussiness")
    _sub(business, "BussinessDocType", package.business_doc_type)
    _sub(business, "BussinessDocReason", package.business_doc_reason)
    if package.response_for:
        response = _sub(business, "ResponseFor")
        _sub(response, "DocumentId", package.response_for)
    info = _sub(business, "BussinessDocumentInfo")
    receivers = _sub(info, "ReceiverList")
    for organ_id in package.receiver_list:
        _sub(receivers, "Receiver", ReceiverType="1").append(_leaf("OrganId", organ_id))
    if package.replacement_organs:
        replacement = _sub(business, "ReplacementInfoList")
        item = _sub(replacement, "ReplacementInfo")
        _sub(item, "DocumentId", package.response_for)
        organs = _sub(item, "OrganIdList")
        for organ_id in package.replacement_organs:
            _sub(organs, "OrganId", organ_id)
    for organ_id, moment in package.trace or [(package.from_organ.organ_id, datetime.datetime.now())]:
        trace = _sub(traces, "TraceHeader")
        _sub(trace, "OrganId", organ_id)
        _sub(trace, "Timestamp", moment.strftime(TIMESTAMP_FORMAT))
    body = _sub(envelope, "edXMLBody")
    manifest = _sub(body, "edXMLManifest")
    ids = []
    for index, attachment in enumerate(package.attachments, start=1):
        content_id = attachment.content_id or f"{index}@edxml"
        ids.append(content_id)
        reference = _sub(manifest, "Reference", href=f"cid:{content_id}", ContentType=attachment.content_type)
        _sub(reference, "AttachmentName", attachment.name)
        _sub(reference, "Description", attachment.description)
    encoded = _sub(root, "AttachmentEncoded")
    # The base64 text needs no escaping: it is spliced into the serialised bytes instead of being copied into
    # the tree and escaped again (the bulk of a package is its attachments).
    holes = []
    for index, (content_id, attachment) in enumerate(zip(ids, package.attachments, strict=True)):
        hole = f"@@attachment-{index}@@"
        holes.append((hole.encode("ascii"), attachment.encoded))
        _sub(encoded, "Attachment", hole, ContentId=content_id, ContentType=attachment.content_type,
             ContentTransferEncoded="base64", Description=attachment.name)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if not holes:
        return data
    # Slices of a memoryview: the serialised bytes are copied once, into the result.
    view, parts, start = memoryview(data), [], 0
    for hole, content in holes:
        at = data.index(hole, start)
        parts += [view[start:at], content]
        start = at + len(hole)
    parts.append(view[start:])
    return b"".join(parts)


def _leaf(name: str, text: str):
    node = etree.Element(_q(name))
    node.text = text
    return node


def write_status(status: StatusPackage) -> bytes:
    root = _root()
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    node = _sub(header, "Status")
    response = _sub(node, "ResponseFor")
    organ_id, _, _rest = status.response_for.partition(",")
    _sub(response, "OrganId", organ_id)
    _sub(response, "DocumentId", status.response_for)
    _organ(node, "From", status.from_organ)
    staff = _sub(node, "StaffInfo")
    _sub(staff, "Department", status.department)
    _sub(staff, "Staff", status.staff)
    _sub(node, "StatusCode", status.status_code)
    _sub(node, "Description", status.description)
    _sub(node, "Timestamp", status.timestamp.strftime(TIMESTAMP_FORMAT))
    _sub(envelope, "edXMLBody")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- reading ------------------------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    # No entity is expanded, no DTD loaded, nothing fetched; huge_tree only lifts libxml2's 10 MB text-node
    # cap (an attachment's base64), the package's size being bounded before parsing.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                           huge_tree=True, remove_comments=True, remove_pis=True)


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Base64 text is checked in slices this long: each slice's bytes reuse the same warm memory, where one copy of
# a whole file would be fresh memory (page faults) every time.
_CHECK_SLICE = 32 * 1024
_NOT_DEFINED = re.compile(r"Namespace prefix (\S+) on (\S+) is not defined")


def _parse(data: bytes, cuts: dict[str, bytes | memoryview] | None = None):
    """The package's root element. Given ``cuts`` (a dict to fill), the large base64 texts of its attachments
    may be taken out before parsing, see :func:`_cut_attachments`."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError(f"Gói tin lớn quá {MAX_PACKAGE_BYTES // (1024 * 1024)} MB.",
                         f"The package is larger than {MAX_PACKAGE_BYTES // (1024 * 1024)} MB.", "export")
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"<"):
        sample = start[:20].decode("utf-8", "replace")
        raise EdxmlError(f"Có dữ liệu lạ trước khai báo XML ({sample!r}): gói tin phải bắt đầu bằng “<?xml” hoặc "
                         "phần tử gốc.",
                         f"Junk before the XML declaration ({sample!r}): a package must start with “<?xml” or its "
                         "root element.", "xml")
    if start.find(b"<!DOCTYPE", 0, 4096) != -1 or start.find(b"<!ENTITY", 0, 65536) != -1:
        raise EdxmlError("Gói tin có khai báo DOCTYPE/ENTITY: không được phép.",
                         "The package declares a DOCTYPE/ENTITY: not allowed.", "DOCTYPE")
    if cuts is not None:
        root = _parse_cut(start, cuts)
        if root is not None:
            return root
    try:
        root = etree.fromstring(start, _parser())
    except etree.XMLSyntaxError as error:
        text = str(error.msg or error)
        undefined = _NOT_DEFINED.search(text)
        if undefined:
            prefix, element = undefined.groups()
            raise EdxmlError(f"Tiền tố “{prefix}” của phần tử {element} chưa khai báo namespace (dòng {error.lineno}).",
                             f"The prefix “{prefix}” of element {element} has no namespace declaration "
                             f"(line {error.lineno}).", element) from None
        raise EdxmlError(f"Gói tin không phải XML hợp lệ (dòng {error.lineno}): {text}",
                         f"The package is not well-formed XML (line {error.lineno}): {text}", "xml") from None
    if root.getroottree().docinfo.doctype:
        raise EdxmlError("Gói tin có khai báo DOCTYPE: không được phép.", "The package declares a DOCTYPE.", "DOCTYPE")
    return root


# The bulk of a package is its attachments' base64 text. Parsing it makes libxml2 build a text node of it and
# Python a str of it: copies of a megabyte into fresh memory, of a text that has to be checked character by
# character anyway. The large texts are therefore checked on the package's bytes and replaced by a short
# marker before parsing; everything else is parsed by the same hardened parser.
_CUT_MINIMUM = 4096
_CUT_MARKER = b"tinhso-edxml-cut-"
_AFTER_NAME = (b" ", b">", b"\t", b"\r", b"\n")
_PREFIX = re.compile(rb"[A-Za-z_][A-Za-z0-9_.-]*:")


def _cut_attachments(data: bytes) -> tuple[bytes, dict[str, bytes | memoryview]]:
    """``data`` with each large text that follows an ``Attachment`` start tag and holds only base64 characters
    (and line breaks) replaced by a marker, and each marker's base64 text (checked by :func:`_base64_bytes`).

    Only character data that cannot hold markup (no ``<``, no ``&``) is taken out, so the package's structure is
    unchanged; :func:`_parse_cut` then requires every marker to be, whole, the text of an ``Attachment`` of
    ``AttachmentEncoded``, or the package is parsed again as it came."""
    cuts: dict[str, bytes | memoryview] = {}
    view, parts, copied, position = memoryview(data), [], 0, 0
    while True:
        found = data.find(b"Attachment", position)
        if found == -1:
            break
        position = found + len(b"Attachment")
        if data[position:position + 1] not in _AFTER_NAME:
            continue
        opening = data.rfind(b"<", max(0, found - 64), found)
        if opening == -1 or (opening + 1 < found and not _PREFIX.fullmatch(data, opening + 1, found)):
            continue
        close = data.find(b">", position)
        end = data.find(b"<", close + 1) if close != -1 else -1
        if end == -1:
            break
        if end - close - 1 < _CUT_MINIMUM:
            continue
        raw = _base64_view(data, close + 1, end)
        if raw is None:
            raw = _base64_bytes(data[close + 1:end])  # wrapped in lines, or refused
        if raw is None:
            continue  # left to be parsed, and refused with its message
        marker = _CUT_MARKER + str(len(cuts)).encode("ascii")
        cuts[marker.decode("ascii")] = raw
        parts += [view[copied:close + 1], marker]
        copied = position = end
    if not cuts:
        return data, cuts
    parts.append(view[copied:])
    shortened = b"".join(parts)
    if shortened.count(_CUT_MARKER) != len(cuts):  # a marker's text was in the package already
        return data, {}
    return shortened, cuts


def _parse_cut(data: bytes, cuts: dict[str, bytes | memoryview]):
    """The root of ``data`` parsed with its large attachment texts cut out (``cuts`` filled), or None when it
    cannot be: then the caller parses ``data`` as it came, with the messages that parsing gives."""
    shortened, found = _cut_attachments(data)
    if not found:
        return None
    try:
        root = etree.fromstring(shortened, _parser())
    except etree.XMLSyntaxError:
        return None
    holder = root.find(_q("AttachmentEncoded"))
    texts = [node.text for node in holder.iterchildren(_q("Attachment"))] if holder is not None else []
    if root.getroottree().docinfo.doctype or sorted(text for text in texts if text in found) != sorted(found):
        return None
    cuts.update(found)
    return root


def _missing(name: str) -> EdxmlError:
    return EdxmlError(f"Thiếu phần tử {name}.", f"The element {name} is missing.", name)


def _children(element) -> dict:
    """The first child element of each tag: an element whose fields are read one after the other is walked once
    instead of searched once per field. :func:`_child` and :func:`_text` take it in place of the element."""
    index = {}
    for child in element:
        index.setdefault(child.tag, child)
    return index


def _child(parent, path: str, *, required: bool = True):
    if isinstance(parent, dict):
        found = parent.get(_q(path))
        if found is None and required:
            raise _missing(path)
        return found
    node = parent
    for part in path.split("/"):
        found = node.find(_q(part)) if node is not None else None
        if found is None:
            if required:
                raise _missing(path.split("/")[-1] if "/" not in path else path)
            return None
        node = found
    return node


def _text(parent, path: str, *, required: bool = False, limit: str | None = None) -> str:
    node = _child(parent, path, required=required)
    value = (node.text or "").strip() if node is not None else ""
    name = path.rpartition("/")[2]
    if required and not value:
        raise EdxmlError(f"Phần tử {path} không có giá trị.", f"The element {path} is empty.", name)
    maximum = LENGTHS.get(limit or name)
    if maximum is not None and len(value) > maximum:
        raise EdxmlError(f"{path} dài {len(value)} ký tự, quá {maximum} (NĐ 30/2020 Phụ lục VI).",
                         f"{path} is {len(value)} characters long, more than {maximum} (NĐ 30/2020 Annex VI).", name)
    return value


def _date(value: str, name: str) -> datetime.date:
    try:
        if not re.fullmatch(r"\d{4}/\d{2}/\d{2}", value):
            raise ValueError
        return datetime.datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        raise EdxmlError(f"{name} “{value}” không phải ngày có thật theo dạng YYYY/MM/DD.",
                         f"{name} “{value}” is not a real date in the form YYYY/MM/DD.", name) from None


def _timestamp(value: str, name: str) -> datetime.datetime:
    try:
        if not re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", value):
            raise ValueError
        return datetime.datetime.strptime(value, TIMESTAMP_FORMAT)
    except ValueError:
        raise EdxmlError(f"{name} “{value}” không phải thời điểm có thật theo dạng YYYY/MM/DD HH:mm:ss.",
                         f"{name} “{value}” is not a real moment in the form YYYY/MM/DD HH:mm:ss.", name) from None


def _int(value: str, name: str, low: int, high: int, default: int = 0) -> int:
    if value == "":
        return default
    if not re.fullmatch(r"\d{1,9}", value) or not low <= int(value) <= high:
        raise EdxmlError(f"{name} “{value}” phải là số từ {low} đến {high}.",
                         f"{name} “{value}” must be a number from {low} to {high}.", name)
    return int(value)


def _read_organ(node, name: str) -> Organ:
    node = _children(node)
    return Organ(organ_id=_text(node, "OrganId", required=True), organ_name=_text(node, "OrganName"),
                 organ_address=_text(node, "OrganAdd", limit="OrganName"), email=_text(node, "Email", limit="Place"),
                 telephone=_text(node, "Telephone", limit="Place"), fax=_text(node, "Fax", limit="Place"),
                 website=_text(node, "Website", limit="Place"))


def _envelope(root):
    if root.tag == _q("edXMLEnvelope"):
        return root
    envelope = root.find(_q("edXMLEnvelope"))
    if envelope is None:
        if root.tag.endswith("edXMLEnvelope") or root.find("edXMLEnvelope") is not None:
            raise EdxmlError(f"edXMLEnvelope không thuộc namespace {NS}.",
                             f"edXMLEnvelope is not in the namespace {NS}.", "edXMLEnvelope")
        raise _missing("edXMLEnvelope")
    return envelope


def read(data: bytes, *, trusted_roots: list | None = None) -> DocumentPackage | StatusPackage:
    """The package in ``data``; :class:`EdxmlError` for anything it cannot accept."""
    cuts: dict[str, bytes | memoryview] = {}
    root = _parse(data, cuts)
    envelope = _envelope(root)
    header = _child(envelope, "edXMLHeader")
    status = header.find(_q("Status"))
    if status is not None:
        return _read_status(status)
    message_node = _child(header, "MessageHeader")
    message = _children(message_node)
    from_node = _child(message, "From")
    to_nodes = message_node.findall(_q("To"))
    if not to_nodes:
        raise _missing("To")
    code = _children(_child(message, "Code"))
    promulgation = _children(_child(message, "PromulgationInfo"))
    package = DocumentPackage(
        from_organ=_read_organ(from_node, "From"),
        to=[_read_organ(node, "To") for node in to_nodes],
        code_number=_text(code, "CodeNumber", required=True),
        code_notation=_text(code, "CodeNotation", required=True),
        promulgation_date=_date(_text(promulgation, "PromulgationDate", required=True), "PromulgationDate"),
        place=_text(promulgation, "Place"),
        subject=_text(message, "Subject", required=True),
        content=_text(message, "Content", limit="Content"),
    )
    kind = _child(message, "DocumentType", required=False)
    if kind is not None:
        kind = _children(kind)
        package.type_code = _text(kind, "Type", limit="StatusCode") or "1"
        package.type_name = _text(kind, "TypeName")
    signer = _child(message, "SignerInfo", required=False)
    if signer is not None:
        signer = _children(signer)
        package.signer_competence = _text(signer, "Competence")
        package.signer_position = _text(signer, "Position")
        package.signer_full_name = _text(signer, "FullName")
    due = _text(message, "DueDate")
    package.due_date = _date(due, "DueDate") if due else None
    places = _child(message, "ToPlaces", required=False)
    if places is not None:
        package.to_places = [(node.text or "").strip() for node in places.findall(_q("Place")) if node.text]
        if len("\n".join(package.to_places)) > LENGTHS["ToPlace"]:
            raise EdxmlError("ToPlaces dài quá 1000 ký tự.", "ToPlaces is longer than 1000 characters.", "ToPlaces")
    other = _child(message, "OtherInfo", required=False)
    if other is not None:
        other = _children(other)
        package.priority = _int(_text(other, "Priority"), "Priority", 0, 4)
        package.sphere_of_promulgation = _text(other, "SphereOfPromulgation", limit="Place")
        package.promulgation_amount = _int(_text(other, "PromulgationAmount"), "PromulgationAmount", 0, 999, 1)
        package.page_amount = _int(_text(other, "PageAmount"), "PageAmount", 0, 999, 1)
    package.steering_type = _int(_text(message, "SteeringType"), "SteeringType", 0, 9)
    declared = _text(message, "DocumentId", limit="Content")
    if declared and declared != package.document_id:
        raise EdxmlError(f"DocumentId “{declared}” không khớp với From, PromulgationDate và Code "
                         f"(“{package.document_id}”).",
                         f"DocumentId “{declared}” does not match From, PromulgationDate and Code "
                         f"(“{package.document_id}”).", "DocumentId")
    _read_trace(header, package)
    _read_attachments(root, envelope, package, cuts)
    package.signature = _signature(header, trusted_roots)
    return package


def _read_trace(header, package: DocumentPackage) -> None:
    traces = _child(header, "TraceHeaderList")
    business = _child(traces, "Bussiness")
    package.business_doc_type = _int(_text(business, "BussinessDocType", required=True), "BussinessDocType", 0, 3)
    package.business_doc_reason = _text(business, "BussinessDocReason", limit="Description")
    response = business.find(_q("ResponseFor"))
    if response is not None:
        package.response_for = _text(response, "DocumentId", limit="Content")
    replacements = business.find(_q("ReplacementInfoList"))
    if replacements is not None:
        for item in replacements.findall(_q("ReplacementInfo")):
            package.response_for = package.response_for or _text(item, "DocumentId", limit="Content")
            organs = item.find(_q("OrganIdList"))
            if organs is not None:
                package.replacement_organs += [(n.text or "").strip() for n in organs.findall(_q("OrganId"))]
    if package.business_doc_type in (1, 2, 3) and not package.response_for:
        raise EdxmlError("Gói thu hồi, cập nhật hoặc thay thế phải có ResponseFor/DocumentId của văn bản liên quan.",
                         "A revoke, update or replace package needs ResponseFor/DocumentId.", "ResponseFor")
    receivers = business.find(f"{_q('BussinessDocumentInfo')}/{_q('ReceiverList')}")
    if receivers is not None:
        package.receiver_list = [(n.findtext(_q("OrganId")) or "").strip() for n in receivers.findall(_q("Receiver"))]
    for trace in traces.findall(_q("TraceHeader")):
        trace = _children(trace)
        package.trace.append((_text(trace, "OrganId", required=True),
                              _timestamp(_text(trace, "Timestamp", required=True), "Timestamp")))


def _read_attachments(root, envelope, package: DocumentPackage, cuts: dict[str, bytes | memoryview]) -> None:
    references = []
    manifest = envelope.find(f"{_q('edXMLBody')}/{_q('edXMLManifest')}")
    if manifest is not None:
        for reference in manifest.findall(_q("Reference")):
            href = reference.get("href") or reference.get(f"{{{NS}}}href") or ""
            if not href.startswith("cid:"):
                raise EdxmlError(f"Reference trỏ tới “{href}”, không phải “cid:…”.",
                                 f"Reference points to “{href}”, not to “cid:…”.", "Reference")
            references.append((href[4:], (reference.findtext(_q("AttachmentName")) or "").strip(),
                               reference.get("ContentType") or ""))
    encoded = {}
    holder = root.find(_q("AttachmentEncoded"))
    if holder is not None:
        for node in holder.findall(_q("Attachment")):
            content_id = node.get("ContentId") or ""
            text = node.text or ""
            raw = cuts[text] if text in cuts else _base64_text(text, content_id)
            encoded[content_id] = (raw, node.get("ContentType") or "", node.get("Description") or "")
    for content_id, name, content_type in references:
        if content_id not in encoded:
            raise EdxmlError(f"Reference cid:{content_id} không có tệp trong AttachmentEncoded.",
                             f"Reference cid:{content_id} has no file in AttachmentEncoded.", "Reference")
        raw, encoded_type, description = encoded.pop(content_id)
        attachment = Attachment(name=name or description or content_id, encoded=raw,
                                content_type=content_type or encoded_type or "application/octet-stream",
                                content_id=content_id)
        _refuse_nested_package(attachment)
        package.attachments.append(attachment)
    if encoded:
        extra = next(iter(encoded))
        raise EdxmlError(f"Tệp đính kèm “{extra}” không có trong edXMLManifest.",
                         f"Attachment “{extra}” is not listed in edXMLManifest.", "Attachment")


def _base64_text(text: str, content_id: str) -> bytes | str:
    """The attachment's base64 text without line breaks, checked completely (alphabet, length, padding only at
    the end) so that decoding it cannot fail. Unwrapped text (what this platform and most senders write) is
    checked slice by slice and kept as the parser's ``str``: no copy of the whole file is made."""
    if text.isascii() and not len(text) % 4:
        for start in range(0, len(text), _CHECK_SLICE):
            if text[start:start + _CHECK_SLICE].encode("ascii").translate(None, _BASE64_ALPHABET):
                break
        else:
            padding = text.find("=")
            if padding == -1 or (len(text) - padding <= 2 and not text[padding:].strip("=")):
                return text
            raise _not_base64(content_id)
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raw = b"!"
    strange = raw.translate(None, _BASE64_ALPHABET)
    if strange and not strange.translate(None, b" \t\r\n"):  # only line breaks: wrapped base64
        raw, strange = raw.translate(None, b" \t\r\n"), b""
    padding = raw.find(b"=")
    if (strange or len(raw) % 4
            or (padding != -1 and (len(raw) - padding > 2 or raw[padding:].strip(b"=")))):
        raise _not_base64(content_id)
    return raw


def _base64_view(data: bytes, start: int, end: int) -> memoryview | None:
    """``data[start:end]``, viewed, not copied, if it is complete base64 without line breaks, else None. It is
    checked in slices that reuse the same warm memory."""
    for at in range(start, end, _CHECK_SLICE):
        if data[at:min(at + _CHECK_SLICE, end)].translate(None, _BASE64_ALPHABET):
            return None
    padding = data.find(b"=", start, end)
    if (end - start) % 4 or (padding != -1 and (end - padding > 2 or data[padding:end].strip(b"="))):
        return None
    return memoryview(data)[start:end]


def _base64_bytes(raw: bytes) -> bytes | None:
    """``raw`` without line breaks if it is complete base64 (as :func:`_base64_text` requires), else None."""
    strange = raw.translate(None, _BASE64_ALPHABET)
    if strange and not strange.translate(None, b" \t\r\n"):  # only line breaks: wrapped base64
        raw, strange = raw.translate(None, b" \t\r\n"), b""
    padding = raw.find(b"=")
    if (strange or len(raw) % 4
            or (padding != -1 and (len(raw) - padding > 2 or raw[padding:].strip(b"=")))):
        return None
    return raw


def _not_base64(content_id: str) -> EdxmlError:
    return EdxmlError(f"Tệp đính kèm “{content_id}” không phải base64 hợp lệ.",
                      f"Attachment “{content_id}” is not valid base64.", "Attachment")


def _refuse_nested_package(attachment: Attachment) -> None:
    """A ZIP attachment that holds another edXML package is refused: a package carries one document."""
    head = attachment.data[:4] if attachment._data is not None else binascii.a2b_base64(attachment._encoded[:8])
    if head[:4] != b"PK\x03\x04":
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(attachment.data))
        members = archive.infolist()[:1000]
    except (zipfile.BadZipFile, OSError):
        raise EdxmlError(f"Tệp đính kèm “{attachment.name}” là ZIP hỏng.",
                         f"Attachment “{attachment.name}” is a damaged ZIP.", "Attachment") from None
    for member in members:
        if member.file_size > 2 * MAX_PACKAGE_BYTES or member.is_dir():
            continue
        with archive.open(member) as handle:
            head = handle.read(4096)
        if NS.encode() in head or member.filename.lower().endswith(".edxml"):
            raise EdxmlError(f"Tệp đính kèm “{attachment.name}” là ZIP chứa một gói edXML khác "
                             f"(“{member.filename}”): gói lồng nhau không được nhận, gửi từng gói riêng.",
                             f"Attachment “{attachment.name}” is a ZIP holding another edXML package "
                             f"(“{member.filename}”): nested packages are refused; send each package alone.",
                             "Attachment")


def _signature(header, trusted_roots) -> SignatureVerdict:
    """The envelope's signature, reported, never fatal: a package is registered with its verdict."""
    node = header.find(f"{{{DSIG}}}Signature")
    if node is None:
        node = header.find("Signature")
        if node is None:
            return SignatureVerdict("none")
        namespace_note = "chữ ký không thuộc namespace XML-DSig; "
    else:
        namespace_note = ""
    certificate_text = "".join(
        (n.text or "") for n in node.iter() if isinstance(n.tag, str) and n.tag.endswith("X509Certificate"))
    if not certificate_text.strip():
        return SignatureVerdict("unverifiable", namespace_note + "không có chứng thư số của người ký")
    try:
        from cryptography import x509

        der = base64.b64decode("".join(certificate_text.split()), validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        return SignatureVerdict("unverifiable", namespace_note + "chứng thư số bị cắt cụt hoặc hỏng")
    subject = certificate.subject.rfc4514_string()
    roots = trusted_roots or []
    issuer = certificate.issuer
    if not any(root.subject == issuer for root in roots):
        return SignatureVerdict("unknown_signer", namespace_note + "chứng thư không do CA tin cậy cấp", subject)
    return SignatureVerdict("unverifiable", namespace_note + "chưa kiểm tra được chữ ký XML của gói", subject)


def _read_status(node) -> StatusPackage:
    response = _child(node, "ResponseFor")
    document_id = _text(response, "DocumentId", required=True, limit="Content")
    code = _text(node, "StatusCode", required=True)
    if code not in STATUS_CODES:
        raise EdxmlError(f"StatusCode “{code}” không có trong QCVN 102:2016.",
                         f"StatusCode “{code}” is not a QCVN 102:2016 code.", "StatusCode")
    staff = node.find(_q("StaffInfo"))
    return StatusPackage(
        from_organ=_read_organ(_child(node, "From"), "From"), response_for=document_id, status_code=code,
        timestamp=_timestamp(_text(node, "Timestamp", required=True), "Timestamp"),
        description=_text(node, "Description"),
        staff=_text(staff, "Staff", limit="OrganName") if staff is not None else "",
        department=_text(staff, "Department", limit="OrganName") if staff is not None else "",
    )


def summary(package: DocumentPackage | StatusPackage) -> dict:
    """What ``tinhso documents edxml read`` prints."""
    if isinstance(package, StatusPackage):
        return {"kind": "status", "from": package.from_organ.organ_id, "to": [],
                "document_id": package.response_for, "response_for": package.response_for,
                "status_code": package.status_code, "description": package.description,
                "timestamp": package.timestamp.isoformat()}
    return {
        "kind": "document", "from": package.from_organ.organ_id, "to": [organ.organ_id for organ in package.to],
        "document_id": package.document_id, "code_number": package.code_number,
        "code_notation": package.code_notation, "promulgation_date": package.promulgation_date.isoformat(),
        "subject": package.subject, "business_doc_type": package.business_doc_type,
        "response_for": package.response_for or None,
        "attachments": [{"name": a.name, "content_type": a.content_type, "size": a.size}
                        for a in package.attachments],
        "signature": {"verdict": package.signature.verdict, "reason": package.signature.reason},
    }
