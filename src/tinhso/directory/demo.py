"""Demo agencies and one demo login per role for the province a deployment serves.

The identifier allocation below the province's level-1 code is the demo's own (standards §1: the exact
allocation is each province's): departments ``000.00.NN.<L1>``, commune People's Committees
``000.NN.50.<L1>`` and their public administration service centres ``001.NN.50.<L1>``.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Agency, Membership, Role
from tinhso.geo.models import Commune, Province

# 2025 reorganisation (standards §8): merged departments start on 1 March 2025, the commune-level
# structure and the service centres of NĐ 118/2025/NĐ-CP on 1 July 2025.
MERGER_DAY = datetime.date(2025, 3, 1)
TWO_TIER_DAY = datetime.date(2025, 7, 1)

# (Y1Y2 group, name, short name, valid from)
DEPARTMENTS: list[tuple[str, str, str, datetime.date | None]] = [
    ("01", "Văn phòng Ủy ban nhân dân tỉnh", "VP UBND", None),
    ("02", "Sở Khoa học và Công nghệ", "Sở KH&CN", MERGER_DAY),
    ("03", "Sở Tư pháp", "Sở TP", None),
    ("04", "Sở Xây dựng", "Sở XD", MERGER_DAY),
    ("05", "Sở Nông nghiệp và Môi trường", "Sở NN&MT", MERGER_DAY),
    ("06", "Sở Tài chính", "Sở TC", MERGER_DAY),
    ("07", "Sở Văn hóa, Thể thao và Du lịch", "Sở VHTT&DL", None),
    ("08", "Sở Y tế", "Sở YT", None),
    ("09", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", None),
    ("10", "Trung tâm Phục vụ hành chính công tỉnh", "TTPVHCC tỉnh", TWO_TIER_DAY),
    ("11", "Sở Thông tin và Truyền thông", "Sở TT&TT", None),
]
# Bodies of the central vertical branches at the province that one-stop routes hand dossiers to (liên thông):
# in the directory so that their steps run there, outside the People's Committee's tree.
# (Y1Y2 group, name, short name)
VERTICAL_AGENCIES: list[tuple[str, str, str]] = [
    ("12", "Công an tỉnh", "CA tỉnh"),
    ("13", "Bảo hiểm xã hội tỉnh", "BHXH tỉnh"),
]
SERVICE_CENTRE = "10"
DISSOLVED = "11"  # merged into Sở Khoa học và Công nghệ (standards §8)
DISSOLVED_ON = datetime.date(2025, 2, 28)
SUCCESSOR = "02"
COMMUNE_COUNT = 12

# (role, username, family and middle names, given name, department group). Django's full name is
# “first_name last_name”, so first_name holds the family and middle names and last_name the given name:
# the name reads in Vietnamese order and sorting by last_name sorts by given name, as Vietnamese lists do.
DEMO_USERS: list[tuple[Role, str, str, str, str]] = [
    (Role.RECEIVER, "tiepnhan", "Nguyễn Thị", "Hoa", SERVICE_CENTRE),
    (Role.HANDLER, "xuly", "Trần Văn", "Minh", "03"),
    (Role.APPROVER, "lanhdao", "Lê Quang", "Hùng", "03"),
    (Role.RETURNER, "trakq", "Phạm Thị", "Lan", SERVICE_CENTRE),
    (Role.AGENCY_ADMIN, "quantricq", "Hoàng Văn", "Nam", "02"),
    (Role.OPERATIONS_VIEWER, "dieuhanh", "Võ Thị", "Thu", "01"),
    (Role.PLATFORM_ADMIN, "quantri", "Đặng Minh", "Tuấn", "02"),
]
# Departments second their own officers to the service centre's desk: the demo receiver and returner also
# act for the department of the demo handler and approver, so one set of logins takes a dossier from
# reception to return.
SECONDED: list[tuple[str, Role, str]] = [("tiepnhan", Role.RECEIVER, "03"), ("trakq", Role.RETURNER, "03")]


def load_demo_directory(province_code: str, password: str) -> list[tuple[str, str, str]]:
    """Create (or bring up to date) the demo agency tree and logins; returns (role, username, agency)."""
    province = Province.objects.filter(code=province_code).first()
    if province is None:
        from tinhso.geo.services import load_units

        load_units()
        province = Province.objects.get(code=province_code)
    level1 = province_level1_code(province_code)
    communes = list(Commune.objects.filter(province=province).order_by("code")[:COMMUNE_COUNT])

    with transaction.atomic():
        committee = _agency(
            f"000.00.00.{level1}", name=f"Ủy ban nhân dân {_province_title(province)}",
            short_name="UBND tỉnh",
            level=Agency.Level.PROVINCE, kind=Agency.Kind.PEOPLES_COMMITTEE, province=province,
        )
        departments: dict[str, Agency] = {}
        for group, name, short_name, valid_from in DEPARTMENTS:
            kind = Agency.Kind.SERVICE_CENTRE if group == SERVICE_CENTRE else Agency.Kind.DEPARTMENT
            ending = {}
            if group == DISSOLVED:
                ending = {"valid_to": DISSOLVED_ON, "succeeded_by": departments[SUCCESSOR]}
            departments[group] = _agency(
                f"000.00.{group}.{level1}", name=name, short_name=short_name, level=Agency.Level.PROVINCE,
                kind=kind, province=province, parent=committee, valid_from=valid_from, **ending,
            )
        for group, name, short_name in VERTICAL_AGENCIES:
            _agency(f"000.00.{group}.{level1}", name=name, short_name=short_name, level=Agency.Level.PROVINCE,
                    kind=Agency.Kind.OTHER, province=province)
        for number, commune in enumerate(communes, start=1):
            commune_committee = _agency(
                f"000.{number:02d}.50.{level1}", name=f"Ủy ban nhân dân {_lower_first(commune.name)}",
                level=Agency.Level.COMMUNE, kind=Agency.Kind.COMMUNE_PEOPLES_COMMITTEE, province=province,
                commune=commune, parent=committee, valid_from=TWO_TIER_DAY,
            )
            _agency(
                f"001.{number:02d}.50.{level1}",
                name=f"Trung tâm Phục vụ hành chính công {_lower_first(commune.name)}",
                level=Agency.Level.COMMUNE, kind=Agency.Kind.COMMUNE_ONE_STOP, province=province,
                commune=commune, parent=commune_committee, valid_from=TWO_TIER_DAY,
            )

        logins = []
        for role, username, first_name, last_name, where in DEMO_USERS:
            agency = departments[where]
            user = _user(username, password, first_name, last_name, superuser=role == Role.PLATFORM_ADMIN)
            Membership.objects.get_or_create(
                user=user, agency=agency, role=role, defaults={"valid_from": TWO_TIER_DAY},
            )
            logins.append((str(role.label), username, agency.name))
        for username, role, where in SECONDED:
            Membership.objects.get_or_create(
                user=get_user_model().objects.get(username=username), agency=departments[where], role=role,
                defaults={"valid_from": TWO_TIER_DAY},
            )
    return logins


def _province_title(province) -> str:
    """“tỉnh Nghệ An”, “thành phố Huế”: the province's name as it follows “Ủy ban nhân dân”."""
    return _lower_first(province.full_name)


def _lower_first(name: str) -> str:
    """“Phường Thành Vinh” → “phường Thành Vinh”, as the unit's name reads inside an agency's name."""
    return name[:1].lower() + name[1:]


def _agency(identifier: str, **fields) -> Agency:
    """Create the agency or update the fields that differ; saving nothing when nothing changed."""
    agency = Agency.objects.filter(identifier=identifier).first()
    if agency is None:
        return Agency.objects.create(identifier=identifier, **fields)
    changed = [name for name, value in fields.items() if getattr(agency, name) != value]
    for name in changed:
        setattr(agency, name, fields[name])
    if changed:
        agency.save()
    return agency


def _user(username: str, password: str, first_name: str, last_name: str, *, superuser: bool):
    """The demo login with the given password (reset if it was changed), saved only when it differs."""
    User = get_user_model()
    fields = {
        "first_name": first_name, "last_name": last_name, "is_staff": superuser, "is_superuser": superuser,
    }
    user = User.objects.filter(username=username).first() or User(username=username)
    changed = user.pk is None or any(getattr(user, name) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(user, name, value)
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    return user
