"""Forms of the citizen's side. File inputs (several files per paper) are read from ``request.FILES`` by
the views and checked by ``common.uploads``; these forms hold the typed values."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import ApplicantKind, ReturnMethod, validate_citizen_id
from tinhso.portal.labels import choice_labels


class LinkedErrorsMixin:
    """Each field with an error says so to assistive technology: ``aria-invalid`` and ``aria-describedby``
    pointing at the error message the template renders as ``<id>_error``."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                described = [f"{self[name].auto_id}_error"]
                if self.fields[name].help_text:
                    described.append(f"{self[name].auto_id}_helptext")
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})


class ApplicantForm(LinkedErrorsMixin, forms.Form):
    """Who applies (a person or an organisation) and which agency receives the dossier."""

    kind = forms.ChoiceField(label=_("Người nộp là"), choices=choice_labels(ApplicantKind.choices),
                             widget=forms.RadioSelect, initial=ApplicantKind.PERSON)
    name = forms.CharField(label=_("Họ và tên / tên tổ chức"), max_length=255,
                           error_messages={"required": _("Vui lòng nhập họ tên người nộp hoặc tên tổ chức.")})
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD, 12 chữ số)"), max_length=12, required=False,
        help_text=_("Bắt buộc với cá nhân."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{12}"}),
    )
    tax_code = forms.CharField(label=_("Mã số thuế (mã số doanh nghiệp)"), max_length=14, required=False,
                               help_text=_("Bắt buộc với tổ chức, doanh nghiệp."))
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False,
                            help_text=_("Để nhận tin nhắn về tình trạng hồ sơ."),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("Thư điện tử"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    address = forms.CharField(label=_("Địa chỉ liên hệ"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    receiving_agency = forms.TypedChoiceField(
        label=_("Cơ quan tiếp nhận hồ sơ"), coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn cơ quan tiếp nhận hồ sơ."),
                        "invalid_choice": _("Cơ quan đã chọn không thực hiện thủ tục này.")},
    )

    copies = forms.IntegerField(label=_("Số bản kết quả đề nghị cấp"), initial=1, min_value=1, max_value=99,
                                required=False,
                                help_text=_("Phí, lệ phí tính theo số bản khi thủ tục quy định như vậy."),
                                error_messages={"required": _("Vui lòng nhập số bản kết quả đề nghị cấp."),
                                                "invalid": _("Số bản phải là số nguyên."),
                                                "min_value": _("Số bản kết quả phải từ 1 đến 99."),
                                                "max_value": _("Số bản kết quả phải từ 1 đến 99.")})
    return_method = forms.ChoiceField(label=_("Đăng ký nhận kết quả"), widget=forms.RadioSelect, required=False,
                                      choices=choice_labels(ReturnMethod.choices), initial=ReturnMethod.ONLINE)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(agency.pk, agency.name + (f" — {agency.address}" if agency.address else ""))
                   for agency in agencies]
        self.fields["receiving_agency"].choices = choices
        if len(choices) == 1 and not self.initial.get("receiving_agency"):
            self.initial["receiving_agency"] = choices[0][0]

    def clean_id_number(self):
        return "".join(self.cleaned_data.get("id_number", "").split())

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ApplicantKind.PERSON:
            number = cleaned.get("id_number", "")
            if not number:
                self.add_error("id_number", _("Vui lòng nhập số định danh cá nhân (12 chữ số)."))
            else:
                try:
                    validate_citizen_id(number)
                except ValidationError as error:
                    self.add_error("id_number", error.messages[0])
        elif kind == ApplicantKind.ORGANISATION and not cleaned.get("tax_code", "").strip():
            self.add_error("tax_code", _("Tổ chức phải nhập mã số thuế (mã số doanh nghiệp)."))
        if not cleaned.get("phone") and not cleaned.get("email"):
            self.add_error("phone", _("Vui lòng nhập số điện thoại hoặc thư điện tử để nhận thông báo về hồ sơ."))
        return cleaned

    def applicant(self) -> dict:
        data = {key: self.cleaned_data.get(key, "") for key in
                ("kind", "name", "id_number", "tax_code", "phone", "email", "address", "copies", "return_method")}
        return {key: (value.strip() if isinstance(value, str) else value) for key, value in data.items()}


class SupplementForm(LinkedErrorsMixin, forms.Form):
    """The applicant's answer to a supplement request: the files (read from ``request.FILES``) and a note."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Ghi chú gửi cơ quan (không bắt buộc)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
