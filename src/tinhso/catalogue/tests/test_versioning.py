import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tinhso.catalogue import services
from tinhso.catalogue.models import ProcedureVersion, RequiredDocument, RouteStep, Status, StepRole
from tinhso.catalogue.selectors import current_version
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory, content
from tinhso.common.audit import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_draft_is_created_with_its_children_in_order():
    version = services.create_draft("1.001193", content(name="Đăng ký khai sinh"))
    assert version.status == Status.DRAFT
    assert version.number == 1
    assert [d.name for d in version.documents.all()] == ["Đơn đề nghị", "Bản sao CCCD"]
    assert [s.role for s in version.steps.all()] == ["receive", "handle", "approve", "return"]
    assert current_version("1.001193") is None


def test_the_procedure_code_must_be_digit_groups_separated_by_dots():
    with pytest.raises(ValidationError, match="nhóm chữ số"):
        services.create_draft("1-001193", content())


def test_route_shares_must_add_up_to_the_time_limit():
    steps = (services.StepLine(StepRole.RECEIVE, 0), services.StepLine(StepRole.HANDLE, 2),
             services.StepLine(StepRole.RETURN, 0))
    with pytest.raises(ValidationError) as caught:
        services.create_draft("1.000001", content(time_limit=5, steps=steps))
    assert caught.value.message_dict["steps"] == [
        "Tổng thời gian các bước (2 ngày làm việc) phải bằng thời hạn giải quyết (5 ngày làm việc)."
    ]


def test_route_must_start_with_receive_and_end_with_return():
    steps = (services.StepLine(StepRole.HANDLE, 2), services.StepLine(StepRole.APPROVE, 1))
    with pytest.raises(ValidationError) as caught:
        services.create_draft("1.000001", content(steps=steps))
    assert caught.value.message_dict["steps"] == [
        "Quy trình phải bắt đầu bằng bước tiếp nhận hồ sơ.",
        "Quy trình phải kết thúc bằng bước trả kết quả.",
    ]


def test_route_shares_in_hours_are_counted_in_hours():
    errors = services.route_errors(
        [services.StepLine(StepRole.RECEIVE, 1), services.StepLine(StepRole.RETURN, 2)], 4, "working_hours",
    )
    assert errors == ["Tổng thời gian các bước (3 giờ làm việc) phải bằng thời hạn giải quyết (4 giờ làm việc)."]


def test_a_draft_without_a_route_cannot_be_published():
    draft = services.create_draft("1.000002", content(steps=()))
    with pytest.raises(ValidationError, match="ít nhất bước tiếp nhận"):
        services.publish(draft)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_partial_online_procedure_must_publish_its_reason():
    with pytest.raises(ValidationError) as caught:
        services.create_draft("1.000003", content(online_level="partial"))
    assert "online_limit_reason" in caught.value.message_dict


def test_publishing_freezes_a_version():
    version = services.publish(services.create_draft("1.000004", content()))
    version.name = "Tên khác"
    with pytest.raises(ValidationError, match="đã công bố"):
        version.save()
    document = version.documents.first()
    document.copies = 3
    with pytest.raises(ValidationError, match="đã công bố"):
        document.save()
    with pytest.raises(ValidationError, match="đã công bố"):
        RouteStep.objects.create(version=version, order=9, role=StepRole.HANDLE, share=1)
    with pytest.raises(ValidationError, match="đã công bố"):
        version.steps.first().delete()
    agency = AgencyFactory()
    with pytest.raises(ValidationError, match="đã công bố"), transaction.atomic():
        version.agencies.add(agency)
    with pytest.raises(ValidationError, match="đã công bố"):
        services.update_draft(version, content(name="Tên khác"))
    with pytest.raises(ValidationError, match="đã công bố"):
        version.delete()
    version.refresh_from_db()
    assert version.name == "Cấp giấy phép thử nghiệm"


def test_a_new_version_copies_the_children_and_the_old_one_stays_in_force_until_published():
    agency = AgencyFactory()
    first = services.publish(services.create_draft("1.000005", content(agencies=(agency,))))
    draft = services.new_version_from(first)
    assert draft.number == 2
    assert draft.status == Status.DRAFT
    assert services.content_of(draft) == services.content_of(first)
    assert set(draft.documents.values_list("pk", flat=True)).isdisjoint(first.documents.values_list("pk", flat=True))
    assert current_version("1.000005") == first

    changed = services.update_draft(draft, content(name="Tên mới", agencies=(agency,)))
    services.publish(changed)
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert first.superseded_at is not None
    assert first.name == "Cấp giấy phép thử nghiệm"
    assert first.documents.count() == 2
    assert current_version("1.000005").name == "Tên mới"
    first.procedure.refresh_from_db()
    assert first.procedure.current_version_id == changed.pk


def test_only_one_draft_at_a_time():
    first = services.publish(services.create_draft("1.000006", content()))
    services.new_version_from(first)
    with pytest.raises(ValidationError, match="đã có một bản nháp"):
        services.new_version_from(first)
    with pytest.raises(ValidationError, match="đã có một bản nháp"):
        services.create_draft("1.000006", content())


def test_a_superseded_version_cannot_come_back():
    first = services.publish(services.create_draft("1.000007", content()))
    services.publish(services.new_version_from(first))
    first.refresh_from_db()
    first.status = Status.PUBLISHED
    with pytest.raises(ValidationError):
        first.save()


def test_publishing_goes_on_the_audit_chain():
    version = services.publish(services.create_draft("1.000008", content()))
    entries = AuditEntry.objects.filter(object_type="catalogue.procedureversion", object_id=str(version.pk))
    assert "action" in set(entries.values_list("action", flat=True))


def test_apply_content_writes_nothing_when_nothing_differs_and_a_new_version_otherwise():
    field = FieldFactory()
    assert services.apply_content("1.000009", content(field), publish_now=True) == "created"
    assert services.apply_content("1.000009", content(field), publish_now=True) == "unchanged"
    assert services.apply_content("1.000009", content(field, result="Khác"), publish_now=True) == "new_version"
    assert ProcedureVersion.objects.filter(procedure__code="1.000009").count() == 2
    assert services.apply_content("1.000009", content(field, result="Nháp")) == "new_version"
    assert services.apply_content("1.000009", content(field, result="Nháp 2")) == "draft_updated"
    assert ProcedureVersion.objects.filter(procedure__code="1.000009").count() == 3


def test_the_factory_builds_a_published_version_whose_route_adds_up():
    version = ProcedureVersionFactory()
    assert version.status == Status.PUBLISHED
    assert sum(version.steps.values_list("share", flat=True)) == version.time_limit
    draft = ProcedureVersionFactory(published=False)
    assert draft.status == Status.DRAFT
    assert RequiredDocument.objects.filter(version=draft).count() == 1
