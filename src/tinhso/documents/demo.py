"""The demo province's document registers: records offices for the People's Committee and the departments, a
records clerk's login (``vanthu``), and this year's documents among the agencies and from central agencies,
in every state — issued and delivered within the platform, registered from paper and from the gateway,
accepted, rejected, assigned, in progress, completed (on time and late), updated and revoked. Each records
office signs with its own key file (``DATA_DIR/keys/<abbreviation>.p12``, passphrase: the demo password) from a
demo certificate authority that the platform trusts; about two documents in three carry a signed PDF.

Seeded (the same every time) and idempotent: a second run finds the documents and writes nothing. Names,
numbers and subjects are plausible examples, nothing official. The documents are issued through the services
(numbers from the counters, delivery, statuses); only their moments are then moved back through the year.
"""

from __future__ import annotations

import datetime
import os
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Agency, Membership, Role
from tinhso.documents import services
from tinhso.documents.models import (
    Channel,
    DocumentType,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    RecordsOffice,
)

# (identifier group, abbreviation)
OFFICES = [("00.00", "UBND"), ("00.01", "VP"), ("00.02", "SKHCN"), ("00.03", "STP"), ("00.04", "SXD"),
           ("00.05", "SNNMT"), ("00.06", "STC"), ("00.07", "SVHTTDL"), ("00.08", "SYT"), ("00.09", "SGDĐT")]
SUBJECTS = [
    "Về việc triển khai Kế hoạch chuyển đổi số năm {year}",
    "Về việc báo cáo kết quả thực hiện Đề án 06 quý {quarter}",
    "Về việc tổ chức hội nghị sơ kết công tác cải cách hành chính",
    "Về việc cung cấp số liệu phục vụ xây dựng báo cáo kinh tế - xã hội",
    "Về việc góp ý dự thảo Quy chế quản lý, vận hành nền tảng tỉnh số",
    "Về việc kiểm tra công tác văn thư, lưu trữ năm {year}",
    "Về việc tăng cường bảo đảm an toàn thông tin mạng",
    "Về việc phòng, chống thiên tai và tìm kiếm cứu nạn mùa mưa bão",
    "Về việc đẩy mạnh thanh toán trực tuyến dịch vụ công",
    "Về việc rà soát, cắt giảm thủ tục hành chính nội bộ",
]
CENTRAL = [("000.00.00.G22", "Văn phòng Chính phủ", "VPCP"), ("000.00.00.G12", "Bộ Khoa học và Công nghệ", "BKHCN"),
           ("000.00.00.G09", "Bộ Nội vụ", "BNV")]
DEMO_SIGNING_CA = "Tỉnh số — bản mẫu, ký số văn bản"
TYPES = ["cong-van", "cong-van", "cong-van", "thong-bao", "ke-hoach", "bao-cao", "quyet-dinh", "giay-moi", "to-trinh"]


