"""The shared layer of the JSON API: the root API class, error bodies, pagination and input types.

Every app's ``api.py`` builds on this module, so that all operations answer alike:

- :class:`PlatformAPI` is the root (``tinhso.api.api``). Its errors are ``{"detail": …}`` in Vietnamese
  (English when the request chose English: ``Accept-Language: en`` or the site's language cookie), with
  ``field`` or ``errors`` where one input is at fault (:class:`ErrorOut`). Its OpenAPI document is written
  in Vietnamese and translated to English when English is chosen; every operation documents its 4xx
  answers (401 for authenticated operations and 422 for refused input are added to all of them; an
  operation declares the others with :func:`errors`); and two different schemas under one component
  name are refused (:class:`ConflictingSchemas`) instead of one silently replacing the other.
- :func:`paginated` is the one pagination: ``?page=`` (1…``MAX_PAGE``) and ``?page_size=``
  (1…``MAX_PAGE_SIZE``), answering ``{"items": […], "count": n}``.
- Input types carry their limits into the published schema and refuse what does not fit with a 422:
  :func:`text` (a model column's width), :data:`Email`, :data:`BoundedDate`, :data:`ProvinceDateTime`
  (a date-time without a zone is read in the province's zone), :func:`decimal_for` (a decimal column's
  digits), :func:`choice` (an enumeration under its own meaning, never a shared ``Kind``).

OpenAPI texts (``summary=``, ``description=``, ``Field(description=…)``) are written in Vietnamese and
marked with ``gettext_noop`` (imported as ``_`` in the API modules), so that ``makemessages`` collects
them into the app's catalogue; the document is translated when it is generated. Messages in answers use
``gettext`` at the time of the request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import get_language, gettext, gettext_noop
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.pagination import PageNumberPagination, paginate
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import AfterValidator, WithJsonSchema

from tinhso.common import inputs

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500


# -- error bodies ------------------------------------------------------------------------------------------

class FieldErrorOut(Schema):
    field: str = Field(description=gettext_noop("Trường hoặc tham số có lỗi (rỗng: cả yêu cầu)"))
    message: str = Field(description=gettext_noop("Lỗi của trường đó"))


class ErrorOut(Schema):
    """The body of every 4xx answer of the API."""

    detail: str = Field(description=gettext_noop("Thông báo lỗi, bằng tiếng Việt (tiếng Anh khi chọn tiếng Anh)"))
    field: str | None = Field(None, description=gettext_noop("Trường hoặc tham số có lỗi, nếu lỗi thuộc một trường"))
    errors: list[FieldErrorOut] | None = Field(None, description=gettext_noop("Các trường có lỗi (khi dữ liệu gửi "
                                                                              "không hợp lệ)"))


# What an error code means to a client, shown in the document beside each code.
# What a successful answer is called in the document (ninja's defaults are the English reason phrases).
SUCCESS_TEXTS = {
    200: gettext_noop("Thành công"),
    201: gettext_noop("Đã tạo"),
    202: gettext_noop("Đã nhận, đang xử lý"),
    204: gettext_noop("Thành công, không có nội dung trả về"),
}
STATUS_TEXTS = {
    400: gettext_noop("Yêu cầu không hợp lệ"),
    401: gettext_noop("Chưa xác thực: thiếu hoặc sai khóa API (Authorization: Bearer ts_…) hay phiên đăng nhập"),
    403: gettext_noop("Không có quyền thực hiện thao tác này"),
    404: gettext_noop("Không tìm thấy (hoặc nằm ngoài phạm vi được xem)"),
    409: gettext_noop("Xung đột: hồ sơ đã thay đổi hoặc thao tác không thực hiện được ở trạng thái hiện tại"),
    413: gettext_noop("Dữ liệu gửi lên quá lớn"),
    422: gettext_noop("Dữ liệu gửi lên không hợp lệ (trường, định dạng, độ dài, ký tự)"),
    429: gettext_noop("Quá nhiều yêu cầu"),
}


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation gives besides 401 and 422: ``response={200: X, **errors(404)}``."""
    return dict.fromkeys(codes, ErrorOut)


