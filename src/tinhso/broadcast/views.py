"""Pages of the grassroots radio under /truyen-thanh/, and the file download the devices use."""

from __future__ import annotations

import hmac

from django.http import FileResponse, Http404, HttpResponse

from tinhso.broadcast import selectors
from tinhso.broadcast.models import Bulletin, Device


def _device_from_header(request) -> Device | None:
    """A device authenticates a download with ``Authorization: Device <device id>:<secret>``."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Device ") or ":" not in header:
        return None
    device_id, _sep, secret = header[7:].partition(":")
    unit = Device.objects.filter(device_id=device_id.strip()).exclude(state=Device.State.RETIRED).first()
    if unit is None or not hmac.compare_digest(unit.secret, secret.strip()):
        return None
    return unit


def bulletin_audio(request, pk: int):
    """An approved bulletin's MP3, for a device (its credentials) or a person who may see the bulletin."""
    bulletin = Bulletin.objects.filter(pk=pk, audio__gt="").first()
    if bulletin is None:
        raise Http404
    if _device_from_header(request) is not None:
        if bulletin.state != Bulletin.State.APPROVED:
            raise Http404
    elif not selectors.visible_bulletins(request.user).filter(pk=pk).exists():
        if not request.user.is_authenticated:
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Device"})
        raise Http404
    response = FileResponse(bulletin.audio.open("rb"), content_type="audio/mpeg")
    response["ETag"] = f'"{bulletin.sha256}"'
    return response
