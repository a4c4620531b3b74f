"""The officer desk's forms: the queue filters, one form per dossier action, and counter reception.

Forms validate input and say in Vietnamese what is wrong with a field; whether a transition is allowed is
the services' decision (their reason comes back as a 409), never the form's.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.catalogue.models import Field, ProcedureVersion, RequiredDocument
from tinhso.common import pagecache
from tinhso.common.inputs import date_in_range
from tinhso.common.uploads import UploadRejected, validate_upload
from tinhso.common.widgets import QuickSelect
from tinhso.dossiers.models import (
    ApplicantKind,
    Channel,
    DocumentKind,
    PaymentChannel,
    ReturnMethod,
    State,
    validate_citizen_id,
)
from tinhso.geo.models import Commune


def _required(message) -> dict:
    """The message for an empty required field, a whole sentence (“Vui lòng nhập …”) so it translates."""
    return {"required": message}


class DescribedErrors:
    """Mark a field in error for assistive technology: ``aria-invalid`` and a link to its message, whose
    element the desk templates give the id ``<field id>_error``."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"


class QueueFilterForm(DescribedErrors, forms.Form):
    """The filters above a queue; every field is optional and a bad value is ignored, not fatal."""

    q = forms.CharField(label=_("Tìm theo mã hồ sơ hoặc người nộp"), required=False, max_length=100)
    # Drawn on every view of a queue: selects drawn in Python (common.widgets.QuickSelect).
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False, widget=QuickSelect)
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False, widget=QuickSelect)
    state = forms.ChoiceField(label=_("Trạng thái"), required=False, widget=QuickSelect,
                              choices=[("", _("Tất cả trạng thái")), *State.choices])
    channel = forms.ChoiceField(label=_("Hình thức nộp"), required=False, widget=QuickSelect,
                                choices=[("", _("Tất cả hình thức")), *Channel.choices])
    due_soon = forms.BooleanField(label=_("Sắp đến hạn"), required=False)
    overdue = forms.BooleanField(label=_("Quá hạn"), required=False)
    date_from = forms.DateField(label=_("Nộp từ ngày"), required=False, validators=[date_in_range],
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": _("Ngày không hợp lệ.")})
    date_to = forms.DateField(label=_("Đến ngày"), required=False, validators=[date_in_range],
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"invalid": _("Ngày không hợp lệ.")})

    def __init__(self, *args, procedures=(), **kwargs):
        """``procedures``: (national code, name) pairs the officer may filter on."""
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("Tất cả thủ tục")),
                                            *((code, f"{code} — {name}") for code, name in procedures)]
        fields = pagecache.remembered(("catalogue-fields",), lambda: list(Field.objects.order_by("name").values_list(
            "code", "name")), depends_on=["catalogue"])
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực")), *fields]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Ngày kết thúc không được trước ngày bắt đầu."))
        return data

    def params(self) -> dict:
        """The valid filters as the selectors take them; invalid ones are dropped (the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items()
                if name not in self.errors and value not in (None, "", False)}


class ActionForm(DescribedErrors, forms.Form):
    """What every action posts: the record version the officer saw, so a stale form is refused (409)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReceiveForm(NoteForm):
    pass


class ApproveForm(NoteForm):
    pass


class ForwardForm(NoteForm):
    pass


def _lines(value: str) -> list[str]:
    return [line.strip(" -•\t") for line in value.splitlines() if line.strip(" -•\t")]


def _reason_field(label, required_message) -> forms.CharField:
    return forms.CharField(label=label, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages=_required(required_message))