def error_body(message: str, *, field: str | None = None, errors: Iterable[dict] | None = None) -> dict:
    body: dict[str, Any] = {"detail": message}
    if field:
        body["field"] = field
    if errors is not None:
        body["errors"] = list(errors)
    return body


# -- pagination --------------------------------------------------------------------------------------------

class Pagination(PageNumberPagination):
    """Page-number pagination with bounded numbers: a page past ``MAX_PAGE`` is a 422, not an overflow of
    the database's OFFSET; a page past the last one is an empty page with the true count."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=gettext_noop("Trang (bắt đầu từ 1)"))
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE,
                                      description=gettext_noop("Số mục mỗi trang"))


def paginated(page_size: int = 50, max_page_size: int = MAX_PAGE_SIZE):
    """The one pagination of API lists: ``@paginated(50)`` under the operation's decorator."""
    return paginate(Pagination, page_size=page_size, max_page_size=min(max_page_size, MAX_PAGE_SIZE))


# -- input types -------------------------------------------------------------------------------------------

def text(model: type[models.Model] | None = None, name: str = "", default: Any = ..., *, max_length: int | None = None,
         description: str = "", **extra) -> Any:
    """A text field limited like the model's column (``text(Dossier, "applicant_name")``)."""
    limit = max_length if max_length is not None else inputs.max_length_of(model, name)
    return Field(default, max_length=limit, description=description or None, **extra)


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(gettext("Địa chỉ email không hợp lệ.")) from None
    return value


def _date(value: datetime.date) -> datetime.date:
    return inputs.check_date(value, "")


def _datetime(value: datetime.datetime) -> datetime.datetime:
    return inputs.province_datetime(value)


# An e-mail address checked as Django checks it (at most 254 characters); empty means none.
Email = Annotated[str, Field(max_length=254), AfterValidator(_email),
                  WithJsonSchema({"type": "string", "maxLength": 254, "format": "email"})]
# The id of a row: a positive 64-bit integer (beyond the column is a 422, never a database overflow).
RowId = Annotated[int, Field(ge=1, le=inputs.MAX_ID)]
# A date in the platform's range (1900–2100).
BoundedDate = Annotated[datetime.date, AfterValidator(_date)]
# A date-time; one without a zone is read in the province's time zone.
ProvinceDateTime = Annotated[datetime.datetime, AfterValidator(_datetime)]


def decimal_for(model_field: models.DecimalField):
    """A decimal that fits the column (digits before and after the point), published with its bounds."""
    largest, places = inputs.decimal_bounds(model_field)
    return Annotated[Decimal, Field(ge=-largest, le=largest, max_digits=model_field.max_digits,
                                    decimal_places=places)]


def choice(choices: type[models.Choices]):
    """An enumeration inline in the schema: Django's ``Kind``s of different models never share a name."""
    return Literal[tuple(choices.values)]


# -- the root API ------------------------------------------------------------------------------------------

class ConflictingSchemas(Exception):
    """Two different schemas were published under one component name (one would hide the other)."""


