"""Small units for tests that do not need the full code lists."""

import factory
from factory.django import DjangoModelFactory

from tinhso.geo.models import Commune, Province, Village


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "40"
    name = "Nghệ An"
    kind = Province.Kind.PROVINCE
    codename = "nghe_an"
    phone_code = 238


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    kind = Commune.Kind.COMMUNE
    province = factory.SubFactory(ProvinceFactory)
    codename = factory.Sequence(lambda n: f"xa_thu_nghiem_{n}")

    class Params:
        ward = factory.Trait(
            kind=Commune.Kind.WARD,
            name=factory.Sequence(lambda n: f"Phường Thử Nghiệm {n}"),
            codename=factory.Sequence(lambda n: f"phuong_thu_nghiem_{n}"),
        )


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Thôn {n + 1}")
    kind = Village.Kind.HAMLET
