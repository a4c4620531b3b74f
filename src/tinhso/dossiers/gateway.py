"""What the one-stop engine offers other members through the data-sharing gateway (``tinhso.exchange``).

A member reads dossiers as an agency API token of its scope agency would (``AgencyClient``): the dossiers
received by that agency and the units below it, or routed through them; any other code answers 404, exactly
as for a code that does not exist.
"""

from tinhso.dossiers.services import AgencyClient
from tinhso.exchange.registry import ApiService, Endpoint, GatewayClient, offer


def member_as_agency(client: GatewayClient):
    agency = client.agency
    return AgencyClient(agency=agency, label=client.label) if agency is not None else None


offer(ApiService(
    code="dossier-status",
    title="Tình trạng hồ sơ theo mã số",
    title_en="Dossier status by code",
    description="Trạng thái, thời hạn và lịch sử xử lý của một hồ sơ thủ tục hành chính theo mã số hồ sơ "
                "(TT 01/2018/TT-VPCP Điều 19), trong phạm vi cơ quan của bên gọi.",
    api_prefix="/api/dossiers",
    endpoints=(Endpoint("GET", "/*"), Endpoint("GET", "/*/events")),
    actor=member_as_agency,
))
