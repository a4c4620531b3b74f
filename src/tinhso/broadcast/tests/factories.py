"""Factories for the grassroots radio: stations, devices, the people who broadcast, bulletins.

    commune = CommuneFactory()
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)   # may broadcast in ``commune`` only
    unit = DeviceFactory(commune=commune)
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tinhso.broadcast.models import BroadcastMembership, BroadcastRole, Bulletin, Device, DeviceState, Station
from tinhso.directory.tests.factories import UserFactory
from tinhso.geo.tests.factories import CommuneFactory


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station

    commune = factory.SubFactory(CommuneFactory)
    name = factory.LazyAttribute(lambda o: f"Đài truyền thanh {o.commune.name}")
    kind = Station.Kind.IP


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device
        skip_postgeneration_save = True

    device_id = factory.Sequence(lambda n: f"ctp-{n:05d}")
    commune = factory.SubFactory(CommuneFactory)
    latitude = 18.68
    longitude = 105.68

    @factory.post_generation
    def live(self, create, extracted, **kwargs):
        if create:
            DeviceState.objects.get_or_create(device=self)


def person(role: str, commune=None, **user_fields):
    """A user holding a broadcasting role (for ``commune`` when the role is a commune's)."""
    user = UserFactory(**user_fields)
    BroadcastMembership.objects.create(user=user, role=role, commune=commune, valid_from="2025-01-01")
    return user


def approved_bulletin(title: str = "Bản tin thời sự", seconds: float = 30.0, commune=None, **fields) -> Bulletin:
    fields.setdefault("state", Bulletin.State.APPROVED)
    return Bulletin.objects.create(title=title, kind=Bulletin.Kind.AUDIO, commune=commune, duration_seconds=seconds,
                                   sha256="0" * 64, **fields)


__all__ = ["BroadcastRole", "DeviceFactory", "StationFactory", "approved_bulletin", "person"]
