"""The demo province's grassroots radio: a station per commune (most IT-based, the rest FM or wired with their
conversion plans, some FM ones on frequencies outside the plan), a few hundred receive-and-play units in the
villages and a few display boards, the people who broadcast (the provincial source system, an approver, the
emergency role, a commune's operator), three bulletins read aloud, a week of schedules and one emergency
broadcast in the history.

Seeded (the same every time) and idempotent: a second run finds the stations and writes nothing. Nothing
here is official: names, frequencies and positions are plausible examples.
"""

from __future__ import annotations

import datetime
import random
import shutil
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tinhso.broadcast import services
from tinhso.broadcast.models import (
    Area,
    BroadcastMembership,
    BroadcastRole,
    Bulletin,
    Device,
    DeviceEvent,
    DeviceState,
    EmergencyReceipt,
    Station,
)
from tinhso.geo import sources
from tinhso.geo.models import Commune

UNITS_TARGET = 300
LOGINS = (("truyenthanh", BroadcastRole.SOURCE_OPERATOR, "Hệ thống nguồn"),
          ("tt_duyet", BroadcastRole.APPROVER, "Duyệt nội dung"),
          ("tt_khancap", BroadcastRole.EMERGENCY, "Phát khẩn cấp"))
BULLETINS = (
    ("Bản tin thời sự sáng", "Kính thưa bà con. Sau đây là bản tin thời sự buổi sáng của tỉnh."),
    ("Hướng dẫn phòng chống bão lũ", "Bà con kiểm tra, chằng chống nhà cửa, chuẩn bị lương thực, nước uống và "
                                     "đèn pin; không ra khơi khi có bão."),
    ("Tuyên truyền dịch vụ công trực tuyến", "Bà con có thể nộp hồ sơ thủ tục hành chính trực tuyến trên Cổng dịch "
                                             "vụ công của tỉnh, không phải đến trụ sở."),
)


def _user(username: str, password: str, first: str):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, first_name=first, last_name="Truyền thanh",
                                   password=make_password(password))
    return user


