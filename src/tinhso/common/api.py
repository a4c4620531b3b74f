"""The working-day calendar over HTTP: due moments, lateness and each year's schedule (standards §3).

Every parameter is read as text and checked here, so bad input gets a Vietnamese message naming the
field (HTTP 400), never a 500.
"""

from django.utils.translation import gettext_noop as _
from ninja import Query, Router, Schema, Status

from tinhso.common import workdays
from tinhso.common.restapi import ErrorOut, error_body

router = Router(tags=["calendar"])


class DueOut(Schema):
    due: str


class BetweenOut(Schema):
    working_days: int


class CalendarDayOut(Schema):
    date: str
    weekday: str
    kind: str
    kind_label: str
    reason: str
    source: str


class YearOut(Schema):
    year: int
    days: list[CalendarDayOut]


def _error(exc: workdays.CalendarInputError):
    return Status(400, error_body(exc.message, field=exc.field))


@router.get("/due", response={200: DueOut, 400: ErrorOut}, summary=_("Hạn giải quyết"),
            description=_("Thời điểm đến hạn của một thời hạn tính bằng ngày làm việc (days) hoặc giờ làm việc "
                          "(hours) kể từ thời điểm tiếp nhận (from). Theo ngày: không tính ngày tiếp nhận, hạn là "
                          "cuối giờ hành chính của ngày làm việc cuối cùng (BLDS 2015, Điều 147–148)."))
def due(request, received: str | None = Query(None, alias="from", max_length=40), days: str | None = None,
        hours: str | None = None):
    try:
        moment = workdays.parse_moment(received, "from")
        if (days is None) == (hours is None):
            raise workdays.CalendarInputError(
                "Hãy cho đúng một trong hai tham số 'days' (số ngày làm việc) hoặc 'hours' (số giờ làm việc) "
                "(give exactly one of days or hours)", "days")
        if days is not None:
            result = workdays.add_working_days(moment, workdays.parse_days(days))
        else:
            result = workdays.add_working_hours(moment, workdays.parse_hours(hours))
    except workdays.CalendarInputError as exc:
        return _error(exc)
    return {"due": result.isoformat()}


@router.get("/between", response={200: BetweenOut, 400: ErrorOut},
            summary=_("Số ngày làm việc giữa hai thời điểm"),
            description=_("Số ngày làm việc từ sau ngày của “from” đến hết ngày của “to”; 0 khi “to” không rơi "
                          "vào một ngày làm việc sau đó (số ngày trễ hạn của hồ sơ)."))
def between(request, start: str | None = Query(None, alias="from", max_length=40),
            end: str | None = Query(None, alias="to", max_length=40)):
    try:
        count = workdays.working_days_between(workdays.parse_moment(start, "from"),
                                              workdays.parse_moment(end, "to"))
    except workdays.CalendarInputError as exc:
        return _error(exc)
    return {"working_days": count}


@router.get("/years/{year}", response={200: YearOut, 400: ErrorOut},
            summary=_("Lịch nghỉ và làm bù của một năm"),
            description=_("Các ngày thường được nghỉ và các ngày làm việc bù trong năm, kèm lý do và văn bản."))
def year(request, year: str):
    try:
        number = workdays.parse_year(year)
        schedule = workdays.year_schedule(number)
    except workdays.CalendarInputError as exc:
        return _error(exc)
    return {
        "year": number,
        "days": [
            {"date": entry.day.isoformat(), "weekday": entry.weekday_name, "kind": entry.kind.value,
             "kind_label": entry.kind.label, "reason": entry.reason, "source": entry.source}
            for entry in schedule
        ],
    }
