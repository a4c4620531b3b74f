"""The document inbox this deployment offers other members through the data-sharing gateway: edXML packages
(documents, revokes, updates, replacements and status messages) POSTed to ``documents/packages``.

A member may only speak for itself and the units below it: the package's ``From`` must be the calling
member's code or carry its level-1 code (``000.00.00.H42`` speaks for ``H42.…``). A package received twice
registers once (DocumentId + recipient), so the sender's retries are harmless.
"""

from __future__ import annotations

from tinhso.exchange.registry import Endpoint, GatewayRequest, GatewayResponse, HandlerService, offer


def speaks_for(member_code: str, organ_id: str) -> bool:
    member_code, organ_id = member_code.upper(), organ_id.upper()
    if organ_id == member_code:
        return True
    level1 = member_code.rsplit(".", 1)[-1]
    return bool(level1) and organ_id.startswith(level1 + ".")


def receive_package(request: GatewayRequest) -> GatewayResponse:
    from tinhso.documents import delivery, edxml
    from tinhso.documents.models import IncomingDocument
    from tinhso.documents.services import DocumentError

    try:
        package = edxml.read(request.body)
        sender = package.from_organ.organ_id
        if not speaks_for(request.client.id.member_code, sender):
            return GatewayResponse.of_json({"type": "Client.Forbidden", "element": "From",
                                            "message": f"Thành viên {request.client.id} không được gửi thay {sender}."},
                                           403)
        results = delivery.receive(package)
    except edxml.EdxmlError as error:
        return GatewayResponse.of_json({"type": "Client.BadPackage", "element": error.element,
                                        "message": error.message, "message_en": error.message_en}, 400)
    except DocumentError as error:
        return GatewayResponse.of_json({"type": "Client.Refused", "element": error.field,
                                        "message": error.message, "message_en": error.message_en}, error.status)
    registered = [{"agency": r.agency.identifier, "arrival_number": r.arrival_number, "year": r.year}
                  for r in results if isinstance(r, IncomingDocument)]
    return GatewayResponse.of_json({"accepted": True, "kind": package.kind, "registered": registered})


offer(HandlerService(
    code="documents",
    title="Liên thông văn bản điện tử",
    title_en="Electronic document exchange",
    description="Nhận gói edXML (QCVN 102:2016/BTTTT): văn bản, thu hồi, cập nhật, thay thế và thông điệp trạng thái.",
    endpoints=(Endpoint("POST", "/packages"),),
    handler=receive_package,
    openapi_paths={"/packages": {"post": {
        "summary": "Gửi một gói edXML",
        "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
        "responses": {"200": {"description": "Đã nhận"}, "400": {"description": "Gói không hợp lệ"},
                      "403": {"description": "From không thuộc thành viên gọi"}},
    }}},
))
