"""Bulletins: audio judged by its content with its duration read from the file and its loudness normalised,
text read aloud in Vietnamese offline, and approval by someone other than the author."""

from __future__ import annotations

import hashlib

import pytest

from tinhso.broadcast import audio, services
from tinhso.broadcast.models import BroadcastRole, Bulletin
from tinhso.broadcast.tests.factories import person
from tinhso.broadcast.tests.sounds import tone_wav
from tinhso.common.inputs import InputError
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def test_a_wav_upload_is_stored_as_normalised_mp3_with_its_duration():
    author = person(BroadcastRole.SOURCE_OPERATOR)
    bulletin = services.create_bulletin(author, title="Thời sự sáng", kind=Bulletin.Kind.AUDIO, data=tone_wav(2.0))
    assert bulletin.state == Bulletin.State.DRAFT
    assert bulletin.audio_format == "mp3"
    assert 1.9 <= bulletin.duration_seconds <= 2.2
    stored = bulletin.audio.open("rb").read()
    assert audio.sniff(stored) == "mp3"
    assert hashlib.sha256(stored).hexdigest() == bulletin.sha256


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + b"0" * 100, b"ID3" + b"\x00" * 200,
                                     b"RIFF\x10\x00\x00\x00WAVEjunk"])
def test_a_file_that_is_not_sound_is_refused_whatever_its_name(content):
    author = person(BroadcastRole.SOURCE_OPERATOR)
    with pytest.raises(InputError) as refused:
        services.create_bulletin(author, title="Tệp giả", kind=Bulletin.Kind.AUDIO, data=content)
    assert refused.value.field == "audio"
    assert "Tệp âm thanh không dùng được" in refused.value.message
    assert not Bulletin.objects.exists()


def test_text_is_read_aloud_in_vietnamese_offline():
    author = person(BroadcastRole.SOURCE_OPERATOR)
    bulletin = services.create_bulletin(author, title="Thông báo", kind=Bulletin.Kind.SPEECH,
                                        text="Bão số ba đang tiến vào đất liền, bà con chằng chống nhà cửa.")
    assert bulletin.duration_seconds > 2
    assert audio.sniff(bulletin.audio.open("rb").read()) == "mp3"


def test_nothing_is_approved_by_its_author_or_outside_the_approver_role():
    commune = CommuneFactory()
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    with pytest.raises(services.BroadcastError) as province_only:
        services.create_bulletin(operator, title="Tin tỉnh", kind=Bulletin.Kind.DISPLAY, text="Chào mừng")
    assert province_only.value.status == 403
    bulletin = services.create_bulletin(operator, title="Tin xã", kind=Bulletin.Kind.DISPLAY, text="Họp thôn 19h",
                                        commune=commune)
    with pytest.raises(services.BroadcastError) as not_approver:
        services.decide_bulletin(operator, bulletin, approve=True)
    assert not_approver.value.status == 403
    approver = person(BroadcastRole.APPROVER)
    own = services.create_bulletin(approver, title="Tin của người duyệt", kind=Bulletin.Kind.DISPLAY, text="x")
    with pytest.raises(services.BroadcastError):
        services.decide_bulletin(approver, own, approve=True)
    assert services.decide_bulletin(approver, bulletin, approve=True).state == Bulletin.State.APPROVED
    with pytest.raises(services.BroadcastError) as twice:
        services.decide_bulletin(approver, bulletin, approve=False)
    assert twice.value.status == 409