def load_demo_broadcast(province_code: str, password: str) -> dict:
    if Station.objects.exists():
        return {"stations": Station.objects.count(), "devices": Device.objects.count()}
    rng = random.Random(16)
    code = sources.province_code(province_code)
    centroids = sources.commune_centroids()
    communes = [(c, centroids.get((code, c.name))) for c in
                Commune.objects.filter(province__code=code).prefetch_related("villages").order_by("code")]
    communes = [(c, p) for c, p in communes if p]
    people = {}
    with transaction.atomic():
        for username, role, label in LOGINS:
            user = _user(username, password, label)
            BroadcastMembership.objects.get_or_create(user=user, role=role, valid_from=datetime.date(2025, 7, 1))
            people[role] = user
        stations = []
        for index, (commune, _point) in enumerate(communes):
            if index % 5 == 4:
                fm = index % 10 == 4
                stations.append(Station(
                    commune=commune, name=f"Đài truyền thanh {commune.name}", kind="fm" if fm else "wired",
                    frequency_mhz=Decimal(f"{54 + rng.randrange(0, 28) / 2:.2f}") if fm else None,
                    in_frequency_plan=not (fm and index % 20 == 4),
                    licence_number=f"{100 + index}/GP-CTS" if fm else "",
                    conversion=rng.choice(["planned", "in_progress"]),
                    conversion_due=datetime.date(2026 + index % 2, 12, 31),
                    conversion_note="Chuyển sang truyền thanh ứng dụng CNTT-VT theo Thông tư 39/2020/TT-BTTTT."))
            else:
                stations.append(Station(commune=commune, name=f"Đài truyền thanh {commune.name}", kind="ip"))
        for station in stations:
            station.save()
        by_commune = {s.commune_id: s for s in stations}
        per_commune = max(1, UNITS_TARGET // max(1, len(communes)))
        for commune, (lat, lon) in communes:
            villages = list(commune.villages.all())
            for number in range(per_commune):
                village = villages[number % len(villages)] if villages else None
                unit = Device(device_id=f"ctp-{commune.code}-{number + 1:02d}", commune=commune, village=village,
                              station=by_commune.get(commune.pk), latitude=lat + rng.uniform(-0.03, 0.03),
                              longitude=lon + rng.uniform(-0.03, 0.03), loudspeakers=rng.choice([2, 3, 4]),
                              firmware="2.4.1", sim_number=f"09{rng.randrange(10**7, 10**8)}")
                unit.save()
                DeviceState.objects.create(device=unit)
        for commune, (lat, lon) in communes[:5]:
            board = Device(device_id=f"bdt-{commune.code}", kind=Device.Kind.DISPLAY, commune=commune,
                           latitude=lat, longitude=lon, board_size="3 x 2 m", connection=Device.Connection.WIRED,
                           location=f"Trụ sở UBND {commune.name}")
            board.save()
            DeviceState.objects.create(device=board)
        first = communes[0][0]
        operator = _user("tt_xa", password, "Vận hành đài xã")
        BroadcastMembership.objects.get_or_create(user=operator, role=BroadcastRole.COMMUNE_OPERATOR, commune=first,
                                                  valid_from=datetime.date(2025, 7, 1))
    _programme(people)
    _emergency_history(people)
    return {"stations": len(stations), "devices": Device.objects.count()}


def _programme(people) -> None:
    """Three bulletins read aloud and approved, and a week of schedules from today."""
    source, approver = people[BroadcastRole.SOURCE_OPERATOR], people[BroadcastRole.APPROVER]
    today = timezone.localdate()
    for (title, text), (at, recurrence) in zip(BULLETINS, ((datetime.time(6, 0), "daily"),
                                                            (datetime.time(17, 0), "daily"),
                                                            (datetime.time(11, 0), "weekdays")), strict=True):
        bulletin = services.create_bulletin(source, title=title, kind=Bulletin.Kind.SPEECH, text=text)
        bulletin = services.decide_bulletin(approver, bulletin, approve=True)
        schedule = services.save_schedule(source, services.ScheduleDraft(
            bulletin=bulletin, area=Area.PROVINCE, starts_on=today, ends_on=today + datetime.timedelta(days=6),
            at=at, recurrence=recurrence), accept_conflicts=True)
        services.decide_schedule(approver, schedule, approve=True)
    # The display boards: a poster with its caption, every morning for the week.
    poster = services.create_bulletin(source, title="Tuần lễ chuyển đổi số", kind=Bulletin.Kind.DISPLAY,
                                      text="Chuyển đổi số toàn dân, toàn diện — nộp hồ sơ trực tuyến tại "
                                           "dichvucong.gov.vn", image=_poster(), display_seconds=60)
    poster = services.decide_bulletin(approver, poster, approve=True)
    schedule = services.save_schedule(source, services.ScheduleDraft(
        bulletin=poster, area=Area.PROVINCE, starts_on=today, ends_on=today + datetime.timedelta(days=6),
        at=datetime.time(7, 0), recurrence="daily"), accept_conflicts=True)
    services.decide_schedule(approver, schedule, approve=True)


def _poster() -> bytes:
    """A plain PNG poster for the demo's boards (the province's red and a yellow band)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (384, 256), (200, 16, 46))
    ImageDraw.Draw(image).rectangle((0, 200, 384, 256), fill=(255, 205, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _emergency_history(people) -> None:
    """Last week's flood warning to the first three communes, acknowledged and ended."""
    communes = list(Commune.objects.filter(radio_devices__isnull=False).distinct().order_by("code")[:3])
    emergency = services.propose_emergency(
        people[BroadcastRole.EMERGENCY], title="Cảnh báo lũ trên sông",
        message="Mực nước sông đang lên nhanh. Bà con vùng trũng di chuyển người và tài sản lên nơi cao ngay.",
        area=Area.COMMUNES, communes=communes, repeats=3, minutes=60)
    services.end_emergency(people[BroadcastRole.EMERGENCY], emergency)
    shift = datetime.timedelta(days=5)
    rng = random.Random(3)
    for receipt in EmergencyReceipt.objects.filter(emergency=emergency):
        receipt.sent_at -= shift
        receipt.started_at = receipt.sent_at + datetime.timedelta(seconds=rng.uniform(0.3, 4))
        receipt.ended_at = receipt.sent_at + datetime.timedelta(minutes=12)
        receipt.save()
    type(emergency).objects.filter(pk=emergency.pk).update(
        proposed_at=emergency.proposed_at - shift, started_at=emergency.started_at - shift,
        ended_at=emergency.started_at - shift + datetime.timedelta(minutes=12), expires_at=emergency.expires_at - shift)
    played = [DeviceEvent(device_id=pk, kind=DeviceEvent.Kind.PLAYED, seconds=900,
                          at=timezone.now() - datetime.timedelta(days=day, hours=rng.randrange(0, 12)))
              for pk in Device.objects.filter(kind="receiver").values_list("pk", flat=True) for day in range(1, 8)]
    DeviceEvent.objects.bulk_create(played, batch_size=2000)



def start_broker(data_dir, *, prefer_mosquitto: bool = True) -> tuple[dict[str, str], object]:
    """An MQTT broker on loopback for the demo, with the registry's devices: Debian's Mosquitto when it is
    installed, else the embedded pure-Python one (amqtt). None when BROADCAST_MQTT_URL already names a broker
    or neither can run. Returns the environment the demo's processes need, and the broker."""
    from django.conf import settings

    from tinhso.broadcast import embedded_broker
    from tinhso.broadcast.link import registry_credentials
    from tinhso.testing.mosquitto import Broker, find_mosquitto

    if settings.BROADCAST_MQTT_URL:
        return {}, None
    folder = data_dir / "mqtt"
    folder.mkdir(parents=True, exist_ok=True)
    if prefer_mosquitto and find_mosquitto() is not None:
        broker = Broker(folder=folder).start(registry_credentials())
    elif embedded_broker.available():
        broker = embedded_broker.EmbeddedBroker(folder=folder).start(registry_credentials())
    else:
        return {}, None
    return {"BROADCAST_MQTT_URL": broker.url}, broker


def start_icecast(data_dir) -> tuple[dict[str, str], object]:
    """Icecast on loopback for the demo's live broadcasts, when Debian's ``icecast2`` is installed and
    BROADCAST_ICECAST_URL names no server. Returns the environment the demo's processes need, and the server
    (None: live broadcast is unavailable; its page says so)."""
    from django.conf import settings

    from tinhso.testing.icecast import Icecast, find_icecast

    if settings.BROADCAST_ICECAST_URL or find_icecast() is None:
        return {}, None
    folder = data_dir / "icecast"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        server = Icecast(folder=folder).start()
    except RuntimeError:
        return {}, None
    return server.environment(), server


def describe_icecast(server) -> str:
    from django.conf import settings

    if server is None and settings.BROADCAST_ICECAST_URL:
        return f"Phát trực tiếp: máy chủ Icecast {settings.BROADCAST_ICECAST_URL}."
    if server is None:
        return "Phát trực tiếp: chưa cài icecast2 (Debian), trang phát trực tiếp báo chưa có máy chủ."
    return f"Phát trực tiếp: Icecast trên 127.0.0.1:{server.port}, tiến trình chuyển tiếp tinhso broadcast relay."


def describe(broker) -> str:
    if broker is None:
        return ("Truyền thanh cơ sở: chưa có máy chủ MQTT (cài gói mosquitto hoặc amqtt, hoặc đặt BROADCAST_MQTT_URL); "
                "các cụm thu phát ảo không chạy.")
    name = "máy chủ MQTT nhúng amqtt (chưa cài mosquitto)" if broker.name == "amqtt" else broker.name
    return (f"Truyền thanh cơ sở: {name} trên 127.0.0.1:{broker.port}, 300 cụm thu phát ảo; đăng nhập "
            "truyenthanh (nguồn tỉnh), tt_duyet (duyệt), tt_khancap (phát khẩn cấp), tt_xa (đài xã).")
