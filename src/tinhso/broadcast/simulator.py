"""Virtual receive-and-play units that behave like real ones, for the demo, the tests and the benchmark
(``tinhso broadcast simulate --devices N``).

Each unit connects to the broker with its own credentials, obeys only commands signed with its secret,
keeps the programme it was sent and the files it needs (fetched by URL and checked against their SHA-256),
plays each item for the file's duration, stops everything for an emergency and acknowledges its start and
end, plays a live broadcast by reading its stream from the province's Icecast (the schedule waits; an
emergency interrupts it) and reports the delay it measures from the stream's time stamps, sends a heartbeat
with its status, and can drop off the network and come back — and while the link is
down it goes on playing its programme from the files it keeps.

All units of a :class:`Fleet` share one thread: their sockets are watched with one selector and served with
paho's external-loop calls, so thousands of units fit in one process.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.client
import json
import random
import re
import selectors
import socket
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from tinhso.broadcast import link, live

LIVE_REPORT_EVERY = 2.0  # seconds between two reports of a unit playing a live broadcast


@dataclass
class Played:
    at: float
    what: str
    seconds: float
    online: bool


class LiveStream(threading.Thread):
    """A unit's player of a live broadcast: reads the stream with Icecast's in-band metadata, takes each time
    stamp the relay put in it (:func:`tinhso.broadcast.live.stamp`) and keeps the delay measured against its
    clock; connects again (every half second) while the stream is not there yet or drops."""

    TITLE = re.compile(rb"StreamTitle='([^']*)'")

    def __init__(self, url: str, until: float):
        super().__init__(name="simulated-live", daemon=True)
        self.url, self.until = url, until
        self.stopped = threading.Event()
        self.playing = False
        self.delay_ms: int | None = None
        self.received = 0
        self._socket: socket.socket | None = None

    def run(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        while not self.stopped.is_set() and time.time() < self.until:
            connection = kind(parts.hostname, parts.port, timeout=10)
            try:
                connection.connect()
                self._socket = connection.sock
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                connection.request("GET", path, headers={"Icy-MetaData": "1", "User-Agent": "tinhso-simulated-unit"})
                answer = connection.getresponse()
                if answer.status == 200:
                    self._listen(answer, int(answer.getheader("icy-metaint") or 0))
            except (OSError, ValueError, http.client.HTTPException):
                pass
            finally:
                self.playing = False
                connection.close()
            self.stopped.wait(0.5)

    def _listen(self, answer, metaint: int) -> None:
        while not self.stopped.is_set():
            block = answer.read(metaint or 4096)
            if not block:
                return
            self.received += len(block)
            self.playing = True
            if metaint:
                size = answer.read(1)
                if not size:
                    return
                if size[0]:
                    found = self.TITLE.search(answer.read(size[0] * 16))
                    moment = live.parse_stamp(found.group(1).decode(errors="replace")) if found else None
                    if moment is not None:
                        self.delay_ms = max(0, round((time.time() - moment) * 1000))

    def stop(self) -> None:
        self.stopped.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)


@dataclass
class Unit:
    device_id: str
    secret: str
    heartbeat_seconds: float = 30.0
    programme: list[dict] = field(default_factory=list)
    programme_version: str = ""
    files: set[str] = field(default_factory=set)
    volume: int = 80
    power: str = "mains"
    playing: str = ""
    playing_until: float = 0.0
    playing_seconds: float = 0.0
    emergency: int | None = None
    emergency_until: float = 0.0
    done_items: set[str] = field(default_factory=set)
    played: list[Played] = field(default_factory=list)
    refused: int = 0
    offline_until: float = 0.0
    live: dict | None = None
    live_stream: LiveStream | None = None
    live_next_report: float = 0.0
    live_heard: bool = False
    next_heartbeat: float = 0.0
    client: object = None
    connected: bool = False

    @property
    def link_up(self) -> bool:
        return self.connected and time.time() >= self.offline_until


class Fleet:
    """N virtual units on one broker; ``run()`` serves them until ``stop()``."""

    def __init__(self, broker_url: str, units: list[Unit], *, files_base_url: str = "", seed: int = 0,
                 flaky: float = 0.0):
        self.address = link.BrokerAddress.parse(broker_url)
        self.units = {unit.device_id: unit for unit in units}
        self.files_base_url = files_base_url.rstrip("/")
        self.random = random.Random(seed)
        self.flaky = flaky  # chance per heartbeat that a unit drops off the network for a while
        self.selector = selectors.DefaultSelector()
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- connection ---------------------------------------------------------------------------------------

    def _connect(self, unit: Unit) -> None:
        will = (link.REPORT_TOPIC.format(unit.device_id), json.dumps({"type": "gone"}).encode())
        made = link.client(self.address, unit.device_id, will=will)
        made.username_pw_set(unit.device_id, unit.secret)
        made.user_data_set(unit)
        made.on_connect = self._on_connect
        made.on_message = self._on_message
        made.on_disconnect = self._on_disconnect
        made.on_socket_open = lambda client_, unit_, sock: self.selector.register(sock, selectors.EVENT_READ, client_)
        made.on_socket_close = lambda client_, unit_, sock: self._forget(sock)
        unit.client = made
        try:
            made.connect(self.address.host, self.address.port, keepalive=60)
        except OSError:
            unit.connected = False

    def _forget(self, sock) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(sock)

    def _on_connect(self, client_, unit: Unit, flags, reason_code, properties):
        if reason_code.is_failure:
            unit.connected = False
            return
        unit.connected = True
        client_.subscribe(link.COMMAND_TOPIC.format(unit.device_id), qos=1)
        self._status(unit)

    def _on_disconnect(self, client_, unit: Unit, flags, reason_code, properties):
        unit.connected = False

    def _send(self, unit: Unit, body: dict) -> None:
        if unit.client is not None and unit.link_up:
            body.setdefault("at", time.time())
            unit.client.publish(link.REPORT_TOPIC.format(unit.device_id), json.dumps(body), qos=1)

    def _status(self, unit: Unit) -> None:
        unit.next_heartbeat = time.time() + unit.heartbeat_seconds
        self._send(unit, {"type": "status", "playing": unit.playing, "volume": unit.volume, "power": unit.power,
                          "temperature": round(38 + self.random.random() * 8, 1),
                          "signal": -60 - self.random.randrange(40), "schedule_version": unit.programme_version})

    # -- commands -----------------------------------------------------------------------------------------

    def _fetch(self, url: str, sha256: str) -> bool:
        """Download a file and check its SHA-256 (without a file server, the file is taken as fetched)."""
        if not self.files_base_url:
            return bool(sha256)
        try:
            with urllib.request.urlopen(self.files_base_url + url, timeout=10) as answer:  # noqa: S310
                return hashlib.sha256(answer.read()).hexdigest() == sha256
        except OSError:
            return False

    def _on_message(self, client_, unit: Unit, message):
        try:
            command = json.loads(message.payload)
        except ValueError:
            unit.refused += 1
            return
        if not isinstance(command, dict) or not link.verify(unit.secret, command):
            unit.refused += 1
            return
        self.obey(unit, command)

    def obey(self, unit: Unit, command: dict) -> None:
        now = time.time()
        kind = command.get("cmd")
        if kind == "schedule":
            unit.programme = list(command.get("items") or [])
            unit.programme_version = str(command.get("version") or "")
            for item in unit.programme:
                if item.get("url") and item["sha256"] not in unit.files and self._fetch(item["url"], item["sha256"]):
                    unit.files.add(item["sha256"])
            self._status(unit)
        elif kind == "emergency_start":
            if command.get("expires", now + 1) <= now:
                return
            if command.get("sha256") and self._fetch(command.get("url", ""), command["sha256"]):
                unit.files.add(command["sha256"])
            seconds = float(command.get("seconds") or 1) * int(command.get("repeats") or 1)
            if unit.live_stream is not None:  # the emergency interrupts a live broadcast; it resumes after
                self._untune(unit, now)
            unit.emergency = command.get("emergency")
            unit.emergency_until = min(now + seconds, float(command.get("expires") or now + seconds))
            self._play(unit, f"emergency:{unit.emergency}", seconds, now)
            self._send(unit, {"type": "ack", "emergency": unit.emergency, "phase": "start", "at": now})
        elif kind == "emergency_end":
            if unit.emergency == command.get("emergency"):
                self._end_emergency(unit, now)
        elif kind == "live_start":
            if float(command.get("expires") or 0) <= now or not command.get("url"):
                return
            if unit.live is not None:
                self._stop_live(unit, now)
            unit.live = {"id": command.get("live"), "url": str(command["url"]), "expires": float(command["expires"])}
            unit.live_heard, unit.live_next_report = False, 0.0
            if unit.emergency is None:
                self._tune(unit)
        elif kind == "live_stop":
            if unit.live is not None and unit.live["id"] == command.get("live"):
                self._stop_live(unit, now)
        elif kind == "play" and unit.emergency is None and unit.live is None:
            if self._fetch(command.get("url", ""), command.get("sha256", "")):
                unit.files.add(command["sha256"])
                self._play(unit, f"bulletin:{command.get('bulletin')}", float(command.get("seconds") or 1), now)
        elif kind == "stop" and unit.emergency is None and unit.live is None:
            unit.playing, unit.playing_until = "", 0.0
        elif kind == "volume" and isinstance(command.get("volume"), int):
            unit.volume = max(0, min(100, command["volume"]))
        elif kind == "fetch" and self._fetch(command.get("url", ""), command.get("sha256", "")):
            unit.files.add(command["sha256"])

    def _tune(self, unit: Unit) -> None:
        """Interrupt what plays and play the live broadcast's stream."""
        unit.playing, unit.playing_until = "", 0.0
        unit.live_stream = LiveStream(unit.live["url"], unit.live["expires"])
        unit.live_stream.start()

    def _untune(self, unit: Unit, now: float) -> None:
        stream, unit.live_stream = unit.live_stream, None
        if stream is not None:
            stream.stop()
        if unit.live is not None and unit.live_heard:
            self._send(unit, {"type": "live", "live": unit.live["id"], "phase": "stopped", "at": now})
        unit.live_heard, unit.live_next_report = False, 0.0
        if unit.playing.startswith("live:"):
            unit.playing = ""

    def _stop_live(self, unit: Unit, now: float) -> None:
        self._untune(unit, now)
        unit.live = None

    def _tick_live(self, unit: Unit, now: float) -> None:
        if now >= unit.live["expires"]:
            self._stop_live(unit, now)
            return
        stream = unit.live_stream
        if stream is None:
            self._tune(unit)
            return
        if not stream.playing:
            if unit.live_heard and now >= unit.live_next_report:  # the stream dropped: it is reconnecting
                self._send(unit, {"type": "live", "live": unit.live["id"], "phase": "failed", "at": now})
                unit.live_heard = False
            return
        unit.playing = f"live:{unit.live['id']}"
        if not unit.live_heard or now >= unit.live_next_report:
            unit.live_heard, unit.live_next_report = True, now + LIVE_REPORT_EVERY
            self._send(unit, {"type": "live", "live": unit.live["id"], "phase": "playing",
                              "delay_ms": stream.delay_ms, "at": now})

    def _play(self, unit: Unit, what: str, seconds: float, now: float) -> None:
        unit.playing, unit.playing_until, unit.playing_seconds = what, now + seconds, seconds
        unit.played.append(Played(now, what, seconds, unit.link_up))

    def _end_emergency(self, unit: Unit, now: float) -> None:
        self._send(unit, {"type": "ack", "emergency": unit.emergency, "phase": "end", "at": now})
        unit.emergency, unit.emergency_until = None, 0.0
        unit.playing, unit.playing_until = "", 0.0

    # -- time ---------------------------------------------------------------------------------------------

    def tick(self, unit: Unit, now: float) -> None:
        if unit.emergency is not None:
            if now >= unit.emergency_until:
                self._end_emergency(unit, now)
            return
        if unit.live is not None:  # a live broadcast pre-empts the schedule as an emergency does
            self._tick_live(unit, now)
            if now >= unit.next_heartbeat:
                self._status(unit)
            return
        if unit.playing and now >= unit.playing_until:
            if unit.playing.startswith("bulletin:"):
                self._send(unit, {"type": "event", "kind": "played", "bulletin": int(unit.playing.split(":")[1]),
                                  "seconds": round(unit.playing_seconds)})
            unit.playing = ""
        if not unit.playing:
            for item in unit.programme:
                start = datetime.datetime.fromisoformat(item["at"]).timestamp()
                key = f"{item['at']}|{item['bulletin']}"
                if start <= now < start + float(item["seconds"]) and key not in unit.done_items:
                    unit.done_items.add(key)
                    if not item.get("url") or item["sha256"] in unit.files:  # a board's text needs no file
                        self._play(unit, f"bulletin:{item['bulletin']}", start + float(item["seconds"]) - now, now)
                    else:
                        self._send(unit, {"type": "event", "kind": "playback_failed", "bulletin": item["bulletin"]})
                    break
        if now >= unit.next_heartbeat:
            if self.flaky and unit.link_up and self.random.random() < self.flaky:
                self.drop(unit.device_id, 30 + self.random.random() * 90)
            self._status(unit)

    def drop(self, device_id: str, seconds: float) -> None:
        """Take a unit off the network for ``seconds`` (it goes on playing its programme)."""
        with self.lock:
            unit = self.units[device_id]
            if unit.client is not None and unit.link_up:
                # What the broker would publish as the unit's will once its keep-alive ran out.
                self._send(unit, {"type": "gone"})
                unit.client.loop_write()
                unit.client.disconnect()
            unit.offline_until = time.time() + seconds
            unit.connected = False

    # -- the loop -----------------------------------------------------------------------------------------

    def start(self) -> Fleet:
        for unit in self.units.values():
            self._connect(unit)
        self._thread = threading.Thread(target=self.run, name="broadcast-simulator", daemon=True)
        self._thread.start()
        return self

    def wait_connected(self, timeout: float = 30.0) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(unit.connected for unit in self.units.values()):
                return True
            time.sleep(0.05)
        return False

    def run(self) -> None:
        last_misc = last_scan = 0.0
        while not self._stop.is_set():
            events = self.selector.select(timeout=0.05)
            with self.lock:
                for key, _mask in events:
                    made = key.data
                    made.loop_read()
                    # What the unit has to say after what it read (an acknowledgement) goes out at once, as a
                    # device of its own would send it, not after a pass over every other unit.
                    if made.want_write():
                        made.loop_write()
                now = time.time()
                if now - last_scan < 0.05:
                    continue
                # Every 50 ms at most: each unit's clock (programme, emergency end, heartbeat), reconnections and
                # anything still to send.
                last_scan = now
                for unit in self.units.values():
                    made = unit.client
                    if made is None:
                        continue
                    if made.want_write():
                        made.loop_write()
                    if not unit.connected and now >= unit.offline_until and now - last_misc >= 1:
                        with contextlib.suppress(OSError):
                            made.reconnect()
                if now - last_misc >= 1:
                    last_misc = now
                    for unit in self.units.values():
                        if unit.client is not None:
                            unit.client.loop_misc()
                for unit in self.units.values():
                    self.tick(unit, now)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for unit in self.units.values():
            if unit.live_stream is not None:
                unit.live_stream.stop()
            if unit.client is not None:
                unit.client.disconnect()
                unit.client.loop_write()
