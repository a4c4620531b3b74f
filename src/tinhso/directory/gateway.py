"""What the agency registry offers other members through the data-sharing gateway (``tinhso.exchange``)."""

from tinhso.exchange.registry import ApiService, Endpoint, offer

offer(ApiService(
    code="agencies",
    title="Danh bạ cơ quan, đơn vị",
    title_en="Agency registry",
    description="Cơ quan, đơn vị của tỉnh với mã định danh điện tử (QĐ 20/2020/QĐ-TTg), cấp trên, hiệu lực và "
                "cơ quan kế thừa.",
    api_prefix="/api/directory",
    endpoints=(Endpoint("GET", "/agencies"), Endpoint("GET", "/agencies/*")),
))
