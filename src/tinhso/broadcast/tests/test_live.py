"""Live broadcast of a relayed stream with a real Icecast and a real Mosquitto on loopback: the province's server
relays the stream on a mount of its own, the area's simulated units play it and report the delay they measure,
the operator ends it and they stop; scope, bad addresses, expiry and pre-emption."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from tinhso.broadcast import live, live_sessions, services
from tinhso.broadcast.models import Area, BroadcastRole, LiveBroadcast, LiveReceipt
from tinhso.broadcast.simulator import Fleet, Unit
from tinhso.broadcast.tests.factories import DeviceFactory, person
from tinhso.common.audit import AuditEntry
from tinhso.geo.tests.factories import CommuneFactory, VillageFactory

pytestmark = pytest.mark.django_db


def _live_audit() -> list[str]:
    return list(AuditEntry.objects.filter(object_type="broadcast.livebroadcast").values_list("summary", flat=True))


def test_a_relayed_stream_reaches_the_units_with_a_measured_delay_and_ending_stops_them(
        mqtt, live_relay, icecast, django_capture_on_commit_callbacks):
    commune, elsewhere = CommuneFactory(), CommuneFactory()
    units = [DeviceFactory(commune=commune) for _ in range(3)]
    outside = DeviceFactory(commune=elsewhere)
    mqtt.admit()
    fleet = Fleet(mqtt.broker.url, [Unit(d.device_id, d.secret) for d in [*units, outside]]).start()
    assert fleet.wait_connected(10)
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            session = live_sessions.start_live(operator, title="Tiếp sóng Đài tỉnh", area=Area.COMMUNES,
                                          communes=[commune], source_url=icecast.upstream, minutes=5)
        assert session.commune == commune and session.mount.startswith("/tinhso-live-")
        live_relay.sync()
        assert set(live_relay.sessions) == {session.pk}

        def measured():
            heard = LiveReceipt.objects.filter(live=session, playing_at__isnull=False, delay_ms__isnull=False)
            return heard.count() == 3

        mqtt.pump(until=measured, seconds=20)
        progress = live_sessions.live_progress(session)
        print(f"\nLIVE relay delay: median {progress['delay_median_ms']} ms, max {progress['delay_max_ms']} ms")
        assert progress["devices"] == 3 and progress["playing"] == 3
        assert 0 <= progress["delay_median_ms"] <= progress["delay_max_ms"] < 5000
        # The units read the province's mount, not the source; the one outside the area heard nothing.
        for unit in units:
            virtual = fleet.units[unit.device_id]
            assert virtual.live["url"] == live.public_url(session.mount)
            assert virtual.live_stream.received > 0 and virtual.playing == f"live:{session.pk}"
        assert fleet.units[outside.device_id].live is None
        assert "Bắt đầu phát trực tiếp: Tiếp sóng Đài tỉnh" in _live_audit()

        with django_capture_on_commit_callbacks(execute=True):
            live_sessions.end_live(operator, session)
        live_relay.sync()
        assert live_relay.sessions == {}
        mqtt.pump(until=lambda: LiveReceipt.objects.filter(live=session, stopped_at__isnull=False).count() == 3,
                  seconds=10)
        assert live_sessions.live_progress(session)["stopped"] == 3
        for unit in units:
            virtual = fleet.units[unit.device_id]
            assert virtual.live is None and virtual.live_stream is None and virtual.playing == ""
        with pytest.raises(urllib.error.HTTPError):  # the mount is gone from the server
            time.sleep(0.5)
            urllib.request.urlopen(live.public_url(session.mount), timeout=2)  # noqa: S310 (loopback)
        summaries = _live_audit()
        assert "Kết thúc phát trực tiếp: Tiếp sóng Đài tỉnh" in summaries
        assert any(s.startswith("Thiết bị báo phát trực tiếp") for s in summaries)
    finally:
        fleet.stop()


def test_an_operator_cannot_broadcast_live_in_another_commune(live_relay, icecast):
    mine, theirs = CommuneFactory(), CommuneFactory()
    DeviceFactory(commune=mine)
    their_unit = DeviceFactory(commune=theirs, village=VillageFactory(commune=theirs))
    operator = person(BroadcastRole.COMMUNE_OPERATOR, mine)
    for area in ({"area": Area.COMMUNES, "communes": [theirs]}, {"area": Area.DEVICES, "devices": [their_unit]},
                 {"area": Area.VILLAGES, "villages": [their_unit.village]}, {"area": Area.PROVINCE}):
        with pytest.raises(services.BroadcastError) as refused:
            live_sessions.start_live(operator, title="Thông báo", source_url=icecast.upstream, **area)
        assert refused.value.status == 403 and refused.value.message == "Bạn không có quyền với xã này."
    with pytest.raises(services.BroadcastError) as refused:  # an approver approves; they do not broadcast
        live_sessions.start_live(person(BroadcastRole.APPROVER), title="Thông báo", area=Area.PROVINCE,
                            source_url=icecast.upstream)
    assert refused.value.status == 403
    assert not LiveBroadcast.objects.exists() and not LiveReceipt.objects.exists() and not _live_audit()
    # The provincial source system reaches every commune (the session is the province's).
    session = live_sessions.start_live(person(BroadcastRole.SOURCE_OPERATOR), title="Thông báo", area=Area.VILLAGES,
                                  villages=[their_unit.village], source_url=icecast.upstream)
    assert session.commune is None and list(session.receipts.values_list("device", flat=True)) == [their_unit.pk]
    # The operator of another commune can neither see nor end it.
    with pytest.raises(services.BroadcastError):
        live_sessions.end_live(operator, session)


@pytest.mark.parametrize(("url", "said"), [
    ("ftp://radio.example.vn/live.mp3", "Địa chỉ luồng phải bắt đầu bằng http:// hoặc https://."),
    ("javascript:alert(1)", "Địa chỉ luồng phải bắt đầu bằng http:// hoặc https://."),
    ("http:///khong-co-may-chu.mp3", "Địa chỉ luồng thiếu tên máy chủ."),
    ("", "Cần nhập địa chỉ luồng âm thanh."),
    ("{icecast}/khong-co-luong.mp3", "Luồng trả lời lỗi HTTP 404; kiểm tra lại địa chỉ."),
    ("{icecast}/status-json.xsl", "Địa chỉ này không phải luồng âm thanh (kiểu nội dung application/json)."),
    ("http://127.0.0.1:9/luong.mp3", "Không kết nối được tới luồng"),
])
def test_a_bad_stream_address_is_refused_in_vietnamese_and_nothing_is_written(live_relay, icecast, url, said):
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    with pytest.raises(services.BroadcastError) as refused:
        live_sessions.start_live(person(BroadcastRole.COMMUNE_OPERATOR, commune), title="Tiếp sóng", area=Area.COMMUNES,
                            communes=[commune], source_url=url.format(icecast=icecast.url))
    assert refused.value.message.startswith(said) and refused.value.status == 400
    assert refused.value.field == "source_url"
    assert not LiveBroadcast.objects.exists() and not LiveReceipt.objects.exists() and not _live_audit()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/dai-tinh.mp3",  # the platform's own machine
    "http://10.20.30.40/luong.mp3",  # the province's internal network
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "http://[::1]:{port}/dai-tinh.mp3",
    "http://localhost:{port}/dai-tinh.mp3",
])
def test_a_stream_inside_the_network_is_refused_unless_its_host_is_allowed(live_relay, icecast, settings, url):
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    settings.BROADCAST_LIVE_SOURCE_HOSTS = []
    with pytest.raises(services.BroadcastError) as refused:
        live_sessions.start_live(person(BroadcastRole.COMMUNE_OPERATOR, commune), title="Tiếp sóng", area=Area.COMMUNES,
                            communes=[commune], source_url=url.format(port=icecast.port))
    assert refused.value.message.startswith("Địa chỉ luồng trỏ vào mạng nội bộ")
    assert not LiveBroadcast.objects.exists() and not _live_audit()


def test_a_redirect_into_the_network_is_refused(live_relay, settings):
    import http.server
    import threading

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://10.20.30.40/luong.mp3")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    try:
        with pytest.raises(services.BroadcastError) as refused:
            live_sessions.start_live(person(BroadcastRole.COMMUNE_OPERATOR, commune), title="Tiếp sóng",
                                area=Area.COMMUNES, communes=[commune],
                                source_url=f"http://127.0.0.1:{server.server_port}/luong.mp3")
    finally:
        server.shutdown()
    assert "10.20.30.40" in refused.value.message and "mạng nội bộ" in refused.value.message
    assert not LiveBroadcast.objects.exists()


def test_the_page_starts_a_live_broadcast_and_refuses_a_bad_address(client, live_relay, icecast):
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    client.force_login(person(BroadcastRole.COMMUNE_OPERATOR, commune))
    page = client.get(reverse("broadcast:live-broadcasts"))
    assert page.status_code == 200 and "Tiếp sóng một luồng âm thanh" in page.content.decode()
    bad = client.post(reverse("broadcast:live-broadcasts"), {
        "title": "Tiếp sóng", "source_url": "ftp://x/y.mp3", "area": "communes", "communes": [commune.pk],
        "minutes": 30})
    assert bad.status_code == 400 and "phải bắt đầu bằng http:// hoặc https://" in bad.content.decode()
    assert not LiveBroadcast.objects.exists()
    good = client.post(reverse("broadcast:live-broadcasts"), {
        "title": "Tiếp sóng", "source_url": icecast.upstream, "area": "communes", "communes": [commune.pk],
        "minutes": 30})
    session = LiveBroadcast.objects.get()
    assert good.status_code == 302 and good.url == reverse("broadcast:live", args=[session.pk])
    shown = client.get(good.url).content.decode()
    assert "Kết thúc phát trực tiếp" in shown and session.mount in shown
    assert client.get(reverse("broadcast:live-progress", args=[session.pk])).json()["devices"] == 1
    client.post(reverse("broadcast:live-end", args=[session.pk]))
    session.refresh_from_db()
    assert session.state == LiveBroadcast.State.ENDED


def test_without_icecast_the_page_says_so(client, settings):
    settings.BROADCAST_ICECAST_URL = ""
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    client.force_login(person(BroadcastRole.COMMUNE_OPERATOR, commune))
    page = client.get(reverse("broadcast:live-broadcasts")).content.decode()
    assert "Chưa có máy chủ phát trực tiếp: cài gói icecast2" in page and "live-form" not in page
    refused = client.post(reverse("broadcast:live-broadcasts"), {
        "title": "Tiếp sóng", "source_url": "http://radio.example.vn/a.mp3", "area": "communes",
        "communes": [commune.pk], "minutes": 30})
    assert refused.status_code == 503 and not LiveBroadcast.objects.exists()


def test_an_expired_live_broadcast_ends_by_itself(live_relay, icecast, django_capture_on_commit_callbacks):
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    session = live_sessions.start_live(person(BroadcastRole.COMMUNE_OPERATOR, commune), title="Tiếp sóng",
                                  area=Area.COMMUNES, communes=[commune], source_url=icecast.upstream, minutes=1)
    assert live_sessions.expire_live() == 0
    LiveBroadcast.objects.filter(pk=session.pk).update(expires_at=session.started_at)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert live_sessions.expire_live() == 1
    session.refresh_from_db()
    assert session.state == LiveBroadcast.State.ENDED and session.ended_by is None
    assert len(sent) == 1 and "Hết hạn phát trực tiếp: Tiếp sóng" in _live_audit()


def test_a_live_broadcast_pre_empts_the_schedule_and_an_emergency_pre_empts_it(icecast):
    """The unit's side: the live stream interrupts a bulletin of its programme; an emergency interrupts the
    stream, which comes back when the emergency ends."""
    import datetime

    unit = Unit("ctp-live", "s3cret")
    fleet = Fleet("mqtt://x:y@127.0.0.1:1", [unit])
    now = time.time()
    unit.programme = [{"at": datetime.datetime.fromtimestamp(now - 1).astimezone().isoformat(), "bulletin": 4,
                       "seconds": 600, "sha256": "a" * 64, "url": ""}]
    fleet.tick(unit, now)
    assert unit.playing == "bulletin:4"
    fleet.obey(unit, {"cmd": "live_start", "live": 9, "url": icecast.upstream, "expires": now + 60})
    deadline = time.time() + 10
    while time.time() < deadline and unit.playing != "live:9":
        fleet.tick(unit, time.time())
        time.sleep(0.05)
    assert unit.playing == "live:9" and unit.live_stream.received > 0
    fleet.obey(unit, {"cmd": "play", "bulletin": 5, "url": "/x", "sha256": "b" * 64, "seconds": 5})
    assert unit.playing == "live:9"  # a bulletin does not interrupt a live broadcast
    fleet.obey(unit, {"cmd": "emergency_start", "emergency": 3, "seconds": 30, "repeats": 1, "expires": now + 60})
    assert unit.playing == "emergency:3" and unit.live_stream is None and unit.live["id"] == 9
    fleet.obey(unit, {"cmd": "emergency_end", "emergency": 3})
    deadline = time.time() + 10
    while time.time() < deadline and unit.playing != "live:9":
        fleet.tick(unit, time.time())
        time.sleep(0.05)
    assert unit.playing == "live:9"  # back to the live broadcast after the emergency
    fleet.obey(unit, {"cmd": "live_stop", "live": 9})
    assert unit.live is None and unit.playing == ""
    fleet.stop()


def test_the_microphone_reaches_the_units_with_the_delay_measured_end_to_end(
        mqtt, live_relay, icecast, django_capture_on_commit_callbacks):
    """The browser's side played by ffmpeg recording a tone in real time as Opus in WebM, posted piece by
    piece with the moment it was recorded; the relay feeds the pieces to the mount; the units play it and
    report the delay from that moment."""
    import queue
    import subprocess
    import threading

    commune = CommuneFactory()
    units = [DeviceFactory(commune=commune) for _ in range(2)]
    mqtt.admit()
    fleet = Fleet(mqtt.broker.url, [Unit(d.device_id, d.secret) for d in units]).start()
    assert fleet.wait_connected(10)
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    recorder = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "sine=frequency=660:sample_rate=48000", "-c:a", "libopus", "-b:a", "32k", "-f", "webm", "-live", "1",
         "-cluster_time_limit", "250", "pipe:1"], stdout=subprocess.PIPE)
    pieces: queue.Queue[tuple[bytes, float]] = queue.Queue()

    def record():
        while block := recorder.stdout.read1(65536):
            pieces.put((block, time.time()))

    threading.Thread(target=record, daemon=True).start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            session = live_sessions.start_live(operator, title="Chủ tịch xã thông báo", area=Area.COMMUNES,
                                          communes=[commune], source=LiveBroadcast.Source.MICROPHONE)
        assert session.source_url == ""
        with pytest.raises(services.BroadcastError) as refused:  # only the one who started it speaks
            live_sessions.take_chunk(person(BroadcastRole.COMMUNE_OPERATOR, commune), session, seq=0,
                                captured_at=time.time(), data=b"x")
        assert refused.value.status == 403
        live_relay.sync()
        seq, deadline = 0, time.monotonic() + 25
        heard = LiveReceipt.objects.filter(live=session, playing_at__isnull=False, delay_ms__isnull=False)
        while time.monotonic() < deadline and heard.count() < 2:
            while not pieces.empty():
                block, at = pieces.get()
                live_sessions.take_chunk(operator, session, seq=seq, captured_at=at, data=block)
                seq += 1
            live_relay.feed()
            services.take_reports(mqtt.listener.take(timeout=0.05))
        progress = live_sessions.live_progress(session)
        print(f"\nLIVE microphone delay: median {progress['delay_median_ms']} ms, max {progress['delay_max_ms']} ms")
        assert progress["playing"] == 2 and 0 <= progress["delay_median_ms"] <= progress["delay_max_ms"] < 5000
        # The pieces written are gone but WebM's header, which a restarted ffmpeg needs again.
        assert session.chunks.filter(seq=0).exists() and session.chunks.count() < seq
        with django_capture_on_commit_callbacks(execute=True):
            live_sessions.end_live(operator, session)
        assert not session.chunks.exists()
        with pytest.raises(services.BroadcastError) as refused:
            live_sessions.take_chunk(operator, session, seq=seq, captured_at=time.time(), data=b"x")
        assert refused.value.status == 409 and not session.chunks.exists()
    finally:
        recorder.terminate()
        fleet.stop()


def test_the_microphone_page_starts_a_session_that_takes_pieces_from_its_starter_only(client, live_relay):
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    client.force_login(operator)
    page = client.get(reverse("broadcast:live-microphone")).content.decode()
    assert "Bắt đầu phát trực tiếp từ micrô" in page and "source_url" not in page
    started = client.post(reverse("broadcast:live-microphone"), {
        "title": "Thông báo", "area": "communes", "communes": [commune.pk], "minutes": 10})
    session = LiveBroadcast.objects.get()
    assert started.status_code == 302 and session.source == LiveBroadcast.Source.MICROPHONE
    shown = client.get(started.url).content.decode()
    assert 'id="microphone"' in shown and "broadcast/microphone.js" in shown
    url = reverse("broadcast:live-chunk", args=[session.pk])
    now_ms = str(round(time.time() * 1000))
    ok = client.post(url, b"\x1a\x45\xdf\xa3webm", content_type="audio/webm", headers={
        "X-Chunk-Seq": "0", "X-Captured-At": now_ms})
    assert ok.status_code == 204 and bytes(session.chunks.get().data) == b"\x1a\x45\xdf\xa3webm"
    bad = client.post(url, b"x", content_type="audio/webm", headers={"X-Chunk-Seq": "a", "X-Captured-At": now_ms})
    assert bad.status_code == 400 and "không hợp lệ" in bad.json()["error"]
    assert client.get(reverse("broadcast:live-clock")).json()["now"] > 0
    client.force_login(person(BroadcastRole.SOURCE_OPERATOR))  # sees the session, does not speak in it
    assert 'id="microphone"' not in client.get(started.url).content.decode()
    other = client.post(url, b"x", content_type="audio/webm", headers={"X-Chunk-Seq": "1", "X-Captured-At": now_ms})
    assert other.status_code == 403 and session.chunks.count() == 1
