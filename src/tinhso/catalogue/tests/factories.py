"""Factories for the catalogue: a published three-day procedure by default, traits for the other cases.

Children are built after the version and before it is published: ``ProcedureVersionFactory`` creates a
draft with one document, one fee and a receive → handle → approve → return route whose shares add up,
then publishes it unless ``published=False``.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tinhso.catalogue import services
from tinhso.catalogue.models import (
    Field,
    OnlineLevel,
    Procedure,
    ProcedureFee,
    ProcedureVersion,
    RequiredDocument,
    RouteStep,
    Status,
    StepRole,
)
from tinhso.directory.tests.factories import AgencyFactory

__all__ = [
    "AgencyFactory", "FieldFactory", "ProcedureFactory", "ProcedureVersionFactory", "content",
]


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LV{n:03d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")

    class Params:
        civil_status = factory.Trait(code="HT", name="Hộ tịch")


class ProcedureFactory(DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"1.{900000 + n:06d}")


class ProcedureVersionFactory(DjangoModelFactory):
    class Meta:
        model = ProcedureVersion
        skip_postgeneration_save = True

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    level = ProcedureVersion.Level.PROVINCE
    time_limit = 3
    result = "Giấy chứng nhận"
    online_level = OnlineLevel.FULL

    class Params:
        hours = factory.Trait(time_unit=ProcedureVersion.TimeUnit.WORKING_HOURS, time_limit=8)
        partial = factory.Trait(
            online_level=OnlineLevel.PARTIAL, online_limit_reason="Phải xuất trình bản chính khi nhận kết quả.",
        )
        commune = factory.Trait(level=ProcedureVersion.Level.COMMUNE)

    @factory.post_generation
    def children(self, create, extracted, **kwargs):
        if not create:
            return
        RequiredDocument.objects.create(version=self, order=1, name="Tờ khai theo mẫu", originals=1)
        ProcedureFee.objects.create(version=self, order=1, description="Lệ phí", amount=50_000)
        limit = self.time_limit
        roles = [(StepRole.RECEIVE, 0), (StepRole.HANDLE, limit - 1), (StepRole.APPROVE, 1), (StepRole.RETURN, 0)]
        for order, (role, share) in enumerate(roles, start=1):
            RouteStep.objects.create(version=self, order=order, role=role, share=share)

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)

    @factory.post_generation
    def published(self, create, extracted, **kwargs):
        """Published unless built with ``published=False``."""
        if create and extracted is not False and self.status == Status.DRAFT:
            services.publish(self)
            self.refresh_from_db()


def content(field: Field | None = None, **overrides) -> services.VersionContent:
    """A valid content for the services: three working days, one document, one fee, a four-step route."""
    values = {
        "name": "Cấp giấy phép thử nghiệm",
        "field": field or FieldFactory(),
        "level": ProcedureVersion.Level.PROVINCE,
        "time_limit": 3,
        "result": "Giấy phép",
        "online_level": OnlineLevel.FULL,
        "documents": (services.DocumentLine("Đơn đề nghị"), services.DocumentLine("Bản sao CCCD", 0, 1)),
        "fees": (services.FeeLine("Lệ phí cấp phép", 100_000),),
        "steps": (
            services.StepLine(StepRole.RECEIVE, 0),
            services.StepLine(StepRole.HANDLE, 2),
            services.StepLine(StepRole.APPROVE, 1),
            services.StepLine(StepRole.RETURN, 0),
        ),
    }
    values.update(overrides)
    return services.VersionContent(**values)
