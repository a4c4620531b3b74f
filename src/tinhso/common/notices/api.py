"""The signed-in person's in-app notices over HTTP (a phone app, a portal widget): list, unread count, mark
as read. Only the caller's own notices; another person's answers 404 like one that does not exist."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import SessionAuth

from tinhso.common.inputs import MAX_ID
from tinhso.common.notices import selectors, services
from tinhso.common.restapi import errors, paginated


class SignedIn(SessionAuth):
    """A signed-in, active account (citizen or staff); unsafe methods need the CSRF token, as forms do."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated and user.is_active else None


router = Router(tags=["notices"], auth=SignedIn())


class NoticeOut(Schema):
    id: int = Field(description=_("Mã thông báo"))
    subject: str = Field(description=_("Tiêu đề"))
    text: str = Field(description=_("Nội dung"))
    link: str = Field(description=_("Địa chỉ của việc được thông báo (đường dẫn trên cổng hoặc địa chỉ web)"))
    kind: str = Field(description=_("Phân hệ và việc gửi thông báo, ví dụ dossiers.event"))
    created_at: datetime.datetime = Field(description=_("Thời điểm thông báo"))
    read_at: datetime.datetime | None = Field(description=_("Thời điểm đánh dấu đã đọc (rỗng: chưa đọc)"))

    @staticmethod
    def resolve_link(notice) -> str:
        return notice.href


class UnreadOut(Schema):
    unread: int = Field(description=_("Số thông báo chưa đọc"))


class ReadAllOut(Schema):
    marked: int = Field(description=_("Số thông báo vừa được đánh dấu đã đọc"))
    unread: int = Field(description=_("Số thông báo còn chưa đọc"))


@router.get("/", response=list[NoticeOut], summary=_("Thông báo của tôi"),
            description=_("Các thông báo trong tài khoản đang đăng nhập, mới nhất trước; unread=true chỉ lấy "
                          "thông báo chưa đọc."))
@paginated(20)
def list_notices(request, unread: bool = False):
    notices = selectors.inbox(request.auth)
    return notices.filter(read_at__isnull=True) if unread else notices


@router.get("/unread-count", response=UnreadOut, summary=_("Số thông báo chưa đọc"),
            description=_("Số thông báo chưa đọc của tài khoản đang đăng nhập (con số hiện trên đầu trang)."))
def unread_count(request):
    return {"unread": selectors.unread_count(request.auth)}


@router.post("/{notice_id}/read", response={200: NoticeOut, **errors(403, 404)}, summary=_("Đánh dấu đã đọc"),
             description=_("Đánh dấu một thông báo của tài khoản là đã đọc; đánh dấu lại không thay đổi gì. "
                           "Cần mã chống giả mạo (CSRF) như các biểu mẫu của cổng."))
def read(request, notice_id: int):
    notice_id = notice_id if 0 < notice_id <= MAX_ID else 0  # beyond the column: no such notice
    services.mark_read(request.auth, notice_id)
    notice = selectors.inbox(request.auth).filter(pk=notice_id).first()
    if notice is None:
        raise HttpError(404, gettext("Không tìm thấy thông báo."))
    return notice


@router.post("/read-all", response={200: ReadAllOut, **errors(403)}, summary=_("Đánh dấu tất cả là đã đọc"),
             description=_("Đánh dấu mọi thông báo chưa đọc của tài khoản là đã đọc; trả về số thông báo đã "
                           "đánh dấu. Cần mã chống giả mạo (CSRF) như các biểu mẫu của cổng."))
def read_all(request):
    return {"marked": services.mark_read(request.auth), "unread": 0}
