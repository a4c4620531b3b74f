"""Display boards: what they show (a text, an image judged by content, or both, for a number of seconds), the
schedules that reach the boards and only the boards, the image served to a board with its credentials, and a
simulated board showing its programme."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.urls import reverse
from PIL import Image

from tinhso.broadcast import programme, services
from tinhso.broadcast.models import Area, BroadcastRole, Bulletin, Device
from tinhso.broadcast.services import ScheduleDraft
from tinhso.broadcast.simulator import Fleet, Unit
from tinhso.broadcast.tests.factories import DeviceFactory, approved_bulletin, person
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def _png(size=(64, 32), colour=(200, 16, 46)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _board(commune, **fields) -> Device:
    return DeviceFactory(commune=commune, kind=Device.Kind.DISPLAY, board_size="3 x 2 m", **fields)


def _approved_display(source, approver, **kwargs) -> Bulletin:
    bulletin = services.create_bulletin(source, title="Lịch tiêm chủng tháng 12", kind=Bulletin.Kind.DISPLAY,
                                        **kwargs)
    return services.decide_bulletin(approver, bulletin, approve=True)


def test_a_display_bulletin_is_a_text_an_image_or_both_for_a_bounded_time():
    source = person(BroadcastRole.SOURCE_OPERATOR)
    image = _png()
    both = services.create_bulletin(source, title="Phòng chống dịch", kind=Bulletin.Kind.DISPLAY,
                                    text="Rửa tay thường xuyên", image=image, display_seconds=45)
    assert both.duration_seconds == 45 and both.image_type == "image/png"
    assert both.sha256 == hashlib.sha256(image).hexdigest()
    assert both.image.read() == image
    text_only = services.create_bulletin(source, title="Thông báo", kind=Bulletin.Kind.DISPLAY, text="Cắt điện")
    assert text_only.duration_seconds == 30 and not text_only.image and text_only.sha256 == ""
    before = Bulletin.objects.count()
    refusals = [
        ({"text": ""}, "text"),
        ({"text": "x", "display_seconds": 2}, "display_seconds"),
        ({"text": "x", "display_seconds": 7200}, "display_seconds"),
        # Judged by content: a PDF or HTML named like an image is refused, and so is an image beyond 5 MB.
        ({"image": b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}, "image"),
        ({"image": b"<html><script>alert(1)</script></html>"}, "image"),
        ({"image": b"\x89PNG\r\n\x1a\n" + b"\0" * (services.DISPLAY_IMAGE_MAX_BYTES + 1)}, "image"),
    ]
    for kwargs, field in refusals:
        with pytest.raises(services.BroadcastError) as refused:
            services.create_bulletin(source, title="Sai", kind=Bulletin.Kind.DISPLAY, **kwargs)
        assert refused.value.field == field, kwargs
        assert refused.value.status == 400
    assert Bulletin.objects.count() == before


def test_display_content_reaches_the_boards_of_its_area_and_sound_only_the_units():
    commune = CommuneFactory()
    unit, board = DeviceFactory(commune=commune), _board(commune)
    source, approver = person(BroadcastRole.SOURCE_OPERATOR), person(BroadcastRole.APPROVER)
    poster = _approved_display(source, approver, text="Tuần lễ chuyển đổi số", image=_png(), display_seconds=60)
    news = approved_bulletin()
    for bulletin in (poster, news):
        schedule = services.save_schedule(source, ScheduleDraft(bulletin=bulletin, area=Area.COMMUNES,
                                                                communes=[commune], starts_on=MONDAY,
                                                                at=datetime.time(7, 0)))
        services.decide_schedule(approver, schedule, approve=True)
    assert programme.schedule_devices(schedule) == {unit.pk}
    shown = programme.device_programme(board, today=MONDAY)["items"]
    played = programme.device_programme(unit, today=MONDAY)["items"]
    assert [(i["bulletin"], i["kind"], i["text"], i["seconds"]) for i in shown] == [
        (poster.pk, "display", "Tuần lễ chuyển đổi số", 60)]
    assert shown[0]["url"] == reverse("broadcast:bulletin-image", args=[poster.pk])
    assert shown[0]["sha256"] == poster.sha256
    assert [i["bulletin"] for i in played] == [news.pk]
    # Boards conflict with boards: a second poster at the same minute is shown before saving.
    second = _approved_display(source, approver, text="Lịch cắt điện")
    with pytest.raises(services.ScheduleConflicts):
        services.save_schedule(source, ScheduleDraft(bulletin=second, area=Area.COMMUNES, communes=[commune],
                                                     starts_on=MONDAY, at=datetime.time(7, 0)))
    # Named devices of the wrong kind are refused with the reason.
    with pytest.raises(services.BroadcastError) as refused:
        services.save_schedule(source, ScheduleDraft(bulletin=second, area=Area.DEVICES, devices=[unit],
                                                     starts_on=MONDAY, at=datetime.time(9, 0)))
    assert refused.value.field == "devices" and "bảng điện tử" in refused.value.message
    with pytest.raises(services.BroadcastError) as refused:
        services.save_schedule(source, ScheduleDraft(bulletin=news, area=Area.DEVICES, devices=[board],
                                                     starts_on=MONDAY, at=datetime.time(9, 0)))
    assert refused.value.field == "devices"


def test_the_image_goes_to_a_board_with_its_credentials_and_to_no_one_else(client):
    commune = CommuneFactory()
    board = _board(commune)
    source, approver = person(BroadcastRole.SOURCE_OPERATOR), person(BroadcastRole.APPROVER)
    image = _png()
    poster = _approved_display(source, approver, image=image)
    url = reverse("broadcast:bulletin-image", args=[poster.pk])
    answer = client.get(url, HTTP_AUTHORIZATION=f"Device {board.device_id}:{board.secret}")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content) == image
    assert answer["ETag"] == f'"{poster.sha256}"'
    assert client.get(url, HTTP_AUTHORIZATION=f"Device {board.device_id}:wrong").status_code == 401
    assert client.get(url).status_code == 401
    # A commune's operator elsewhere does not see the province's draft either; a text-only bulletin has no image.
    draft = services.create_bulletin(source, title="Nháp", kind=Bulletin.Kind.DISPLAY, image=image)
    client.force_login(person(BroadcastRole.COMMUNE_OPERATOR, CommuneFactory()))
    assert client.get(reverse("broadcast:bulletin-image", args=[draft.pk])).status_code == 404
    text_only = _approved_display(source, approver, text="Chữ")
    assert client.get(reverse("broadcast:bulletin-image", args=[text_only.pk]),
                      HTTP_AUTHORIZATION=f"Device {board.device_id}:{board.secret}").status_code == 404


def test_a_simulated_board_shows_a_text_without_fetching_anything():
    commune = CommuneFactory()
    board = _board(commune)
    source, approver = person(BroadcastRole.SOURCE_OPERATOR), person(BroadcastRole.APPROVER)
    notice = _approved_display(source, approver, text="Nghỉ Tết từ 14/02/2027", display_seconds=30)
    start = datetime.datetime.now().astimezone().replace(microsecond=0)
    fleet = Fleet("mqtt://unused:unused@127.0.0.1:1", [Unit(board.device_id, board.secret)])
    virtual = fleet.units[board.device_id]
    sent: list[dict] = []
    fleet._send = lambda unit, body: sent.append(body)
    fleet.obey(virtual, {"cmd": "schedule", "version": "1", "items": [
        {"at": start.isoformat(), "bulletin": notice.pk, "seconds": 30, "kind": "display", "text": notice.text,
         "sha256": "", "url": ""}]})
    fleet.tick(virtual, start.timestamp() + 1)
    assert virtual.playing == f"bulletin:{notice.pk}"
    assert not any(body.get("kind") == "playback_failed" for body in sent)


def test_an_operator_adds_an_image_for_the_boards_on_the_bulletins_page(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = person(BroadcastRole.SOURCE_OPERATOR)
    client.force_login(source)
    page = reverse("broadcast:bulletins")
    answer = client.post(page, {"title": "Ngày hội đọc sách", "kind": "display", "text": "",
                                "display_seconds": "20",
                                "image": SimpleUploadedFile("poster.png", _png(), content_type="image/png")})
    assert answer.status_code == 302
    made = Bulletin.objects.get(title="Ngày hội đọc sách")
    assert made.image and made.duration_seconds == 20
    listing = client.get(page).content.decode()
    assert reverse("broadcast:bulletin-image", args=[made.pk]) in listing
    refused = client.post(page, {"title": "Giả ảnh", "kind": "display", "text": "",
                                 "image": SimpleUploadedFile("poster.png", b"<svg onload=alert(1)>",
                                                             content_type="image/png")})
    assert refused.status_code == 400
    assert not Bulletin.objects.filter(title="Giả ảnh").exists()