def load_demo_documents(province_code: str, password: str) -> dict:
    """Load the demo registers; returns what was created (zero counts on a second run)."""
    level1 = province_level1_code(province_code)
    agencies = [a for a in (Agency.objects.filter(identifier=f"000.{group}.{level1}").first() for group, _ in OFFICES)
                if a is not None]
    if not agencies:
        return {}
    from tinhso.geo.models import Province

    province = Province.objects.filter(code=province_code).first()
    place = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ") if province else "Tỉnh"
    with transaction.atomic():
        for (group, abbreviation) in OFFICES:
            agency = next((a for a in agencies if a.identifier == f"000.{group}.{level1}"), None)
            if agency is not None:
                RecordsOffice.objects.get_or_create(agency=agency, defaults={"abbreviation": abbreviation,
                                                                             "place": place})
        clerk = _clerk(agencies[0], password)
        signers = _signing_keys(agencies, password)
    login = ("Văn thư (sổ văn bản đi, đến)", "vanthu", agencies[0].name)
    if OutgoingDocument.objects.filter(agency__in=agencies).exists():
        return {"outgoing": 0, "incoming": 0, "login": login}
    rng = random.Random(f"tinhso-documents-{province_code}")
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 2)
    days = sorted(start + datetime.timedelta(days=rng.randrange(max((today - start).days, 1)))
                  for _ in range(160))
    outgoing = 0
    letters: dict[str, bytes] = {}
    with transaction.atomic():
        for day in days:
            sender = rng.choice(agencies)
            others = [a for a in agencies if a.pk != sender.pk]
            recipients = rng.sample(others, k=rng.randint(1, 3))
            subject = rng.choice(SUBJECTS).format(year=day.year, quarter=(day.month - 1) // 3 + 1)
            signer = signers.get(sender.pk) if rng.random() < 0.65 else None
            files = [services.FileInput("van-ban.pdf", _letter(letters, subject), "application/pdf")
                     ] if signer is not None else []
            document = services.issue_outgoing(sender, services.OutgoingInput(
                document_type=DocumentType.objects.get(code=rng.choice(TYPES)),
                subject=subject,
                signer_position=rng.choice(["Giám đốc", "Phó Giám đốc", "Chánh Văn phòng"]),
                signer_name=rng.choice(["Nguyễn Văn Hải", "Trần Thị Mai", "Lê Minh Tuấn", "Phạm Quốc Việt"]),
                authority_prefix=rng.choice(["", "KT.", "TL.", "TM."]), priority=rng.choice([0, 0, 0, 1, 2]),
                due_date=day + datetime.timedelta(days=rng.choice([7, 10, 15])) if rng.random() < 0.4 else None,
                recipients=recipients, other_recipients=["Lưu: VT"], attachments=files), on=day, signer=signer)
            outgoing += 1
            _move_arrivals(document, day, rng)
        incoming = _from_central(agencies[0], clerk, rng, start, today)
    _handle(agencies, rng)
    return {"outgoing": outgoing, "incoming": incoming, "login": login}


def _signing_keys(agencies: list[Agency], password: str) -> dict:
    """Each demo records office's signing key: a PKCS#12 file under ``DATA_DIR/keys`` (not served), issued by a
    demo certificate authority added to the platform's trusted authorities; the offices name their files as
    their configured key. Returns the signers by agency, opened with the demo password."""
    from django.conf import settings

    from tinhso.documents import signatures

    folder = settings.DATA_DIR / "keys"
    offices = list(RecordsOffice.objects.filter(agency__in=agencies).select_related("agency"))
    missing = [o for o in offices if not o.signing_key.startswith("pkcs12:")
               or not os.path.exists(o.signing_key.removeprefix("pkcs12:"))]
    if missing:
        from tinhso.exchange import services as gateway
        from tinhso.exchange.models import CertificateAuthority
        from tinhso.testing.pki import TestPKI

        pki = TestPKI.create(DEMO_SIGNING_CA)
        CertificateAuthority.objects.filter(name=DEMO_SIGNING_CA).delete()  # keys made anew: a new authority
        gateway.add_authority(DEMO_SIGNING_CA, pki.issuing.cert_pem)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for office in offices:
            path = folder / f"{office.abbreviation.lower()}.p12"
            path.write_bytes(pki.issue_signing(office.agency.name).pkcs12(password.encode()))
            path.chmod(0o600)
            office.signing_key = f"pkcs12:{path}"
            office.save(update_fields=["signing_key"])
    return {o.agency_id: signatures.load_signer(o.signing_key, password) for o in offices}


def _letter(cache: dict, subject: str) -> bytes:
    """A one-page letter with the national motto and the subject (rendered once per subject; the signature
    block names the agency and the number)."""
    from django.utils.html import escape

    from tinhso.common.rendering import html_to_pdf

    if subject not in cache:
        cache[subject] = html_to_pdf(
            "<p style='text-align:center'><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</b></p>"
            f"<p style='text-align:center'><i>{escape(subject)}</i></p><p>Bản mẫu của nền tảng tỉnh số.</p>")
    return cache[subject]


def _clerk(agency: Agency, password: str):
    User = get_user_model()
    user = User.objects.filter(username="vanthu").first()
    if user is None:
        user = User(username="vanthu", first_name="Đỗ Thị", last_name="Ngọc")
        user.set_password(password)
        user.save()
    Membership.objects.get_or_create(user=user, agency=agency, role=Role.RECEIVER,
                                     defaults={"valid_from": datetime.date(2025, 1, 1)})
    return user


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _move_arrivals(document: OutgoingDocument, day: datetime.date, rng: random.Random) -> None:
    """The copies arrived the day the document was issued (the demo issues them all today)."""
    moment = _moment(day, rng.randint(8, 16))
    copies = IncomingDocument.objects.filter(source=document)
    IncomingEvent.objects.filter(document__in=copies).update(at=moment)
    copies.update(arrived_at=moment)
    document.recipients.exclude(status_at__isnull=True).update(status_at=moment, sent_at=moment)


def _from_central(agency: Agency, clerk, rng: random.Random, start: datetime.date, today: datetime.date) -> int:
    count = 0
    for _ in range(30):
        day = start + datetime.timedelta(days=rng.randrange(max((today - start).days, 1)))
        organ_id, name, abbreviation = rng.choice(CENTRAL)
        paper = rng.random() < 0.3
        number = rng.randint(100, 9000)
        document = services.register_incoming(agency, services.IncomingInput(
            sender_name=name, sender_organ_id=organ_id, type_name="Công văn", code_number=str(number),
            code_notation=f"{abbreviation}-VP", issued_on=day - datetime.timedelta(days=1),
            subject=rng.choice(SUBJECTS).format(year=day.year, quarter=(day.month - 1) // 3 + 1),
            document_id="" if paper else f"{organ_id},{day - datetime.timedelta(days=1):%Y/%m/%d},{number}/"
                                         f"{abbreviation}-VP"),
            by=clerk, channel=Channel.PAPER if paper else Channel.GATEWAY, arrived_at=_moment(day, 9))
        IncomingEvent.objects.filter(document=document).update(at=_moment(day, 9))
        count += 1
    return count


def _handle(agencies: list[Agency], rng: random.Random) -> None:
    """Move the year's incoming documents through every state, with the people each agency has."""
    for document in IncomingDocument.objects.filter(agency__in=agencies).order_by("arrived_at"):
        handler = (Membership.objects.filter(agency=document.agency, role=Role.HANDLER).values_list("user_id",
                                                                                                   flat=True).first())
        roll = rng.random()
        with transaction.atomic():
            if roll < 0.05:
                services.reject(document, "Gửi nhầm nơi nhận.")
                continue
            if roll < 0.15:
                continue  # still waiting to be accepted
            services.accept(document)
            if handler is None or roll < 0.3:
                continue
            document = services.assign(document, handler_id=handler, days=rng.choice([3, 5, 10]),
                                       direction="Giao chuyên viên tham mưu, báo cáo.")
            due = document.arrived_at + (document.handling_due - timezone.now())
            IncomingDocument.objects.filter(pk=document.pk).update(handling_due=due)
            if roll < 0.45:
                continue
            services.start(document)
            if roll < 0.6:
                continue
            late = rng.random() < 0.2
            services.complete(document, result="Đã tham mưu văn bản trả lời.")
            finished = due + datetime.timedelta(days=2 if late else -1)
            IncomingDocument.objects.filter(pk=document.pk).update(
                completed_at=min(finished, timezone.now()),
                state=IncomingState.COMPLETED)
