"""Live broadcast through the province's Icecast server: the checks on a stream to relay, the mount each
session is served on, and the relay (``tinhso broadcast relay``) that keeps one ffmpeg per live session.

The units only ever connect to the province's server: for a relayed stream, ffmpeg reads the source and sends
it, transcoded to mono MP3 (what every unit plays), to the session's mount as an Icecast source. Every second
the relay stamps the time into the mount's in-band metadata (``StreamTitle='tinhso:<epoch ms>'``, through
Icecast's admin interface); a unit reading the stream with ``Icy-MetaData: 1`` meets each stamp where the
audio of that moment is, and reports the difference to its clock as the delay.

For the operator's microphone, the browser records Opus in WebM in quarter-second pieces and posts each with
the moment it was recorded (on the server's clock, the page measures the offset); the web process stores them
(:class:`~tinhso.broadcast.models.LiveChunk`), the relay writes them to the session's ffmpeg (WebM in, MP3 out
to the mount) and stamps the mount with the recording time of the last piece written, so the delay the units
report runs from the operator's microphone to the unit (ffmpeg's own few tens of milliseconds aside).

The relay is one process for the whole deployment (like the MQTT link), not the web processes: any web
process may start or end a session (a row in the database), the relay follows the rows — it starts ffmpeg
for a new session, restarts one that died, and stops it when the session ends or expires.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger("tinhso.broadcast")

BITRATE = "64k"  # mono MP3 for loudspeakers
STAMP_EVERY = 1.0  # seconds between two time stamps in a mount's metadata
STAMP_PREFIX = "tinhso:"
PROBE_TIMEOUT = 5.0
AUDIO_TYPES = ("audio/", "application/ogg", "application/octet-stream")


class StreamRefused(Exception):
    """A stream URL the platform will not relay: the Vietnamese and English reasons."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message, self.message_en = message, message_en


def available() -> tuple[bool, str, str]:
    """Whether live broadcast can run here, and if not why (Vietnamese, English)."""
    if not settings.BROADCAST_ICECAST_URL:
        return (False, "Chưa có máy chủ phát trực tiếp: cài gói icecast2 (Debian) và đặt BROADCAST_ICECAST_URL "
                       "cùng mật khẩu của máy chủ trong cấu hình.",
                "No live broadcast server: install the icecast2 package (Debian) and set BROADCAST_ICECAST_URL "
                "and the server's passwords in the configuration.")
    if shutil.which("ffmpeg") is None:
        return (False, "Chưa cài ffmpeg (gói ffmpeg của Debian) để chuyển tiếp luồng phát trực tiếp.",
                "ffmpeg is not installed (Debian's ffmpeg package) to relay live broadcasts.")
    return True, "", ""


def public_url(mount: str) -> str:
    """The address the units play a mount from."""
    base = (settings.BROADCAST_ICECAST_PUBLIC_URL or settings.BROADCAST_ICECAST_URL).rstrip("/")
    return base + mount


def check_stream_url(url: str) -> str:
    """A stream the platform may relay: an http or https URL that answers with audio. Returns it cleaned;
    raises :class:`StreamRefused` saying what is wrong."""
    url = (url or "").strip()
    if not url:
        raise StreamRefused("Cần nhập địa chỉ luồng âm thanh.", "Enter the audio stream's address.")
    if len(url) > 500 or any(c.isspace() for c in url):
        raise StreamRefused("Địa chỉ luồng không hợp lệ.", "The stream address is not valid.")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise StreamRefused("Địa chỉ luồng phải bắt đầu bằng http:// hoặc https://.",
                            "The stream address must start with http:// or https://.")
    if not parts.hostname:
        raise StreamRefused("Địa chỉ luồng thiếu tên máy chủ.", "The stream address has no host.")
    check_stream_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    request = urllib.request.Request(url, headers={"User-Agent": "tinhso-live-relay",  # noqa: S310 (http/https)
                                                   "Icy-MetaData": "0"})
    opener = urllib.request.build_opener(_CheckedRedirects)
    try:
        with opener.open(request, timeout=PROBE_TIMEOUT) as answer:
            kind = answer.headers.get_content_type()
            first = answer.read(1)
    except urllib.error.HTTPError as error:
        raise StreamRefused(f"Luồng trả lời lỗi HTTP {error.code}; kiểm tra lại địa chỉ.",
                            f"The stream answered HTTP error {error.code}; check the address.") from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, StreamRefused):  # a redirect to where the platform does not go
            raise reason from None
        raise StreamRefused(f"Không kết nối được tới luồng ({reason}).",
                            f"Could not connect to the stream ({reason}).") from None
    if not kind.startswith(AUDIO_TYPES) or not first:
        raise StreamRefused(f"Địa chỉ này không phải luồng âm thanh (kiểu nội dung {kind}).",
                            f"This address is not an audio stream (content type {kind}).")
    return url


