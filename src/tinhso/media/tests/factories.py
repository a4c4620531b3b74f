"""Factories for the press and information module: the department keeping the registries with its officer,
another agency with its officer, licences, and small valid files for uploads.

    office, officer = department()          # the department (PressOffice) and one of its officers
    agency, person = agency_with_officer()   # any other agency and one of its officers
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.media.models import PressOffice, WebsiteLicence


def agency_with_officer(name: str = "Sở Tài nguyên và Môi trường", role: str = Role.HANDLER, **fields):
    agency = AgencyFactory(name=name, **fields)
    user = UserFactory()
    MembershipFactory(user=user, agency=agency, role=role)
    return agency, user


def department():
    agency, user = agency_with_officer("Sở Văn hóa, Thể thao và Du lịch")
    PressOffice.objects.get_or_create(agency=agency)
    return agency, user


def png(name: str = "anh-chup.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "thong-tin.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def licence(domain: str = "tintuc.example", number: str = "01/2025/GP-TTĐT", *, expires_in_days: int = 400,
            **fields) -> WebsiteLicence:
    today = timezone.localdate()
    values = {"holder_name": "Công ty TNHH Tin Tức Nghệ An", "holder_tax_code": "2901234567",
              "holder_email": "lienhe@tintuc.example", "domain": domain, "licence_number": number,
              "issued_on": today - datetime.timedelta(days=300),
              "expires_on": today + datetime.timedelta(days=expires_in_days)}
    values.update(fields)
    return WebsiteLicence.objects.create(**values)
