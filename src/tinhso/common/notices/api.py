"""The signed-in person's in-app notices over HTTP (a phone app, a portal widget): list, unread count, mark
as read. Only the caller's own notices; another person's answers 404 like one that does not exist."""

from __future__ import annotations

import datetime

from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import SessionAuth

from tinhso.common.notices import selectors, services


class SignedIn(SessionAuth):
    """A signed-in, active account (citizen or staff); unsafe methods need the CSRF token, as forms do."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated and user.is_active else None


router = Router(tags=["notices"], auth=SignedIn())


class NoticeOut(Schema):
    id: int
    subject: str
    text: str
    link: str
    kind: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    @staticmethod
    def resolve_link(notice) -> str:
        return notice.href


class UnreadOut(Schema):
    unread: int


class ReadOut(Schema):
    marked: int
    unread: int


class ErrorOut(Schema):
    detail: str


@router.get("/", response=list[NoticeOut], summary="Thông báo của tôi",
            description="Các thông báo trong tài khoản đang đăng nhập, mới nhất trước, 20 thông báo một trang "
                        "(tham số `page`); `unread=true` chỉ lấy thông báo chưa đọc.")
@paginate(PageNumberPagination, page_size=20)
def list_notices(request, unread: bool = False):
    notices = selectors.inbox(request.auth)
    return notices.filter(read_at__isnull=True) if unread else notices


@router.get("/unread-count", response=UnreadOut, summary="Số thông báo chưa đọc",
            description="Số thông báo chưa đọc của tài khoản đang đăng nhập (con số hiện trên đầu trang).")
def unread_count(request):
    return {"unread": selectors.unread_count(request.auth)}


@router.post("/{notice_id}/read", response={200: NoticeOut, 404: ErrorOut}, summary="Đánh dấu đã đọc",
             description="Đánh dấu một thông báo của tài khoản là đã đọc; đọc lại lần nữa không thay đổi gì.")
def read(request, notice_id: int):
    services.mark_read(request.auth, notice_id)
    notice = selectors.inbox(request.auth).filter(pk=notice_id).first()
    if notice is None:
        return Status(404, {"detail": "Không tìm thấy thông báo."})
    return Status(200, notice)


@router.post("/read-all", response=ReadOut, summary="Đánh dấu tất cả là đã đọc",
             description="Đánh dấu mọi thông báo chưa đọc của tài khoản là đã đọc; trả về số thông báo đã đánh "
                         "dấu.")
def read_all(request):
    return {"marked": services.mark_read(request.auth), "unread": 0}