def check_stream_host(host: str, port: int) -> None:
    """Refuse a stream on the province's own network — a name or address resolving to loopback, private,
    link-local or other non-public addresses (the platform's servers, a cloud's metadata service) — unless the
    host is one of ``BROADCAST_LIVE_SOURCE_HOSTS``: an operator's address must not make the platform fetch from
    inside. A name that does not resolve is refused as unreachable."""
    if host.lower() in {allowed.lower() for allowed in settings.BROADCAST_LIVE_SOURCE_HOSTS}:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise StreamRefused(f"Không kết nối được tới luồng (không tìm thấy máy chủ {host}).",
                            f"Could not connect to the stream (no such host {host}).") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise StreamRefused(
                f"Địa chỉ luồng trỏ vào mạng nội bộ ({host} → {address}); chỉ tiếp sóng luồng trên Internet hoặc "
                "máy chủ có trong danh sách BROADCAST_LIVE_SOURCE_HOSTS của cấu hình.",
                f"The stream address points into an internal network ({host} → {address}); only streams on the "
                "internet or hosts listed in BROADCAST_LIVE_SOURCE_HOSTS are relayed.")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a stream's redirect only to an http(s) address the same rules accept."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        parts = urllib.parse.urlsplit(newurl)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise urllib.error.URLError(StreamRefused(
                "Luồng chuyển hướng tới địa chỉ không phải http:// hoặc https://.",
                "The stream redirects to an address that is not http:// or https://."))
        try:
            check_stream_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        except StreamRefused as refused:
            raise urllib.error.URLError(refused) from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _icecast_target(mount: str) -> str:
    parts = urllib.parse.urlsplit(settings.BROADCAST_ICECAST_URL)
    password = urllib.parse.quote(settings.BROADCAST_ICECAST_SOURCE_PASSWORD, safe="")
    return f"icecast://source:{password}@{parts.hostname}:{parts.port or 8000}{mount}"


def relay_command(source_url: str, mount: str, title: str) -> list[str]:
    """ffmpeg reading a stream and sending it to the mount as mono MP3, with as little buffering as it can."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_delay_max", "5",
            "-fflags", "nobuffer", "-probesize", "32768", "-analyzeduration", "500000",
            "-i", source_url, "-vn", "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", BITRATE,
            "-content_type", "audio/mpeg", "-ice_name", title[:100], "-flush_packets", "1",
            "-f", "mp3", _icecast_target(mount)]


def microphone_command(mount: str, title: str) -> list[str]:
    """ffmpeg reading the browser's WebM pieces on its standard input and sending mono MP3 to the mount."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-fflags", "nobuffer", "-probesize", "4096", "-analyzeduration", "0", "-f", "matroska", "-i", "pipe:0",
            "-vn", "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", BITRATE,
            "-content_type", "audio/mpeg", "-ice_name", title[:100], "-flush_packets", "1",
            "-f", "mp3", _icecast_target(mount)]