# Pydantic's checks that a client meets most, in the platform's words (the rest fall back to a generic one).
_VALIDATION_MESSAGES = {
    "missing": gettext_noop("Bắt buộc phải có giá trị."),
    "string_too_long": gettext_noop("Dài quá %(max_length)s ký tự."),
    "string_too_short": gettext_noop("Ngắn hơn %(min_length)s ký tự."),
    "string_type": gettext_noop("Phải là chuỗi ký tự."),
    "string_pattern_mismatch": gettext_noop("Không đúng định dạng."),
    "int_parsing": gettext_noop("Phải là số nguyên."),
    "int_type": gettext_noop("Phải là số nguyên."),
    "int_from_float": gettext_noop("Phải là số nguyên."),
    "float_parsing": gettext_noop("Phải là số."),
    "decimal_parsing": gettext_noop("Phải là số."),
    "decimal_type": gettext_noop("Phải là số."),
    "decimal_max_digits": gettext_noop("Có nhiều nhất %(max_digits)s chữ số."),
    "decimal_max_places": gettext_noop("Có nhiều nhất %(decimal_places)s chữ số thập phân."),
    "decimal_whole_digits": gettext_noop("Có quá nhiều chữ số trước dấu thập phân."),
    "finite_number": gettext_noop("Phải là một số hữu hạn."),
    "greater_than_equal": gettext_noop("Phải lớn hơn hoặc bằng %(ge)s."),
    "greater_than": gettext_noop("Phải lớn hơn %(gt)s."),
    "less_than_equal": gettext_noop("Phải nhỏ hơn hoặc bằng %(le)s."),
    "less_than": gettext_noop("Phải nhỏ hơn %(lt)s."),
    "bool_parsing": gettext_noop("Phải là true hoặc false."),
    "bool_type": gettext_noop("Phải là true hoặc false."),
    "date_parsing": gettext_noop("Phải là ngày dạng yyyy-mm-dd."),
    "date_from_datetime_parsing": gettext_noop("Phải là ngày dạng yyyy-mm-dd."),
    "date_type": gettext_noop("Phải là ngày dạng yyyy-mm-dd."),
    "datetime_parsing": gettext_noop("Phải là thời điểm dạng ISO 8601, ví dụ 2026-03-15T10:00:00+07:00."),
    "datetime_from_date_parsing": gettext_noop("Phải là thời điểm dạng ISO 8601, ví dụ 2026-03-15T10:00:00+07:00."),
    "datetime_type": gettext_noop("Phải là thời điểm dạng ISO 8601, ví dụ 2026-03-15T10:00:00+07:00."),
    "literal_error": gettext_noop("Phải là một trong: %(expected)s."),
    "enum": gettext_noop("Phải là một trong: %(expected)s."),
    "list_type": gettext_noop("Phải là một danh sách."),
    "dict_type": gettext_noop("Phải là một đối tượng JSON."),
    "model_attributes_type": gettext_noop("Phải là một đối tượng JSON."),
    "json_invalid": gettext_noop("Không phải JSON hợp lệ."),
    "too_long": gettext_noop("Có quá nhiều phần tử (tối đa %(max_length)s)."),
}


def _field_message(error: dict) -> str:
    if error.get("type") == "value_error":
        # Our own checks (AfterValidator) raise with a message in the active language already.
        return str(error.get("ctx", {}).get("error") or error.get("msg", "")).removeprefix("Value error, ")
    template = _VALIDATION_MESSAGES.get(error.get("type", ""))
    if template is None:
        return gettext("Giá trị không hợp lệ.")
    context = dict(error.get("ctx") or {})
    try:
        return gettext(template) % context
    except (KeyError, TypeError, ValueError):
        return gettext(template).split("%", 1)[0].strip()


class _Document(OpenAPISchema):
    """The OpenAPI document: implicit 4xx answers documented, schema names checked, texts translated."""

    def responses(self, operation) -> dict:
        result = super().responses(operation)
        implicit = [422]
        if operation.auth_callbacks:
            implicit.append(401)
        if self.request_body(operation):
            implicit.append(400)
        for code in implicit:
            if code not in result:
                result[code] = {"description": STATUS_TEXTS[code],
                                "content": {self.api.renderer.media_type: {"schema": self._error_reference()}}}
        for code, details in result.items():
            if isinstance(code, int) and code in STATUS_TEXTS and details.get("description") in (
                    None, "", "Bad Request", "Unauthorized", "Forbidden", "Not Found", "Conflict",
                    "Unprocessable Content", "Unprocessable Entity", "Too Many Requests", "Payload Too Large",
                    "Content Too Large", "Request Entity Too Large"):
                details["description"] = STATUS_TEXTS[code]
            elif isinstance(code, int) and code in SUCCESS_TEXTS and details.get("description") in (
                    None, "", "OK", "Created", "Accepted", "No Content"):
                details["description"] = SUCCESS_TEXTS[code]
        return result

    def _error_reference(self) -> dict:
        """A reference to :class:`ErrorOut`, defined in the components as a declared answer would define it."""
        schema = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE, by_alias=True,
                                            schema_generator=NinjaGenerateJsonSchema, mode="serialization").copy()
        self.add_schema_definitions({**schema.pop("$defs", {}), "ErrorOut": schema})
        return {"$ref": REF_TEMPLATE.format(model="ErrorOut")}

    def add_schema_definitions(self, definitions: dict) -> None:
        definitions = {name: _without_code_notes(definition) for name, definition in definitions.items()}
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise ConflictingSchemas(
                    f"Two different schemas are named {name!r} in the OpenAPI document: give each meaning its own "
                    f"name (e.g. ProvinceKind, DossierDocumentOut).\nfirst: {known}\nsecond: {definition}")
        super().add_schema_definitions(definitions)


