"""The communes' imported boundaries as a map layer of the platform's map component."""

from __future__ import annotations

from django.conf import settings
from django.views.decorators.http import require_GET

from tinhso.common.maps import feature, geojson_response
from tinhso.geo.models import CommuneBoundary


@require_GET
def commune_boundaries(request):
    """The served province's commune boundaries (simplified), an empty collection where none were imported.
    Public facts, as the province boundaries are."""
    province = request.GET.get("tinh") or settings.TINHSO_PROVINCE_CODE
    rows = (CommuneBoundary.objects.filter(commune__province__code=province)
            .values_list("commune__code", "commune__name", "simplified").order_by("commune__code"))
    response = geojson_response(feature(geometry, id=code, title=name) for code, name, geometry in rows)
    response["Cache-Control"] = "public, max-age=3600"
    return response
