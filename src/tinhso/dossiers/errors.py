"""Errors of the one-stop engine: values a person can act on (Vietnamese first, English second).

Each carries ``message`` (vi), ``message_en``, the HTTP ``status`` an API or view answers with and,
where the error concerns one input, its ``field``.
"""

from __future__ import annotations

from django.utils.translation import get_language


def english_active() -> bool:
    """Whether the request (or the code around) has English as its active language."""
    return (get_language() or "").split("-")[0] == "en"


class DossierError(Exception):
    status = 400
    default_message = "Yêu cầu không hợp lệ."
    default_message_en = "Invalid request."

    def __init__(self, message: str | None = None, message_en: str | None = None, *, field: str | None = None):
        self.message = message or self.default_message
        self.message_en = message_en or self.default_message_en
        self.field = field
        super().__init__(self.message)

    @property
    def localized(self) -> str:
        """The message in the active language: English when English is chosen, Vietnamese otherwise."""
        return self.message_en if english_active() else self.message

    def as_dict(self) -> dict:
        body = {"detail": self.message, "detail_en": self.message_en}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DossierError):
    """Bad input from the user (a missing reason, a date in the past…): 400 with the field concerned."""

    status = 400


class Conflict(DossierError):
    """The dossier changed since the form was loaded (its ``version`` moved on)."""

    status = 409
    default_message = "Hồ sơ đã được người khác thay đổi. Vui lòng tải lại trang."
    default_message_en = "This dossier was changed by someone else. Please reload the page."


class InvalidTransition(DossierError):
    """The action is not allowed in the dossier's current state; the message says why."""

    status = 409
    default_message = "Thao tác này không thực hiện được ở trạng thái hiện tại của hồ sơ."
    default_message_en = "This action is not allowed in the dossier's current state."


class PermissionDenied(DossierError):
    """The actor holds no role that allows the action at the agency concerned."""

    status = 403
    default_message = "Bạn không có quyền thực hiện thao tác này đối với hồ sơ."
    default_message_en = "You are not allowed to perform this action on the dossier."


class NotFound(DossierError):
    """No such dossier in the caller's scope (the same answer whether it exists elsewhere or not)."""

    status = 404
    default_message = "Không tìm thấy hồ sơ."
    default_message_en = "Dossier not found."


class UploadRejected(InvalidInput):
    """An uploaded file refused by type, size or name; nothing was stored."""

    status = 400
    default_message = "Tệp tải lên không hợp lệ."
    default_message_en = "The uploaded file was rejected."