def _is_catalogue_text(text: str) -> bool:
    """A Vietnamese source text with its English translation (not a developer's note in English)."""
    from django.utils import translation

    with translation.override("en"):
        return gettext(text) != text


def _without_code_notes(definition: dict) -> dict:
    """A schema without the description pydantic takes from its class docstring: docstrings are notes for
    the code's readers, in English; the document publishes only Vietnamese texts of the catalogues."""
    description = definition.get("description")
    if isinstance(description, str) and description and not _is_catalogue_text(description):
        return {key: value for key, value in definition.items() if key != "description"}
    return definition


def _translated(node: Any) -> Any:
    """The document with its summaries and descriptions in the active language (their source is Vietnamese)."""
    if isinstance(node, dict):
        return {key: (gettext(value) if key in ("summary", "description") and isinstance(value, str) and value
                      else _translated(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_translated(item) for item in node]
    return node


class PlatformAPI(NinjaAPI):
    """The root API: one error body, one document, one set of answers to refused input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_exception_handler(inputs.InputError, self._input_error)
        self.add_exception_handler(ValidationError, self._validation_error)
        self.add_exception_handler(AuthenticationError, self._unauthenticated)
        self.add_exception_handler(AuthorizationError, self._forbidden)
        self.add_exception_handler(HttpError, self._http_error)
        self.add_exception_handler(Http404, self._not_found)
        for refused in (MultiPartParserError, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent):
            self.add_exception_handler(refused, self._bad_request)
        self.add_exception_handler(RequestDataTooBig, self._too_large)

    # The document -------------------------------------------------------------------------------------

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        document = _Document(self, path_prefix)
        if (get_language() or "vi").split("-")[0] == "vi":
            return document
        translated = _translated(dict(document))
        document.clear()
        document.update(translated)
        return document

    # Answers ------------------------------------------------------------------------------------------

    def error(self, request, status: int, message: str, **extra):
        response = self.create_response(request, error_body(message, **extra), status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="tinhso"'
        return response

    def _input_error(self, request, exc: inputs.InputError):
        return self.error(request, exc.status, exc.localized, field=exc.field or None)

    def _validation_error(self, request, exc: ValidationError):
        fields = []
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            # ("body", <the handler's argument>, field…) or ("query"/"path"/"form"/…, name): name what was sent.
            location = location[2:] if location and location[0] == "body" else location[1:]
            fields.append({"field": ".".join(location), "message": _field_message(error)})
        names = ", ".join(dict.fromkeys(f["field"] for f in fields if f["field"])) or gettext("yêu cầu")
        message = gettext("Tham số không hợp lệ: %(fields)s. Vui lòng kiểm tra lại giá trị đã gửi.") % {"fields": names}
        return self.error(request, 422, message, errors=fields)

    def _unauthenticated(self, request, exc):
        return self.error(request, 401, gettext(
            "Chưa xác thực: hãy gửi khóa API của cơ quan (Authorization: Bearer ts_…) hoặc đăng nhập."))

    def _forbidden(self, request, exc):
        return self.error(request, 403, gettext("Bạn không có quyền thực hiện thao tác này."))

    def _http_error(self, request, exc: HttpError):
        return self.error(request, exc.status_code, str(exc))

    def _not_found(self, request, exc):
        return self.error(request, 404, gettext("Không tìm thấy."))

    def _bad_request(self, request, exc):
        return self.error(request, 400, gettext("Yêu cầu không đọc được (dữ liệu gửi lên sai định dạng)."))

    def _too_large(self, request, exc):
        return self.error(request, 413, gettext("Dữ liệu gửi lên quá lớn."))
