"""Telecom's layers on the operations room's province map (``tinhso.common.maps.register_layer``): stations
that have lost contact and villages by coverage, from the registry's own GeoJSON endpoints."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.maps import Layer, register_layer


def outages_layer() -> Layer:
    return Layer("telecom-outages", _("Trạm BTS đang mất liên lạc"), reverse("telecom:outages-geojson"),
                 colour="#cf222e", table_url=reverse("telecom:outages"), radius=7)


def villages_layer() -> Layer:
    from tinhso.telecom.views import COVERAGE_COLOURS, COVERAGE_LEGEND

    return Layer("telecom-villages", _("Thôn, bản theo vùng phủ sóng"), reverse("telecom:villages-geojson"),
                 colour_by="status", colours=COVERAGE_COLOURS, legend=COVERAGE_LEGEND,
                 table_url=reverse("telecom:villages"), radius=4, visible=False)


def register() -> None:
    register_layer("telecom-outages", outages_layer)
    register_layer("telecom-villages", villages_layer)
