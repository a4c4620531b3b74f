"""The department edits its registries on its pages: a press agency created and corrected, an inspection of a
licensed website with the violation and the decision that settled it; bad input refused with nothing written;
nobody outside the department reaches these pages."""

from __future__ import annotations

import datetime

import pytest

from tinhso.common.audit import AuditEntry
from tinhso.media.models import Inspection, PressAgency, PressChannel
from tinhso.media.tests.factories import agency_with_officer, department, licence

pytestmark = pytest.mark.django_db


def agency_form(**overrides):
    values = {"name": "Báo Nghệ An", "kind": "newspaper", "level": "local", "licence_number": "123/GP-BTTTT",
              "licence_date": "15/03/2021", "head_name": "Nguyễn Văn A", "head_title": "Tổng biên tập",
              "address": "Số 1 Quang Trung, Vinh", "phone": "0238 3844 000", "email": "toasoan@baonghean.example",
              "valid_from": "15/03/2021", "valid_to": ""}
    values.update(overrides)
    return values


def test_the_department_adds_a_press_agency_from_the_list_and_corrects_it(client):
    _office, officer = department()
    client.force_login(officer)
    listing = client.get("/bao-chi/co-quan-bao-chi/").content.decode()
    assert 'href="/bao-chi/co-quan-bao-chi/them/"' in listing
    assert client.get("/bao-chi/co-quan-bao-chi/them/").status_code == 200
    response = client.post("/bao-chi/co-quan-bao-chi/them/", agency_form())
    assert response.status_code == 302
    created = PressAgency.objects.get()
    assert created.licence_date == datetime.date(2021, 3, 15) and created.head_title == "Tổng biên tập"
    page = client.get(response.url).content.decode()
    assert "Báo Nghệ An" in page and f'href="/bao-chi/co-quan-bao-chi/{created.pk}/sua/"' in page
    form = client.get(f"/bao-chi/co-quan-bao-chi/{created.pk}/sua/").content.decode()
    assert 'value="15/03/2021"' in form
    assert client.post(f"/bao-chi/co-quan-bao-chi/{created.pk}/sua/",
                       agency_form(head_name="Trần Thị B", valid_to="31/12/2026")).status_code == 302
    created.refresh_from_db()
    assert created.head_name == "Trần Thị B" and created.valid_to == datetime.date(2026, 12, 31)
    assert PressAgency.objects.count() == 1
    actions = list(AuditEntry.objects.filter(after__action__startswith="media.press_agency")
                   .values_list("after__action", flat=True))
    assert sorted(actions) == ["media.press_agency.create", "media.press_agency.edit"]


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "bắt buộc"),
    ({"valid_from": "01/06/2026", "valid_to": "01/01/2026"}, "“Đến ngày” không được trước “từ ngày”"),
    ({"licence_date": "2021-15-03x"}, "ngày"),
    ({"kind": "blog"}, "Select a valid choice"),
])
def test_a_bad_press_agency_is_refused_with_a_message_and_nothing_written(client, overrides, message):
    _office, officer = department()
    client.force_login(officer)
    response = client.post("/bao-chi/co-quan-bao-chi/them/", agency_form(**overrides))
    assert response.status_code == 400
    if message != "Select a valid choice":
        assert message in response.content.decode()
    assert not PressAgency.objects.exists()


