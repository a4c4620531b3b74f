"""What the operations centre offers other members through the data-sharing gateway (``tinhso.exchange``):
the indicator registry and the values of a period, for a ministry's aggregation. A member reads the values
of its scope agency's tree (the whole province when that is the provincial People's Committee)."""

from tinhso.dossiers.services import AgencyClient
from tinhso.exchange.registry import ApiService, Endpoint, GatewayClient, offer


def member_as_agency(client: GatewayClient):
    agency = client.agency
    return AgencyClient(agency=agency, label=client.label) if agency is not None else None


offer(ApiService(
    code="indicators",
    title="Chỉ số của tỉnh theo kỳ",
    title_en="Indicator values of a period",
    description="Danh mục chỉ số và giá trị, chỉ tiêu, mức đạt của từng chỉ số trong một kỳ (năm, quý, tháng).",
    api_prefix="/api/ioc",
    endpoints=(Endpoint("GET", "/indicators"), Endpoint("GET", "/values")),
    actor=member_as_agency,
))
