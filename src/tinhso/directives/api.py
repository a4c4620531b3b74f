"""API của sổ theo dõi nhiệm vụ được giao (/api/directives).

Xác thực bằng khoá API của cơ quan (``Authorization: Bearer ts_…``: thấy các nhiệm vụ cơ quan mình và đơn vị
trực thuộc chủ trì hoặc phối hợp) hoặc phiên đăng nhập. Nhiệm vụ ngoài phạm vi được trả lời 404 như nhiệm vụ
không tồn tại. Cơ quan chủ trì báo cáo tiến độ, báo cáo hoàn thành và đề nghị gia hạn qua API; mỗi thao tác
gửi kèm ``version`` của nhiệm vụ đã đọc (409 nếu nhiệm vụ đã thay đổi).
"""

import datetime
from typing import Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from tinhso.common.restapi import BoundedDate, choice, errors, paginated
from tinhso.directives import selectors, services
from tinhso.directives.models import Task, TaskEvent, TaskState
from tinhso.dossiers.api import ActiveSession, TokenAuth

router = Router(tags=["directives"], auth=[TokenAuth(), ActiveSession()])


def _allowed(request) -> None:
    if not selectors.may_use_register(request.auth):
        raise HttpError(403, gettext("Không có quyền xem sổ theo dõi nhiệm vụ."))


def _task(request, pk: int) -> Task:
    found = selectors.task_detail(request.auth, pk)
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy nhiệm vụ."))
    return found


def _fail(error: services.DirectiveError):
    raise HttpError(error.status, error.message) from error


def _act(request, pk: int, action, **values) -> Task:
    """A lead agency's report on a task in its scope (``action`` a service); the task as it now stands."""
    _allowed(request)
    found = _task(request, pk)
    try:
        action(request.auth, found, **values)
    except services.DirectiveError as error:
        _fail(error)
    return _task(request, pk)


# -- schemas --------------------------------------------------------------------------------------------------


class AssignedTaskOut(Schema):
    id: int
    directive: str = Field(description=_("Số, ký hiệu văn bản chỉ đạo"), alias="directive.number")
    directive_date: datetime.date = Field(description=_("Ngày ban hành văn bản"), alias="directive.issued_on")
    position: int = Field(description=_("Số thứ tự nhiệm vụ trong văn bản"))
    text: str = Field(description=_("Nội dung nhiệm vụ"))
    lead_agency: str = Field(description=_("Mã định danh cơ quan chủ trì"), alias="lead_agency.identifier")
    due_at: datetime.datetime | None = Field(description=_("Hạn hiện hành (sau gia hạn); trống: nhiệm vụ thường xuyên"))
    original_due_at: datetime.datetime | None = Field(description=_("Hạn ban đầu"))
    state: choice(TaskState) = Field(description=_("Tình trạng nhiệm vụ"))
    deadline_status: Literal["on_time", "due_soon", "overdue", "early", "late", "paused", "none"] = Field(
        description=_("Tình trạng hạn xử lý"))
    assigned_by: str = Field(description=_("Lãnh đạo giao nhiệm vụ"), alias="assigned_by_name")
    version: int = Field(description=_("Phiên bản; gửi kèm khi báo cáo"))

    @staticmethod
    def resolve_deadline_status(task) -> str:
        return selectors.status_of(task).kind


class TaskTimelineEventOut(Schema):
    at: datetime.datetime
    actor: str = Field(alias="actor_label")
    action: Literal[tuple(TaskEvent.ACTIONS)] = Field(description=_("Bước trong diễn biến nhiệm vụ"))
    note: str


class AssignedTaskDetailOut(AssignedTaskOut):
    coordinating: list[str] = Field(description=_("Mã định danh các cơ quan phối hợp"))
    events: list[TaskTimelineEventOut] = Field(description=_("Diễn biến"))

    @staticmethod
    def resolve_coordinating(task) -> list[str]:
        return sorted(agency.identifier for agency in task.coordinating.all())

    @staticmethod
    def resolve_events(task) -> list:
        return list(task.events.all())


