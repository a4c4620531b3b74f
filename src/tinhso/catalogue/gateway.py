"""What the procedure catalogue offers other members through the data-sharing gateway (``tinhso.exchange``)."""

from tinhso.exchange.registry import ApiService, Endpoint, offer

offer(ApiService(
    code="procedures",
    title="Danh mục thủ tục hành chính",
    title_en="Procedure catalogue",
    description="Lĩnh vực và thủ tục hành chính đang áp dụng tại tỉnh, với các phiên bản đã công bố.",
    api_prefix="/api/catalogue",
    endpoints=(Endpoint("GET", "/fields"), Endpoint("GET", "/procedures"), Endpoint("GET", "/procedures/*"),
               Endpoint("GET", "/procedures/*/versions")),
))