def test_the_department_records_an_inspection_and_a_violation_with_its_decision(client):
    _office, officer = department()
    site = licence()
    client.force_login(officer)
    page = client.get(f"/bao-chi/giay-phep/{site.pk}/").content.decode()
    assert f'action="/bao-chi/giay-phep/{site.pk}/kiem-tra/"' in page
    inspected = (site.issued_on + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    decided = (site.issued_on + datetime.timedelta(days=40)).strftime("%d/%m/%Y")
    assert client.post(f"/bao-chi/giay-phep/{site.pk}/kiem-tra/",
                       {"inspected_on": inspected, "findings": "Đúng phạm vi được cấp phép."}).status_code == 302
    response = client.post(f"/bao-chi/giay-phep/{site.pk}/kiem-tra/", {
        "inspected_on": inspected, "findings": "Đăng lại tin không ghi nguồn.", "violation": "on",
        "decision": "45/QĐ-XPHC", "decision_on": decided, "penalty": "Phạt tiền 15.000.000 đồng"})
    assert response.status_code == 302
    violation = Inspection.objects.get(violation=True)
    assert violation.decision == "45/QĐ-XPHC" and violation.decision_on == site.issued_on + datetime.timedelta(40)
    page = client.get(f"/bao-chi/giay-phep/{site.pk}/").content.decode()
    assert "45/QĐ-XPHC" in page and "Đúng phạm vi được cấp phép." in page
    assert AuditEntry.objects.filter(after__action="media.licence.inspect").count() == 2


@pytest.mark.parametrize("overrides, field_message", [
    ({"violation": "on"}, "Vi phạm phải có quyết định xử lý."),
    ({"violation": "on", "decision": "45/QĐ-XPHC"}, "Nhập ngày của quyết định xử lý."),
    ({"violation": "on", "decision": "45/QĐ-XPHC", "decision_on": "01/01/2000"},
     "Ngày quyết định không được trước ngày kiểm tra."),
    ({"decision": "45/QĐ-XPHC"}, "Chỉ ghi quyết định xử lý khi có vi phạm."),
    ({"inspected_on": "01/01/2001"}, "Ngày kiểm tra không được trước ngày cấp giấy phép."),
    ({"findings": "  "}, "bắt buộc"),
])
def test_a_bad_inspection_is_refused_and_nothing_is_written(client, overrides, field_message):
    _office, officer = department()
    site = licence()
    client.force_login(officer)
    values = {"inspected_on": site.issued_on.strftime("%d/%m/%Y"), "findings": "Kiểm tra định kỳ."}
    values.update(overrides)
    response = client.post(f"/bao-chi/giay-phep/{site.pk}/kiem-tra/", values)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_department_adds_and_removes_a_press_agencys_channels(client):
    _office, officer = department()
    press = PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper")
    client.force_login(officer)
    page = client.get(f"/bao-chi/co-quan-bao-chi/{press.pk}/sua/").content.decode()
    assert f'action="/bao-chi/co-quan-bao-chi/{press.pk}/kenh/"' in page
    assert client.post(f"/bao-chi/co-quan-bao-chi/{press.pk}/kenh/",
                       {"kind": "online", "name": "Báo Nghệ An điện tử", "domain": "BaoNgheAn.example."}
                       ).status_code == 302
    assert client.post(f"/bao-chi/co-quan-bao-chi/{press.pk}/kenh/",
                       {"kind": "print", "name": "Báo Nghệ An in"}).status_code == 302
    online = PressChannel.objects.get(kind="online")
    assert online.domain == "baonghean.example" and press.channels.count() == 2
    listing = client.get("/bao-chi/co-quan-bao-chi/").content.decode()
    assert "Báo Nghệ An điện tử (baonghean.example)" in listing
    assert client.post(f"/bao-chi/co-quan-bao-chi/kenh/{online.pk}/bo/").status_code == 302
    assert list(press.channels.values_list("kind", flat=True)) == ["print"]
    actions = set(AuditEntry.objects.filter(after__action__startswith="media.press_agency.channel")
                  .values_list("after__action", flat=True))
    assert actions == {"media.press_agency.channel_add", "media.press_agency.channel_remove"}


@pytest.mark.parametrize("values, message", [
    ({"kind": "online", "name": "Báo điện tử"}, "Báo điện tử phải có tên miền."),
    ({"kind": "online", "name": "Báo điện tử", "domain": "không phải tên miền"}, "không hợp lệ"),
    ({"kind": "print", "name": "Báo in"}, "Cơ quan báo chí đã có kênh này."),
    ({"kind": "print", "name": ""}, "bắt buộc"),
])
def test_a_bad_channel_is_refused_and_nothing_is_written(client, values, message):
    _office, officer = department()
    press = PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper")
    PressChannel.objects.create(press_agency=press, kind="print", name="Báo in")
    client.force_login(officer)
    response = client.post(f"/bao-chi/co-quan-bao-chi/{press.pk}/kenh/", values)
    assert response.status_code == 400 and message in response.content.decode()
    assert press.channels.count() == 1


def test_only_the_department_edits_the_registries(client):
    department()
    site = licence()
    press = PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper")
    _agency, person = agency_with_officer("Sở Y tế")
    client.force_login(person)
    assert 'co-quan-bao-chi/them/' not in client.get("/bao-chi/co-quan-bao-chi/").content.decode()
    assert "kiem-tra" not in client.get(f"/bao-chi/giay-phep/{site.pk}/").content.decode()
    assert client.get("/bao-chi/co-quan-bao-chi/them/").status_code == 403
    assert client.post("/bao-chi/co-quan-bao-chi/them/", agency_form()).status_code == 403
    assert client.post(f"/bao-chi/co-quan-bao-chi/{press.pk}/sua/", agency_form(name="Khác")).status_code == 403
    assert client.post(f"/bao-chi/giay-phep/{site.pk}/kiem-tra/",
                       {"inspected_on": "01/01/2026", "findings": "x"}).status_code == 403
    channel = PressChannel.objects.create(press_agency=press, kind="print", name="Báo in")
    assert client.post(f"/bao-chi/co-quan-bao-chi/{press.pk}/kenh/", {"kind": "print", "name": "Khác"}
                       ).status_code == 403
    assert client.post(f"/bao-chi/co-quan-bao-chi/kenh/{channel.pk}/bo/").status_code == 403
    assert list(press.channels.all()) == [channel]
    press.refresh_from_db()
    assert press.name == "Báo Nghệ An" and PressAgency.objects.count() == 1 and not Inspection.objects.exists()
    client.logout()
    assert client.get("/bao-chi/co-quan-bao-chi/them/").status_code == 302
