"""Press briefings: the agencies' information due a few working days before, delivered with a sheet judged by
content, the journalists' questions with their due moments, and the minutes as PDF."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.common import workdays
from tinhso.common.notices.models import Notice
from tinhso.media import services
from tinhso.media.models import BriefingInvitation
from tinhso.media.tests.factories import agency_with_officer, department, pdf

pytestmark = pytest.mark.django_db

VN = datetime.timezone(datetime.timedelta(hours=7))


def test_invited_agencies_owe_their_information_three_working_days_before():
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    police, _cop = agency_with_officer("Công an tỉnh")
    # Thursday 2 April 2026; 30/4 and 1/5 are not in the way. Three working days before: Monday 30 March.
    held = datetime.datetime(2026, 4, 2, 14, 0, tzinfo=VN)
    briefing = services.plan_briefing(title="Giao ban báo chí tháng 4/2026", held_at=held, chair="Phó Chủ tịch UBND",
                                      agencies=[health, police], actor=officer)
    due = workdays.to_local(briefing.info_due_at)
    assert due.date() == datetime.date(2026, 3, 30) and due.time() == datetime.time(17, 0)
    assert briefing.invitations.count() == 2
    assert Notice.objects.filter(user=nurse, kind="media.briefing_task").exists()


def test_the_working_days_before_skip_the_tet_holiday():
    _office, officer = department()
    health, _nurse = agency_with_officer("Sở Y tế")
    # Tuesday 24 February 2026, after Tết (off 14–22 February): Monday 23, Friday 13, Thursday 12 February.
    held = datetime.datetime(2026, 2, 24, 8, 0, tzinfo=VN)
    briefing = services.plan_briefing(title="Giao ban sau Tết", held_at=held,
                                      chair="Giám đốc Sở", agencies=[health], actor=officer)
    assert workdays.to_local(briefing.info_due_at).date() == datetime.date(2026, 2, 12)


def test_information_is_delivered_with_its_sheet_and_a_bad_file_stores_nothing():
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    held = datetime.datetime(2030, 4, 2, 14, 0, tzinfo=VN)
    briefing = services.plan_briefing(title="Giao ban", held_at=held,
                                      chair="Chủ tịch", agencies=[health], actor=officer)
    invitation = briefing.invitations.get()
    with pytest.raises(services.MediaError) as refused:
        services.deliver_information(invitation, summary="Tình hình dịch sốt xuất huyết",
                                     sheet=SimpleUploadedFile("a.pdf", b"<html><script>x</script>"), actor=nurse)
    assert refused.value.field == "sheet"
    invitation.refresh_from_db()
    assert invitation.delivered_at is None and not invitation.sheet
    services.deliver_information(invitation, summary="Tình hình dịch sốt xuất huyết", sheet=pdf(), actor=nurse)
    invitation = BriefingInvitation.objects.get(pk=invitation.pk)
    assert invitation.on_time is True and invitation.sheet_name == "thong-tin.pdf"
    assert len(invitation.sheet_sha256) == 64


def test_questions_are_answered_by_their_agency_and_the_minutes_are_printed(client):
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    briefing = services.plan_briefing(title="Giao ban báo chí tháng 3", held_at=datetime.datetime(
        2026, 3, 26, 14, 0, tzinfo=VN), chair="Phó Chủ tịch UBND tỉnh", agencies=[health], actor=officer)
    question = services.add_question(briefing, journalist="Nguyễn Văn A", outlet="Báo Nghệ An",
                                     question="Khi nào tiêm vắc xin sởi đợt 2?", agency=health, actor=officer)
    assert question.due_at > briefing.held_at
    services.answer_question(question, answer="Từ ngày 1/4 tại các trạm y tế.", actor=nurse)
    with pytest.raises(services.MediaError):
        services.answer_question(question, answer="lần hai", actor=nurse)
    services.hold_briefing(briefing, summary="Các cơ quan cung cấp thông tin đầy đủ.", actor=officer)
    client.force_login(officer)
    response = client.get(f"/bao-chi/giao-ban/{briefing.pk}/bien-ban.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    words = " ".join(text.decode().split())
    assert "Nguyễn Văn A (Báo Nghệ An)" in words and "BIÊN BẢN GIAO BAN BÁO CHÍ" in words and "Từ ngày 1/4" in words
