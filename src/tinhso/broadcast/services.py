"""Every change to the grassroots radio: one transactional function per business action.

Registry rows are tracked on the audit chain (``apps.py``); business actions (approval, emergency start and
end, each device's acknowledgement) are recorded with :func:`tinhso.common.audit.record`. Commands to the
devices are published after the transaction commits (:mod:`tinhso.broadcast.link`).
"""

from __future__ import annotations

from django.db import transaction

from tinhso.broadcast import selectors
from tinhso.broadcast.models import Device, DeviceState, Station
from tinhso.common.inputs import InputError


class BroadcastError(InputError):
    """A change the grassroots radio refuses: Vietnamese and English message, the field, an HTTP status."""

    def __init__(self, message: str, message_en: str, field: str = "", status: int = 400):
        super().__init__(message, message_en, field)
        self.status = status


def _out_of_scope(field: str = "commune") -> BroadcastError:
    return BroadcastError("Bạn không có quyền với xã này.", "You may not act for this commune.", field, 403)


def _check_commune(user, commune_id: int | None, field: str = "commune") -> None:
    if commune_id is None or not selectors.visible_communes(user).filter(pk=commune_id).exists():
        raise _out_of_scope(field)


@transaction.atomic
def save_station(user, station: Station) -> Station:
    """Add or change a commune station; an FM station carries its frequency and licence (TT 39/2020)."""
    _check_commune(user, station.commune_id)
    if station.kind == Station.Kind.FM:
        if station.frequency_mhz is None:
            raise BroadcastError("Đài FM phải có tần số.", "An FM station needs its frequency.", "frequency_mhz")
        if not station.licence_number:
            raise BroadcastError("Đài FM phải có số giấy phép tần số.", "An FM station needs its licence number.",
                                 "licence_number")
    else:
        station.frequency_mhz = None
    if station.kind == Station.Kind.IP and station.conversion in ("planned", "in_progress"):
        raise BroadcastError("Đài ứng dụng CNTT-VT không còn gì để chuyển đổi.",
                             "An IT-based station has nothing left to convert.", "conversion")
    station.full_clean()
    station.save()
    return station


@transaction.atomic
def register_device(user, device: Device) -> Device:
    """Add or change a receive-and-play unit or display board, in a commune the user reaches."""
    _check_commune(user, device.commune_id)
    if device.village_id is not None and device.village.commune_id != device.commune_id:
        raise BroadcastError("Thôn, bản không thuộc xã đã chọn.", "The village is not in the chosen commune.",
                             "village")
    if device.station_id is not None and device.station.commune_id != device.commune_id:
        raise BroadcastError("Đài truyền thanh không thuộc xã đã chọn.", "The station is not in the chosen commune.",
                             "station")
    if device.pk is None and Device.objects.filter(device_id=device.device_id).exists():
        raise BroadcastError("Mã thiết bị đã được dùng.", "This device id is already used.", "device_id", 409)
    try:
        device.full_clean()
    except Exception as error:
        raise BroadcastError(f"Thông tin thiết bị không hợp lệ: {error}", f"Invalid device: {error}") from error
    device.save()
    DeviceState.objects.get_or_create(device=device)
    return device
