"""Factories for agencies, staff users and memberships, with traits for the cases tests talk about."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from tinhso.directory.models import Agency, Membership, Role
from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"canbo{n}")
    first_name = "Nguyễn Văn"
    last_name = factory.Sequence(lambda n: f"An {n}")
    password = factory.django.Password("mat-khau-thu")

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)
        staff = factory.Trait(is_staff=True)
        inactive = factory.Trait(is_active=False)


class AgencyFactory(DjangoModelFactory):
    """A provincial department of Nghệ An by default."""

    class Meta:
        model = Agency

    identifier = factory.Sequence(lambda n: f"H41.{900 + n}")
    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    level = Agency.Level.PROVINCE
    kind = Agency.Kind.DEPARTMENT
    province = factory.SubFactory(ProvinceFactory)

    class Params:
        province_committee = factory.Trait(
            identifier="000.00.00.H41", name="Ủy ban nhân dân tỉnh Nghệ An",
            kind=Agency.Kind.PEOPLES_COMMITTEE,
        )
        central = factory.Trait(level=Agency.Level.CENTRAL, kind=Agency.Kind.CENTRAL_BODY, province=None)
        commune_level = factory.Trait(
            level=Agency.Level.COMMUNE,
            kind=Agency.Kind.COMMUNE_PEOPLES_COMMITTEE,
            commune=factory.SubFactory(CommuneFactory, province=factory.SelfAttribute("..province")),
        )
        dissolved = factory.Trait(valid_from=datetime.date(2008, 1, 1), valid_to=datetime.date(2025, 2, 28))


class MembershipFactory(DjangoModelFactory):
    """A handler's membership in force since 1/1/2025, unless a trait says otherwise."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.HANDLER
    valid_from = datetime.date(2025, 1, 1)

    class Params:
        expired = factory.Trait(valid_from=datetime.date(2024, 1, 1), valid_to=datetime.date(2024, 12, 31))
        receiver = factory.Trait(role=Role.RECEIVER)
        approver = factory.Trait(role=Role.APPROVER)
        operations_viewer = factory.Trait(role=Role.OPERATIONS_VIEWER)
        platform_admin = factory.Trait(role=Role.PLATFORM_ADMIN)
