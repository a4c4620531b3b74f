"""An emergency broadcast to 5,000 simulated receive-and-play units over a real Mosquitto broker.

- **emergency-broadcast**: from the emergency role's order (``services.propose_emergency``: the message read
  aloud, the receipts written, 5,000 signed commands published) to each unit's acknowledgement arriving at
  the platform's MQTT link; p50 and p99 over the 5,000 units, and the time until the link has written every
  acknowledgement to the database. Baseline, in the same run: the broker's own round trip, the same 5,000
  publishes (one per unit's command topic, unsigned) from the platform's connection to the same 5,000
  subscribers, publish to receipt, p99. The units run in a child process (one thread, one selector); the
  platform's side in this one, on a throwaway SQLite database. Aim: p99 ≤ 3 s and within 3× the broker's.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time

DATABASE = os.path.join(tempfile.mkdtemp(prefix="tinhso-bench-broadcast-"), "bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

import harness  # noqa: E402

UNITS = int(os.environ.get("BENCH_BROADCAST_UNITS", "5000"))


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fleet(url: str, credentials: list[tuple[str, str]], ready, commands, results) -> None:
    """The child: the simulated units; reports when each last received a message, on request."""
    from tinhso.broadcast.simulator import Fleet, Unit

    units = [Unit(d, s, heartbeat_seconds=3600) for d, s in credentials]
    fleet = Fleet(url, units)
    arrivals: dict[str, float] = {}
    original = fleet._on_message

    def on_message(client_, unit, message):
        arrivals[unit.device_id] = time.time()
        original(client_, unit, message)

    fleet._on_message = on_message
    fleet.start()
    for unit in units:
        unit.client.on_message = on_message
    ready.put(fleet.wait_connected(120))
    while True:
        order = commands.get()
        if order == "stop":
            break
        results.put(dict(arrivals))
        arrivals.clear()
    fleet.stop()


def main() -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from tinhso.broadcast import link, services
    from tinhso.broadcast.models import BroadcastMembership, BroadcastRole, Device, DeviceState, EmergencyReceipt
    from tinhso.geo.models import Commune, Province
    from tinhso.testing.mosquitto import Broker

    province = Province.objects.create(code="99", name="Tỉnh thử", kind=Province.Kind.PROVINCE, codename="tinh_thu",
                                       phone_code=299)
    commune = Commune.objects.create(code="99001", name="Xã thử", kind="xa", province=province, codename="xa_thu")
    Device.objects.bulk_create([Device(device_id=f"ctp-{n:05d}", commune=commune, latitude=18.7, longitude=105.7)
                                for n in range(UNITS)], batch_size=1000)
    DeviceState.objects.bulk_create([DeviceState(device_id=pk) for pk in Device.objects.values_list("pk", flat=True)],
                                    batch_size=1000)
    user = get_user_model().objects.create(username="khancap")
    BroadcastMembership.objects.create(user=user, role=BroadcastRole.EMERGENCY, valid_from="2025-01-01")
    credentials = list(Device.objects.values_list("device_id", "secret"))
    # A serving process has its URLconf loaded; so does the bench before it starts the clock.
    from django.urls import reverse

    reverse("broadcast:home")

    with Broker() as broker:
        broker.reload(credentials)
        from django.conf import settings

        settings.BROADCAST_MQTT_URL = broker.url
        context = multiprocessing.get_context("fork")
        ready, commands, results = context.Queue(), context.Queue(), context.Queue()
        child = context.Process(target=_fleet, args=(broker.url, credentials, ready, commands, results))
        child.start()
        if not ready.get(timeout=300):
            print("the simulated units did not all connect", file=sys.stderr)
            commands.put("stop")
            child.join(10)
            return 1
        listener = link.Listener(link.BrokerAddress.parse(broker.url))
        listener.wait(10)
        publisher = link.publisher()
        publisher.wait(10)
        time.sleep(1)
        # The broker's own round trip: the same 5,000 publishes, unsigned, from the platform's connection.
        start = time.time()
        with publisher._lock:
            for device_id, _secret in credentials:
                publisher._client.publish(link.COMMAND_TOPIC.format(device_id), b"{}", qos=1)
        time.sleep(5)
        commands.put("report")
        arrived = results.get(timeout=60)
        broker_latencies = [at - start for at in arrived.values()]
        if len(broker_latencies) != UNITS:
            print(f"only {len(broker_latencies)} of {UNITS} units received the broker's messages", file=sys.stderr)
        # The emergency broadcast: the order, the commands, the acknowledgements back at the link.
        start = time.time()
        emergency = services.propose_emergency(user, title="Bão khẩn cấp", message="Bão đổ bộ, bà con trú ẩn ngay.",
                                               area="province", repeats=1, minutes=10)
        ordered = time.time() - start
        acked: dict[str, float] = {}
        deadline = time.time() + 60
        while len(acked) < UNITS and time.time() < deadline:
            reports = listener.take(timeout=0.2)
            for report in reports:
                if report.body.get("type") == "ack" and report.body.get("phase") == "start":
                    acked.setdefault(report.device_id, report.received)
            services.take_reports(reports)
        written = EmergencyReceipt.objects.filter(emergency=emergency, started_at__isnull=False).count()
        stored = time.time() - start
        commands.put("report")
        reached = len(results.get(timeout=60))
        commands.put("stop")
        child.join(30)
        listener.close()
        publisher.close()
    latencies = [at - start for at in acked.values()]
    if len(latencies) < UNITS or written < UNITS:
        print(f"only {len(latencies)} acknowledgements received, {written} written; {reached} units received "
              f"the command", file=sys.stderr)
        return 1
    p50, p99 = statistics.median(latencies), _quantile(latencies, 0.99)
    broker_p50, broker_p99 = statistics.median(broker_latencies), _quantile(broker_latencies, 0.99)
    harness.report("emergency-broadcast", p99, "s p99", "broker round trip p99", broker_p99, "s",
                   higher_is_better=False,
                   extra=f"{UNITS} units; p50 {p50:.3f} s; order written and commands published {ordered:.3f} s; "
                         f"all acknowledgements stored {stored:.3f} s; broker p50 {broker_p50:.3f} s; "
                         f"{harness.machine()}")
    if not (p99 <= 3.0 and p99 <= 3 * max(broker_p99, 0.001)):
        # Reported, not failed: `make bench` fails only on wrong answers, like the other benchmarks.
        print("below the aim: p99 above 3 s or above 3x the broker's", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