class DirectiveTaskFilters(Schema):
    state: choice(TaskState) | None = Field(None, description=_("Tình trạng nhiệm vụ"))
    deadline: Literal["on_time", "due_soon", "overdue", "late"] | None = Field(
        None, description=_("Thời hạn: on_time, due_soon, overdue, late"))
    due_from: BoundedDate | None = Field(None, description=_("Hạn từ ngày"))
    due_to: BoundedDate | None = Field(None, description=_("Hạn đến ngày"))
    q: str | None = Field(None, max_length=200, description=_("Tìm theo nội dung, số văn bản"))


class TaskProgressIn(Schema):
    version: int = Field(ge=1, le=2_000_000_000, description=_("Phiên bản nhiệm vụ đã đọc"))
    text: str = Field(min_length=1, max_length=4000, description=_("Nội dung báo cáo"))
    evidence: str = Field("", max_length=300, description=_("Kết quả, minh chứng: số, ký hiệu văn bản; mã hồ sơ; "
                                                            "đường dẫn"))


class TaskCompletionIn(TaskProgressIn):
    evidence: str = Field(min_length=1, max_length=300, description=_("Kết quả, minh chứng (bắt buộc)"))


class TaskExtensionIn(Schema):
    version: int = Field(ge=1, le=2_000_000_000, description=_("Phiên bản nhiệm vụ đã đọc"))
    new_due_on: BoundedDate = Field(description=_("Hạn đề nghị"))
    reason: str = Field(min_length=1, max_length=2000, description=_("Lý do"))


# -- endpoints -------------------------------------------------------------------------------------------------


@router.get("/tasks", response={200: list[AssignedTaskOut], **errors(403)}, summary=_("Danh sách nhiệm vụ được giao"),
            description=_("Nhiệm vụ trong phạm vi người gọi (cơ quan chủ trì hoặc phối hợp), lọc theo tình trạng, "
                          "thời hạn, khoảng hạn và nội dung."))
@paginated(50)
def tasks(request, filters: Query[DirectiveTaskFilters]):
    _allowed(request)
    found = selectors.filter_tasks(selectors.tasks_for(request.auth), state=filters.state, status=filters.deadline,
                                   due_from=filters.due_from, due_to=filters.due_to, q=filters.q)
    return selectors.register_rows(found)


@router.get("/tasks/{pk}", response={200: AssignedTaskDetailOut, **errors(403, 404)}, summary=_("Một nhiệm vụ"),
            description=_("Nhiệm vụ với cơ quan phối hợp và diễn biến; ngoài phạm vi được trả lời 404."))
def task(request, pk: int):
    _allowed(request)
    return _task(request, pk)


@router.post("/tasks/{pk}/progress", response={200: AssignedTaskOut, **errors(400, 403, 404, 409)},
             summary=_("Báo cáo tiến độ"), description=_("Cơ quan chủ trì báo cáo tiến độ thực hiện nhiệm vụ."))
def progress(request, pk: int, body: TaskProgressIn):
    return _act(request, pk, services.report_progress, text=body.text, evidence=body.evidence,
                expected_version=body.version)


@router.post("/tasks/{pk}/completion", response={200: AssignedTaskOut, **errors(400, 403, 404, 409)},
             summary=_("Báo cáo hoàn thành"),
             description=_("Cơ quan chủ trì báo cáo hoàn thành, nêu kết quả, minh chứng; Văn phòng xác nhận sau."))
def completion(request, pk: int, body: TaskCompletionIn):
    return _act(request, pk, services.report_completion, text=body.text, evidence=body.evidence,
                expected_version=body.version)


@router.post("/tasks/{pk}/extension", response={200: AssignedTaskOut, **errors(400, 403, 404, 409)},
             summary=_("Đề nghị gia hạn"),
             description=_("Cơ quan chủ trì đề nghị gia hạn trước thời hạn, nêu lý do; lãnh đạo giao nhiệm vụ quyết "
                           "định."))
def extension(request, pk: int, body: TaskExtensionIn):
    return _act(request, pk, services.request_extension, new_due_on=body.new_due_on, reason=body.reason,
                expected_version=body.version)
