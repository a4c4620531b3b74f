"""The demo province's press and information work: the department keeping the registries (Sở Văn hóa, Thể thao
và Du lịch) with two logins, local press agencies and the resident offices of central ones, a spokesperson for
every agency, a year of monthly press briefings with the agencies' information and the journalists'
questions, licensed websites on ``.example`` domains with their monitoring history, crisis scenarios, and
reports of false information with cases in every state.

Seeded (the same every time) and idempotent: a second run finds the press agencies and writes nothing.
Nothing here is official: names, numbers and events are plausible examples.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tinhso.common import audit, workdays
from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Agency, Membership, Role
from tinhso.media import services
from tinhso.media.models import (
    Briefing,
    BriefingInvitation,
    BriefingQuestion,
    CrisisScenario,
    Inspection,
    LicenceAction,
    LicenceRecord,
    LicenceState,
    MonitoringAlert,
    MonitoringCheck,
    PressAgency,
    PressChannel,
    PressOffice,
    ScenarioStep,
    SiteKind,
    Spokesperson,
    Verdict,
    WebsiteLicence,
)

PRESS = [
    # name, kind, level, parent, licence, head, channels (kind, name, domain)
    ("Báo Nghệ An", "newspaper", "local", "", "123/GP-BTTTT", "Phạm Văn Minh",
     [("print", "Báo Nghệ An in", ""), ("online", "Báo Nghệ An điện tử", "baonghean.example")]),
    ("Đài Phát thanh và Truyền hình Nghệ An", "radio_tv", "local", "", "45/GP-BTTTT", "Nguyễn Thị Hương",
     [("broadcast", "NTV", ""), ("online", "NTV điện tử", "truyenhinhnghean.example")]),
    ("Tạp chí Văn hóa Nghệ An", "magazine", "local", "", "310/GP-BTTTT", "Hồ Sỹ Hùng",
     [("print", "Tạp chí in", ""), ("online", "Tạp chí điện tử", "vanhoanghean.example")]),
    ("Văn phòng đại diện Báo Nhân Dân tại Bắc Trung Bộ", "resident_office", "central", "Báo Nhân Dân", "", "Lê Văn An",
     []),
    ("Văn phòng đại diện Báo Tuổi Trẻ tại Nghệ An", "resident_office", "central", "Báo Tuổi Trẻ", "", "Trần Quốc Việt",
     []),
    ("Phóng viên thường trú Thông tấn xã Việt Nam", "correspondent", "central", "Thông tấn xã Việt Nam", "",
     "Đặng Thị Mai", []),
    ("Phóng viên thường trú Đài Tiếng nói Việt Nam", "correspondent", "central", "Đài Tiếng nói Việt Nam", "",
     "Võ Minh Tuấn", []),
]
SPOKESPEOPLE = ["Nguyễn Văn Hải", "Trần Thị Thu", "Lê Minh Đức", "Phạm Thị Hà", "Hoàng Văn Sơn", "Vũ Thị Liên",
                "Đỗ Quang Vinh", "Bùi Thị Ngọc", "Ngô Văn Tâm", "Dương Thị Yến", "Lý Văn Phúc", "Mai Thị Hồng"]
SCENARIOS = {
    "land": ("Kịch bản ứng phó thông tin sai lệch về đất đai, giải phóng mặt bằng", [
        ("Xác minh nguồn tin, báo cáo lãnh đạo Sở", "Sở Văn hóa, Thể thao và Du lịch", 2),
        ("Cơ quan quản lý đất đai cung cấp hồ sơ, số liệu", "Sở Nông nghiệp và Môi trường", 8),
        ("Người phát ngôn UBND tỉnh cung cấp thông tin cho báo chí", "Văn phòng UBND tỉnh", 16),
        ("Đăng thông tin cải chính trên Cổng và báo, đài địa phương", "Báo Nghệ An, Đài PT-TH", 24)]),
    "environment": ("Kịch bản ứng phó sự cố môi trường", [
        ("Đánh giá mức độ, lập nhóm phản ứng nhanh", "Sở Văn hóa, Thể thao và Du lịch", 1),
        ("Công bố kết quả quan trắc", "Sở Nông nghiệp và Môi trường", 8),
        ("Họp báo đột xuất", "Người phát ngôn UBND tỉnh", 16),
        ("Yêu cầu nền tảng gỡ bỏ nội dung sai", "Sở Văn hóa, Thể thao và Du lịch", 24)]),
    "epidemic": ("Kịch bản ứng phó thông tin về dịch bệnh", [
        ("Xác minh với cơ quan y tế", "Sở Y tế", 2),
        ("Thông cáo báo chí", "Người phát ngôn Sở Y tế", 8),
        ("Phát thanh cơ sở, bảng tin điện tử", "UBND các xã, phường", 16)]),
    "disaster": ("Kịch bản ứng phó thông tin trong thiên tai", [
        ("Cập nhật tình hình từ Ban Chỉ huy phòng chống thiên tai", "Văn phòng UBND tỉnh", 1),
        ("Bản tin định kỳ trên Cổng và đài địa phương", "Đài PT-TH Nghệ An", 4),
        ("Phản bác tin đồn vỡ đê, xả lũ sai sự thật", "Sở Văn hóa, Thể thao và Du lịch", 8)]),
}
CLAIMS = [
    ("Nước máy thành phố Vinh nhiễm độc", "Bài đăng nói nước máy Vinh nhiễm độc, khuyên không dùng.", "environment"),
    ("Cầu Bến Thủy sắp sập", "Tin nhắn nói cầu Bến Thủy nứt, sắp sập, cấm lưu thông.", "other"),
    ("Thu hồi đất làm sân bay mới", "Video nói tỉnh thu hồi 2.000 ha đất làm sân bay mới.", "land"),
    ("Dịch tả bùng phát ở Cửa Lò", "Bài đăng nói có 30 ca tả ở Cửa Lò, bệnh viện quá tải.", "epidemic"),
    ("Thủy điện xả lũ khẩn cấp", "Tin nhắn nói thủy điện sắp xả lũ, vùng hạ du phải sơ tán ngay.", "disaster"),
    ("Học sinh nghỉ học cả tháng", "Bài đăng giả mạo công văn cho học sinh toàn tỉnh nghỉ học một tháng.", "other"),
]


def _user(username: str, password: str, first: str, last: str, agency: Agency):
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User.objects.create(
        username=username, first_name=first, last_name=last, password=make_password(password))
    Membership.objects.get_or_create(user=user, agency=agency, role=Role.HANDLER,
                                     defaults={"valid_from": datetime.date(2025, 1, 1)})
    return user


def load_demo_media(province_code: str, password: str) -> dict:
    """Load the demo press and information work; returns what was created (empty on a second run)."""
    level1 = province_level1_code(province_code)
    department = Agency.objects.filter(identifier=f"000.00.07.{level1}").first()
    if department is None or PressAgency.objects.exists():
        return {}
    health = Agency.objects.filter(identifier=f"000.00.08.{level1}").first() or department
    rng = random.Random(f"tinhso-media-{province_code}")
    with transaction.atomic():
        PressOffice.objects.get_or_create(agency=department)
        officer = _user("baochi", password, "Nguyễn Thị", "Thanh", department)
        nurse = _user("yte", password, "Lê Văn", "Bình", health)
        _press()
        spokespeople = _spokespeople(rng)
        _scenarios()
        licences = _licences(rng)
        briefings = _briefings(rng, officer)
        audit.record("action", PressAgency, summary="Nạp dữ liệu báo chí, thông tin mẫu",
                     after={"licences": licences, "briefings": briefings})
    cases = _cases(officer, nurse, health)
    dossiers = _licence_dossiers(department, password)
    return {"press_agencies": len(PRESS), "spokespeople": spokespeople, "licences": licences,
            "briefings": briefings, "cases": cases, "dossiers": dossiers, "logins": ["baochi", "yte", "bc_lanhdao"]}


def _press() -> None:
    for name, kind, level, parent, number, head, channels in PRESS:
        press = PressAgency.objects.create(
            name=name, kind=kind, level=level, parent_name=parent, licence_number=number,
            licence_date=datetime.date(2021, 3, 15) if number else None, head_name=head,
            head_title="Tổng Biên tập" if kind in ("newspaper", "magazine") else "Trưởng văn phòng",
            address="Thành phố Vinh, Nghệ An", phone="0238 3 844 000", valid_from=datetime.date(2020, 1, 1))
        for channel_kind, channel_name, domain in channels:
            PressChannel.objects.create(press_agency=press, kind=channel_kind, name=channel_name, domain=domain)


def _spokespeople(rng: random.Random) -> int:
    count = 0
    for index, agency in enumerate(Agency.objects.active_on(timezone.localdate()).order_by("identifier")):
        name = SPOKESPEOPLE[index % len(SPOKESPEOPLE)]
        head = "Phó Chủ tịch" if "Ủy ban" in agency.name else "Phó Giám đốc"
        Spokesperson.objects.create(agency=agency, name=name, position=head,
                                    phone=f"0238 3 8{rng.randint(10000, 99999)}",
                                    email=f"phatngon{index + 1}@nghean.example",
                                    decision=f"{rng.randint(10, 300)}/QĐ-UBND", valid_from=datetime.date(2025, 7, 1))
        if index % 3 == 0:
            Spokesperson.objects.create(agency=agency, role="authorised", name=SPOKESPEOPLE[(index + 5) % 12],
                                        position="Chánh Văn phòng", valid_from=datetime.date(2025, 7, 1))
        count += 1
    return count


def _scenarios() -> None:
    for topic, (title, steps) in SCENARIOS.items():
        scenario = CrisisScenario.objects.create(topic=topic, title=title)
        for order, (step, performer, hours) in enumerate(steps, start=1):
            ScenarioStep.objects.create(scenario=scenario, order=order, title=step, performer=performer, hours=hours)


def _licences(rng: random.Random) -> int:
    today = timezone.localdate()
    now = timezone.now()
    names = ["tintucnghean", "dulichxunghe", "chosanvinh", "giaoducnghean", "nongsanxunghe", "thethaovinh",
             "amthucnghean", "batdongsanvinh", "suckhoexunghe", "congdongvinh", "lamdepnghean", "xevinh",
             "sachhayxunghe", "nhacsongnghean", "vieclamvinh"]
    count = 0
    for index, name in enumerate(names):
        issued = today - datetime.timedelta(days=rng.randint(200, 1500))
        expires = today + datetime.timedelta(days=[25, 50, 400, 900, 700][index % 5])
        licence = WebsiteLicence.objects.create(
            holder_name=f"Công ty TNHH {name.capitalize()}", holder_tax_code=f"29{rng.randint(10**7, 10**8 - 1)}",
            holder_email=f"lienhe@{name}.example", kind=SiteKind.SOCIAL_NETWORK if index % 7 == 6 else
            SiteKind.GENERAL_WEBSITE, domain=f"{name}.example", licence_number=f"{index + 1:02d}/{issued.year}/GP-TTĐT",
            issued_on=issued, expires_on=expires, scope="Tổng hợp tin tức kinh tế, văn hóa, xã hội của tỉnh",
            state=LicenceState.REVOKED if index == 11 else LicenceState.IN_FORCE,
            revoked_on=today - datetime.timedelta(days=40) if index == 11 else None,
            revocation_reason="Vi phạm quy định về nguồn tin, đã xử phạt hai lần" if index == 11 else "")
        LicenceRecord.objects.create(licence=licence, action=LicenceAction.GRANT, on=issued)
        if index == 11:
            LicenceRecord.objects.create(licence=licence, action=LicenceAction.REVOKE, on=licence.revoked_on,
                                         note=licence.revocation_reason)
            Inspection.objects.create(licence=licence, inspected_on=today - datetime.timedelta(days=90),
                                      findings="Đăng lại tin không dẫn nguồn", violation=True,
                                      decision="15/QĐ-XPHC", decision_on=today - datetime.timedelta(days=80),
                                      penalty="Phạt tiền 30.000.000 đồng")
        failing = index in (3, 8)
        for hours in range(72, 0, -24):
            MonitoringCheck.objects.create(
                licence=licence, checked_at=now - datetime.timedelta(hours=hours), reachable=not failing,
                http_status=None if failing else 200, licence_shown=not failing, ok=not failing,
                tls_expires_at=now + datetime.timedelta(days=60),
                problem="không truy cập được (Connection refused)" if failing else "")
        if failing:
            licence.failures_in_a_row = 3
            licence.save(update_fields=["failures_in_a_row"])
            MonitoringAlert.objects.create(licence=licence, opened_at=now - datetime.timedelta(hours=24),
                                           problem="không truy cập được (Connection refused)")
        count += 1
    return count


def _briefings(rng: random.Random, officer) -> int:
    """A year of monthly briefings (the last Thursday of each month, 14:00) with five agencies each."""
    today = timezone.localdate()
    agencies = list(Agency.objects.filter(level="province", kind="department").active_on(today)
                    .order_by("identifier")[:8])
    count = 0
    for back in range(12, -1, -1):
        first = (today.replace(day=1) - datetime.timedelta(days=back * 30)).replace(day=1)
        day = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        while day.weekday() != 3:
            day -= datetime.timedelta(days=1)
        held_at = datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=workdays.to_local(timezone.now()).tzinfo)
        due = services.working_days_before(held_at, 3)
        briefing = Briefing.objects.create(title=f"Giao ban báo chí tháng {day.month}/{day.year}", held_at=held_at,
                                           chair="Phó Chủ tịch UBND tỉnh", venue="Hội trường UBND tỉnh",
                                           info_due_at=due, held=held_at < timezone.now(),
                                           summary="Các cơ quan cung cấp thông tin; báo chí phản ánh kịp thời."
                                           if held_at < timezone.now() else "")
        for agency in rng.sample(agencies, min(5, len(agencies))):
            delivered = None
            if held_at < timezone.now():
                delivered = due - datetime.timedelta(hours=rng.randint(1, 40)) if rng.random() < 0.8 else \
                    due + datetime.timedelta(hours=rng.randint(2, 30))
            BriefingInvitation.objects.create(briefing=briefing, agency=agency, due_at=due, delivered_at=delivered,
                                              summary="Tình hình thực hiện nhiệm vụ tháng, kế hoạch tháng tới"
                                              if delivered else "")
            if rng.random() < 0.5:
                answer_due = workdays.add_working_days(held_at, services.QUESTION_WORKING_DAYS)
                answered = None
                if held_at < timezone.now() - datetime.timedelta(days=10):
                    answered = answer_due - datetime.timedelta(hours=rng.randint(1, 60)) if rng.random() < 0.85 \
                        else answer_due + datetime.timedelta(hours=rng.randint(2, 48))
                BriefingQuestion.objects.create(
                    briefing=briefing, journalist=rng.choice(["Nguyễn Hoài", "Trần Lâm", "Phan Thảo", "Lê Nga"]),
                    outlet=rng.choice(["Báo Nghệ An", "Đài PT-TH Nghệ An", "Báo Tuổi Trẻ", "TTXVN"]),
                    question=f"Đề nghị {agency.name} cho biết tiến độ các nhiệm vụ trọng tâm?", agency=agency,
                    due_at=answer_due, answered_at=answered,
                    answer="Cơ quan đã trả lời bằng văn bản." if answered else "")
        count += 1
    return count


def _cases(officer, nurse, health) -> int:
    """Reports and cases in every state, through the services (events, audit, notices)."""
    made = []
    for index, (title, claim, topic) in enumerate(CLAIMS):
        report = services.file_report(seen_on="Mạng xã hội Facebook", link=f"https://social.example/p/{1000 + index}",
                                      description=claim, reporter_email=f"congdan{index}@example.vn")
        if index == len(CLAIMS) - 1:
            continue  # waiting for triage
        case = services.open_case(report=report, title=title, claim=claim, topic=topic,
                                  severity="severe" if topic in ("disaster", "epidemic") else "medium",
                                  agencies=[health], actor=officer)
        made.append(case)
        if index == 0:
            continue  # verification
        services.answer_verification(case.verifications.get(), facts="Cơ quan đã kiểm tra thực tế: không có căn cứ.",
                                     actor=nurse)
        if index == 1:
            continue  # waiting for the verdict
        verdict = Verdict.TRUE if index == 4 else Verdict.FALSE
        services.decide(case, verdict=verdict, note="Theo thông tin xác minh của cơ quan có thẩm quyền", actor=officer)
        if index == 2:
            scenario = CrisisScenario.objects.filter(topic=topic).first()
            if scenario is not None:
                services.open_crisis(case, scenario, actor=officer)
            continue  # response under way, with a crisis
        if verdict == Verdict.FALSE:
            services.publish_refutation(case, title=f"Thông tin “{title.lower()}” là sai sự thật",
                                        text=f"Cơ quan có thẩm quyền khẳng định: {claim} là thông tin sai sự thật. "
                                             "Đề nghị người dân không chia sẻ, theo dõi thông tin chính thức.",
                                        actor=officer)
        services.close_case(case, actor=officer)
    duplicate = services.file_report(seen_on="Nhóm Zalo", link="https://social.example/p/1000-b",
                                     description=CLAIMS[0][1])
    services.merge_report(duplicate, made[0], actor=officer)
    other = services.file_report(seen_on="Diễn đàn", link="https://forum.example/t/1", description="Quảng cáo bán hàng")
    services.dismiss_report(other, note="Nội dung quảng cáo, không phải thông tin sai sự thật", actor=officer)
    return len(made)


LICENCE_PROCEDURE = "2.001900"  # a placeholder in the national code format (see catalogue.demo)


def _licence_procedure(department: Agency):
    from tinhso.catalogue.demo import _field
    from tinhso.catalogue.models import Procedure, Status, StepRole
    from tinhso.catalogue.services import DocumentLine, FeeLine, StepLine, VersionContent, apply_content
    from tinhso.media.licensing import KEY, LICENCE_FORM

    content = VersionContent(
        name="Cấp, gia hạn, sửa đổi, thu hồi giấy phép thiết lập trang thông tin điện tử tổng hợp",
        field=_field("PTTH", "Phát thanh, truyền hình và thông tin điện tử"), level="province", time_limit=10,
        result="Giấy phép; trang được ghi vào sổ giấy phép trang thông tin điện tử, mạng xã hội",
        legal_basis="Nghị định 147/2024/NĐ-CP", online_level="full", eform_schema=LICENCE_FORM, result_handler=KEY,
        agencies=(department,),
        documents=(DocumentLine(name="Đơn đề nghị cấp giấy phép (mẫu số 23)"),
                   DocumentLine(name="Đề án hoạt động", originals=1),
                   DocumentLine(name="Thỏa thuận cung cấp thông tin với các nguồn tin", required=False)),
        fees=(FeeLine(description="Phí thẩm định (mẫu)", amount=0),),
        steps=(StepLine(role=StepRole.RECEIVE, share=0), StepLine(role=StepRole.HANDLE, share=8, agency=department),
               StepLine(role=StepRole.APPROVE, share=2, agency=department), StepLine(role=StepRole.RETURN, share=0)))
    apply_content(LICENCE_PROCEDURE, content, publish_now=True)
    return Procedure.objects.get(code=LICENCE_PROCEDURE).versions.get(status=Status.PUBLISHED)


def _licence_dossiers(department: Agency, password: str) -> int:
    """Licence requests through the one-stop engine at every step; the returned ones are in the registry."""
    from tinhso.dossiers import services as engine

    User = get_user_model()
    officer = User.objects.get(username="baochi")
    leader = User.objects.filter(username="bc_lanhdao").first() or User.objects.create(
        username="bc_lanhdao", first_name="Trịnh Văn", last_name="Quang", password=make_password(password))
    for user, roles in ((officer, (Role.RECEIVER, Role.RETURNER)), (leader, (Role.APPROVER,))):
        for role in roles:
            Membership.objects.get_or_create(user=user, agency=department, role=role,
                                             defaults={"valid_from": datetime.date(2025, 7, 1)})
    version = _licence_procedure(department)
    renewing = WebsiteLicence.objects.filter(state=LicenceState.IN_FORCE).order_by("expires_on").first()
    requests = [
        {"loai_de_nghi": "cap_moi", "ten_to_chuc": "Công ty Cổ phần Truyền thông Lam Hồng",
         "ma_so_thue": "2901112223", "ten_mien": "lamhong.example", "thoi_han_nam": 5,
         "pham_vi": "Tổng hợp tin văn hóa, du lịch xứ Nghệ", "email": "lienhe@lamhong.example"},
        {"loai_de_nghi": "gia_han", "ten_to_chuc": renewing.holder_name, "ma_so_thue": renewing.holder_tax_code,
         "ten_mien": renewing.domain, "so_giay_phep": renewing.licence_number, "thoi_han_nam": 3},
        {"loai_de_nghi": "cap_moi", "ten_to_chuc": "Công ty TNHH Tin Nhanh Cửa Lò", "ma_so_thue": "2903334445",
         "ten_mien": "tinnhanhcualo.example", "thoi_han_nam": 3, "pham_vi": "Tin tức du lịch biển Cửa Lò"},
        {"loai_de_nghi": "cap_moi", "ten_to_chuc": "Công ty TNHH Sông Lam Media", "ma_so_thue": "2905556667",
         "ten_mien": "songlammedia.example", "thoi_han_nam": 2, "pham_vi": "Tổng hợp tin thể thao"},
    ]
    for index, data in enumerate(requests):
        dossier = engine.submit_online(
            version=version, receiving_agency=department, eform_data=data,
            applicant=engine.Applicant(name=data["ten_to_chuc"], kind="organisation", tax_code=data["ma_so_thue"],
                                       email=data.get("email", ""), phone="0238 3 600 000"))
        if index == 3:
            continue  # waiting for reception
        dossier = engine.receive(dossier, actor=officer, expected_version=dossier.version)
        dossier = engine.forward(dossier, actor=officer, expected_version=dossier.version)
        if index == 2:
            continue  # with the leader
        dossier = engine.approve(dossier, actor=leader, expected_version=dossier.version)
        engine.return_result(dossier, actor=officer, expected_version=dossier.version, method="online")
    return len(requests)