def stamp(mount: str, moment: float | None = None) -> bool:
    """Write the time into the mount's in-band metadata (Icecast's admin interface)."""
    moment = time.time() if moment is None else moment
    query = urllib.parse.urlencode({"mount": mount, "mode": "updinfo", "song": f"{STAMP_PREFIX}{moment * 1000:.0f}"})
    token = base64.b64encode(f"admin:{settings.BROADCAST_ICECAST_ADMIN_PASSWORD}".encode()).decode()
    request = urllib.request.Request(f"{settings.BROADCAST_ICECAST_URL.rstrip('/')}/admin/metadata?{query}",  # noqa: S310
                                     headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
            return b"<return>1</return>" in answer.read()
    except OSError:
        return False


def parse_stamp(title: str) -> float | None:
    """The moment (epoch seconds) in a ``StreamTitle`` stamped by :func:`stamp`, if it is one."""
    if not title.startswith(STAMP_PREFIX):
        return None
    try:
        return int(title[len(STAMP_PREFIX):]) / 1000
    except ValueError:
        return None


# -- the relay ------------------------------------------------------------------------------------------------

@dataclass
class Session:
    pk: int
    mount: str
    process: subprocess.Popen
    microphone: bool = False
    fed: int = -1  # the last piece of the microphone written to ffmpeg
    captured: float | None = None  # when that piece was recorded (server's clock)
    stamped: float | None = None
    started: float = field(default_factory=time.monotonic)


class Relays:
    """One ffmpeg per active live session: :meth:`sync` follows the database (call it every half second);
    a thread of its own stamps the time into each running mount."""

    RESTART_AFTER = 2.0  # seconds before a session whose ffmpeg died is started again

    def __init__(self):
        self.sessions: dict[int, Session] = {}
        self._died: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stamper = threading.Thread(target=self._stamp_loop, name="live-stamper", daemon=True)
        self._stamper.start()

    def sync(self) -> None:
        from django.utils import timezone

        from tinhso.broadcast.models import LiveBroadcast

        live = {row.pk: row for row in LiveBroadcast.objects.filter(state=LiveBroadcast.State.ACTIVE,
                                                                    expires_at__gt=timezone.now())}
        with self._lock:
            for pk in [pk for pk in self.sessions if pk not in live]:
                self._end(self.sessions.pop(pk))
            for pk, row in live.items():
                session = self.sessions.get(pk)
                if session is not None and session.process.poll() is not None:
                    logger.warning("live relay %s stopped (exit %s); starting it again", pk, session.process.returncode)
                    self.sessions.pop(pk)
                    self._died[pk] = time.monotonic()
                    session = None
                if session is None and time.monotonic() - self._died.get(pk, 0) >= self.RESTART_AFTER:
                    self.sessions[pk] = self._start(row)

    def _start(self, row) -> Session:
        microphone = row.source == row.Source.MICROPHONE
        command = microphone_command(row.mount, row.title) if microphone else relay_command(row.source_url,
                                                                                             row.mount, row.title)
        process = subprocess.Popen(command, stdin=subprocess.PIPE if microphone else subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._log, args=(row.pk, process), daemon=True).start()
        return Session(row.pk, row.mount, process, microphone=microphone)

    def feed(self) -> int:
        """Write the microphone's new pieces to their sessions' ffmpeg, in order (call it every 0.1 s); the
        pieces written are deleted, but the first (WebM's header, which a restarted ffmpeg needs again).
        Returns how many were written."""
        from tinhso.broadcast.models import LiveChunk

        with self._lock:
            waiting = {s.pk: s for s in self.sessions.values() if s.microphone and s.process.poll() is None}
        written = 0
        for pk, session in waiting.items():
            pieces = list(LiveChunk.objects.filter(live_id=pk, seq__gt=session.fed).order_by("seq")
                          .values_list("seq", "captured_at", "data")[:200])
            if session.fed < 0 and pieces and pieces[0][0] != 0:
                continue  # a new ffmpeg starts with WebM's header (the first piece), which has not arrived yet
            try:
                for seq, captured, data in pieces:
                    session.process.stdin.write(bytes(data))
                    session.fed, session.captured = seq, captured
                    written += 1
                session.process.stdin.flush()
            except (BrokenPipeError, OSError):
                continue  # ffmpeg died: :meth:`sync` starts it again
            if pieces:
                LiveChunk.objects.filter(live_id=pk, seq__gt=0, seq__lte=session.fed).delete()
        return written

    @staticmethod
    def _log(pk: int, process: subprocess.Popen) -> None:
        for line in process.stderr:
            logger.warning("live relay %s: %s", pk, line.decode(errors="replace").strip())

    @staticmethod
    def _end(session: Session) -> None:
        session.process.terminate()
        try:
            session.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            session.process.kill()

    def _stamp_loop(self) -> None:
        while not self._stop.wait(STAMP_EVERY):
            with self._lock:
                running = [s for s in self.sessions.values() if s.process.poll() is None]
            for session in running:
                if not session.microphone:
                    stamp(session.mount)  # the moment the sound passes the province's server
                elif session.captured is not None and session.captured != session.stamped:
                    session.stamped = session.captured
                    stamp(session.mount, session.captured)  # the moment the browser recorded it

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            for session in self.sessions.values():
                self._end(session)
            self.sessions.clear()
