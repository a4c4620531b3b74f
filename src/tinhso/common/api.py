"""The working-day calendar over HTTP: due moments, lateness and each year's schedule (standards §3).

Every parameter is read as text and checked here, so bad input gets a Vietnamese message naming the
field (HTTP 400), never a 500.
"""

from ninja import Query, Router, Schema, Status

from tinhso.common import workdays

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


class ErrorOut(Schema):
    detail: str
    field: str


def _error(exc: workdays.CalendarInputError):
    return Status(400, {"detail": exc.message, "field": exc.field})


@router.get("/due", response={200: DueOut, 400: ErrorOut}, summary="Hạn giải quyết")
def due(request, received: str | None = Query(None, alias="from"), days: str | None = None,
        hours: str | None = None):
    """The due moment of a limit in working days (`days`) or working hours (`hours`) for something
    received at `from`. Days: the receiving day is not counted and the limit ends at the close of office
    hours of the last working day (BLDS 2015 Arts. 147–148)."""
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
            summary="Số ngày làm việc giữa hai thời điểm")
def between(request, start: str | None = Query(None, alias="from"),
            end: str | None = Query(None, alias="to")):
    """How many working days `to` is after `from`: the working days after the day of `from` up to and
    including the day of `to`; 0 when `to` is not on a later working day (lateness of a dossier)."""
    try:
        count = workdays.working_days_between(workdays.parse_moment(start, "from"),
                                              workdays.parse_moment(end, "to"))
    except workdays.CalendarInputError as exc:
        return _error(exc)
    return {"working_days": count}


@router.get("/years/{year}", response={200: YearOut, 400: ErrorOut},
            summary="Lịch nghỉ và làm bù của một năm")
def year(request, year: str):
    """The weekdays off and the make-up working days of the year, with their reasons and sources."""
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