class SupplementRequestForm(ActionForm):
    # NĐ 61/2018 Art. 15.3: everything missing is asked for once, in one complete list.
    missing = forms.CharField(
        label=_("Giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)"), widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000, error_messages=_required(_("Vui lòng nhập danh sách giấy tờ cần bổ sung.")),
        help_text=_("Liệt kê đầy đủ trong một lần: người nộp chỉ phải bổ sung một lần."),
    )
    note = forms.CharField(label=_("Hướng dẫn thêm"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean_missing(self):
        items = _lines(self.cleaned_data["missing"])
        if not items:
            raise ValidationError(_("Vui lòng nhập ít nhất một giấy tờ cần bổ sung."))
        return items


class RefuseForm(ActionForm):
    reasons = _reason_field(_("Lý do từ chối"), _("Vui lòng nhập lý do từ chối."))


class StopForm(ActionForm):
    reasons = _reason_field(_("Lý do dừng giải quyết"), _("Vui lòng nhập lý do dừng giải quyết."))


class SendBackForm(ActionForm):
    reason = _reason_field(_("Lý do trả lại"), _("Vui lòng nhập lý do trả lại."))


class WithdrawForm(ActionForm):
    reason = forms.CharField(label=_("Lý do (theo đề nghị của người nộp)"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(label=_("Giao cho chuyên viên"), queryset=None, empty_label=_("— Chọn —"),
                                      error_messages={**_required(_("Vui lòng nhập chuyên viên.")),
                                                      "invalid_choice": _("Chuyên viên không hợp lệ.")})
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["assignee"].queryset = handlers if handlers is not None else get_user_model().objects.none()
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class ApologyForm(ActionForm):
    # NĐ 61/2018 Art. 19.9: an apology with the reason and a new date (form 04), once only.
    new_due_at = forms.DateField(label=_("Ngày hẹn trả mới"),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages={**_required(_("Vui lòng nhập ngày hẹn trả mới.")),
                                                 "invalid": _("Ngày không hợp lệ.")})
    reason = _reason_field(_("Lý do chậm trễ"), _("Vui lòng nhập lý do chậm trễ."))

    def clean_new_due_at(self):
        value = self.cleaned_data["new_due_at"]
        if value <= timezone.localdate():
            raise ValidationError(_("Ngày hẹn trả mới phải sau ngày hôm nay."))
        return value


class ReturnForm(ActionForm):
    method = forms.ChoiceField(label=_("Hình thức trả kết quả"), choices=ReturnMethod.choices,
                               initial=ReturnMethod.DESK, widget=forms.RadioSelect,
                               error_messages={**_required(_("Vui lòng nhập hình thức trả kết quả.")),
                                               "invalid_choice": _("Hình thức trả kết quả không hợp lệ.")})
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, registered: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # What the applicant registered at filing (form 01, item 6) comes chosen; the officer may change it.
        if registered in ReturnMethod.values:
            self.fields["method"].initial = registered
            self.fields["method"].help_text = _("Người nộp đã đăng ký: %(method)s.") % {
                "method": ReturnMethod(registered).label}


class ExemptionForm(ActionForm):
    ground = forms.CharField(label=_("Căn cứ miễn (đối tượng, giấy tờ đã kiểm tra)"), max_length=500,
                             error_messages=_required(_("Vui lòng nêu căn cứ miễn phí, lệ phí.")))


class PaymentForm(ActionForm):
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), min_value=1, max_value=10**12,
                                error_messages={**_required(_("Vui lòng nhập số tiền.")),
                                                "invalid": _("Số tiền phải là số nguyên."),
                                                "min_value": _("Số tiền phải lớn hơn 0.")})
    channel = forms.ChoiceField(label=_("Hình thức thanh toán"), choices=PaymentChannel.choices,
                                initial=PaymentChannel.CASH,
                                error_messages={"invalid_choice": _("Hình thức thanh toán không hợp lệ.")})
    receipt_number = forms.CharField(label=_("Số biên lai"), required=False, max_length=60)


class DocumentUploadForm(ActionForm):
    upload = forms.FileField(label=_("Tệp"), error_messages={**_required(_("Vui lòng nhập tệp.")),
                                                             "empty": _("Tệp rỗng.")})
    kind = forms.ChoiceField(label=_("Loại tài liệu"), choices=DocumentKind.choices, initial=DocumentKind.APPLICANT)
    required_document = forms.ModelChoiceField(label=_("Thuộc thành phần hồ sơ"), required=False,
                                               queryset=RequiredDocument.objects.none(),
                                               empty_label=_("— Không thuộc thành phần nào —"))

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossier is not None:
            self.fields["required_document"].queryset = RequiredDocument.objects.filter(
                version_id=dossier.procedure_version_id).order_by("order", "id")
        self.fields["required_document"].label_from_instance = lambda d: d.name

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            validate_upload(upload)
        except UploadRejected as error:
            raise ValidationError(error.localized) from None
        upload.seek(0)
        return upload


# ------------------------------------------------------------------------------------------ counter reception

class ProcedureChoiceForm(DescribedErrors, forms.Form):
    """Step one of counter reception: which procedure (a published version the desk may receive)."""

    procedure = forms.ModelChoiceField(label=_("Thủ tục hành chính"), queryset=ProcedureVersion.objects.none(),
                                       empty_label=_("— Chọn thủ tục —"),
                                       error_messages={**_required(_("Vui lòng nhập thủ tục.")),
                                                       "invalid_choice": _("Thủ tục không hợp lệ.")})

    def __init__(self, *args, procedures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if procedures is not None:
            self.fields["procedure"].queryset = procedures
        self.fields["procedure"].label_from_instance = lambda v: f"{v.procedure.code} — {v.name}"


class CounterReceptionForm(ProcedureChoiceForm):
    """Create and receive a paper dossier in one step (NĐ 61/2018 Art. 17)."""

    # Paper dossiers arrive at the desk or by post; online ones come through the portal.
    channel = forms.ChoiceField(label=_("Hình thức nộp"), initial=Channel.COUNTER, widget=forms.RadioSelect,
                                choices=[(c.value, c.label) for c in (Channel.COUNTER, Channel.POST)])
    applicant_kind = forms.ChoiceField(label=_("Người nộp là"), choices=ApplicantKind.choices,
                                       initial=ApplicantKind.PERSON, widget=forms.RadioSelect)
    applicant_name = forms.CharField(label=_("Họ tên / tên tổ chức"), max_length=255,
                                     error_messages=_required(_("Vui lòng nhập họ tên hoặc tên tổ chức.")))
    applicant_id_number = forms.CharField(label=_("Số định danh cá nhân (12 chữ số)"), required=False,
                                          max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    applicant_tax_code = forms.CharField(label=_("Mã số thuế (tổ chức)"), required=False, max_length=14)
    applicant_phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False,
                                       error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})
    applicant_address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=500)
    applicant_commune = forms.ModelChoiceField(label=_("Xã, phường, đặc khu"), required=False,
                                               queryset=Commune.objects.none(), empty_label=_("— Chọn —"),
                                               error_messages={"invalid_choice": _("Xã, phường không hợp lệ.")})
    documents_received = forms.ModelMultipleChoiceField(
        label=_("Thành phần hồ sơ đã nhận"), required=False, queryset=RequiredDocument.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Thành phần hồ sơ không thuộc thủ tục đã chọn.")},
    )
    files = forms.FileField(label=_("Tệp scan giấy tờ"), required=False,
                            widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}))
    copies = forms.IntegerField(label=_("Số bản kết quả đề nghị cấp"), initial=1, min_value=1, max_value=99,
                                required=False,
                                error_messages={**_required(_("Vui lòng nhập số bản kết quả đề nghị cấp.")),
                                                "invalid": _("Số bản phải là số nguyên."),
                                                "min_value": _("Số bản kết quả phải từ 1 đến 99."),
                                                "max_value": _("Số bản kết quả phải từ 1 đến 99.")})
    requested_return_method = forms.ChoiceField(label=_("Đăng ký nhận kết quả"), choices=ReturnMethod.choices,
                                                initial=ReturnMethod.DESK, widget=forms.RadioSelect,
                                                required=False)
    payment_amount = forms.IntegerField(label=_("Số tiền đã nộp (đồng)"), required=False, min_value=0,
                                        max_value=10**12,
                                        error_messages={"invalid": _("Số tiền phải là số nguyên."),
                                                        "min_value": _("Số tiền không được âm.")})
    payment_channel = forms.ChoiceField(label=_("Hình thức thanh toán"), choices=PaymentChannel.choices,
                                        initial=PaymentChannel.CASH, required=False)
    payment_receipt_number = forms.CharField(label=_("Số biên lai"), required=False, max_length=60)

    def __init__(self, *args, procedures=None, communes=None, version=None, **kwargs):
        super().__init__(*args, procedures=procedures, **kwargs)
        self.fields["applicant_commune"].queryset = communes if communes is not None else Commune.objects.none()
        self.fields["applicant_commune"].label_from_instance = lambda c: c.name
        if version is not None:
            self.fields["procedure"].initial = version.pk
            self.fields["documents_received"].queryset = RequiredDocument.objects.filter(
                version=version).order_by("order", "id")
        self.fields["documents_received"].label_from_instance = self._document_label

    @staticmethod
    def _document_label(document: RequiredDocument) -> str:
        label = gettext("%(name)s (%(originals)s bản chính, %(copies)s bản sao)") % {
            "name": document.name, "originals": document.originals, "copies": document.copies}
        return label if document.required else gettext("%(label)s — không bắt buộc") % {"label": label}

    def clean_applicant_name(self):
        value = " ".join(self.cleaned_data["applicant_name"].split())
        if not value:
            raise ValidationError(_("Vui lòng nhập họ tên hoặc tên tổ chức."))
        return value

    def clean_applicant_id_number(self):
        value = self.cleaned_data["applicant_id_number"].strip()
        if value:
            validate_citizen_id(value)
        return value

    def clean_applicant_tax_code(self):
        value = self.cleaned_data["applicant_tax_code"].strip().replace(" ", "")
        # Tax codes: 10 digits, or 10 digits, a dash and 3 digits for a branch.
        digits = value.replace("-", "")
        if value and not (digits.isdigit() and (len(value) == 10 or (len(value) == 14 and value[10] == "-"))):
            raise ValidationError(_("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số."))
        return value

    def clean_applicant_phone(self):
        value = self.cleaned_data["applicant_phone"].strip().replace(" ", "").replace(".", "")
        if value and not (value.lstrip("+").isdigit() and 9 <= len(value.lstrip("+")) <= 12):
            raise ValidationError(_("Số điện thoại không hợp lệ."))
        return value

    def clean_files(self):
        """Every scanned file checked by content, size and name before anything is written."""
        files = self.files.getlist("files") if self.files else []
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except UploadRejected as error:
                errors.append(error.localized)
            else:
                upload.seek(0)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self):
        data = super().clean()
        kind = data.get("applicant_kind")
        if kind == ApplicantKind.PERSON and not data.get("applicant_id_number") and "applicant_id_number" not in (
                self.errors):
            self.add_error("applicant_id_number", _("Vui lòng nhập số định danh cá nhân của người nộp."))
        if kind == ApplicantKind.ORGANISATION and not data.get("applicant_tax_code") and "applicant_tax_code" not in (
                self.errors):
            self.add_error("applicant_tax_code", _("Vui lòng nhập mã số thuế của tổ chức."))
        version = data.get("procedure")
        received = data.get("documents_received") or []
        if version is not None and "documents_received" not in self.errors:
            if any(doc.version_id != version.pk for doc in received):
                self.add_error("documents_received", _("Thành phần hồ sơ không thuộc thủ tục đã chọn."))
            else:
                have = {doc.pk for doc in received}
                missing = [doc.name for doc in version.documents.all() if doc.required and doc.pk not in have]
                if missing:
                    self.add_error("documents_received", gettext(
                        "Hồ sơ chưa đủ thành phần bắt buộc: %(missing)s. Hãy hướng dẫn người nộp bổ sung một lần "
                        "đầy đủ.") % {"missing": "; ".join(missing)})
        if data.get("payment_amount") and not data.get("payment_channel"):
            self.add_error("payment_channel", _("Vui lòng chọn hình thức thanh toán."))
        return data


class RegisterForm(DescribedErrors, forms.Form):
    """Form 06, the agency's dossier register for a period: which agency and the dates (typed dd/mm/yyyy)."""

    MAX_DAYS = 366

    agency = forms.TypedChoiceField(label=_("Cơ quan"), coerce=int,
                                    error_messages={"required": _("Vui lòng chọn cơ quan."),
                                                    "invalid_choice": _("Cơ quan không thuộc phạm vi của bạn.")})
    date_from = forms.DateField(label=_("Từ ngày"), validators=[date_in_range],
                                widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
                                error_messages={"required": _("Vui lòng nhập ngày bắt đầu."),
                                                "invalid": _("Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/02/2027.")})
    date_to = forms.DateField(label=_("Đến ngày"), validators=[date_in_range],
                              widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
                              error_messages={"required": _("Vui lòng nhập ngày kết thúc."),
                                              "invalid": _("Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/02/2027.")})

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {agency.pk: agency for agency in agencies}
        self.fields["agency"].choices = [(agency.pk, agency.name) for agency in agencies]
        if len(self.agencies) == 1:
            self.fields["agency"].initial = next(iter(self.agencies))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("date_to", _("Sổ theo dõi in tối đa 366 ngày một lần."))
        return cleaned

