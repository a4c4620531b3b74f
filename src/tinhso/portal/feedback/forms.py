"""Forms of the rating and complaint pages. They check the shape of the input and say what is wrong with a
field (in Vietnamese, or English on request); who may act and in which state is the services' decision."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.forms import DescribedErrors
from tinhso.portal.feedback.models import CRITERIA, ComplaintKind, Score, Verdict
from tinhso.portal.labels import choice_labels


def _required(message) -> dict:
    return {"required": message}


def _score(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(value, format_lazy("{} — {}", value, _(text))) for value, text in reversed(Score.choices)],
        coerce=int, widget=forms.RadioSelect, error_messages={
            **_required(_("Vui lòng chọn một mức đánh giá.")),
            "invalid_choice": _("Vui lòng chọn mức đánh giá từ 1 đến 5.")},
    )


class RatingForm(DescribedErrors, forms.Form):
    overall_score = _score(_("Mức độ hài lòng chung"))
    access_score = _score(_(CRITERIA[0][1]))
    procedure_score = _score(_(CRITERIA[1][1]))
    officer_score = _score(_(CRITERIA[2][1]))
    result_score = _score(_(CRITERIA[3][1]))
    comment = forms.CharField(label=_("Ý kiến góp ý (không bắt buộc)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"max_length": _("Ý kiến góp ý tối đa 2000 ký tự.")})

    def scores(self) -> dict[str, int]:
        return {name: value for name, value in self.cleaned_data.items() if name.endswith("_score")}


class DossierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} — {obj.applicant_name}"


class ComplaintForm(DescribedErrors, forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=choice_labels(ComplaintKind.choices), widget=forms.RadioSelect,
                             initial=ComplaintKind.FEEDBACK,
                             error_messages=_required(_("Vui lòng chọn phản ánh hoặc kiến nghị.")))
    subject = forms.CharField(label=_("Tiêu đề"), max_length=255, error_messages={
        **_required(_("Vui lòng nhập tiêu đề.")), "max_length": _("Tiêu đề tối đa 255 ký tự.")})
    content = forms.CharField(label=_("Nội dung"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={**_required(_("Vui lòng nhập nội dung phản ánh, kiến nghị.")),
                                              "max_length": _("Nội dung tối đa 10000 ký tự.")})
    dossier = DossierChoiceField(
        label=_("Hồ sơ liên quan (không bắt buộc)"), required=False, queryset=None,
        empty_label=_("— Không gắn hồ sơ —"),
        error_messages={"invalid_choice": _("Chỉ chọn được hồ sơ của chính bạn.")})
    agency = forms.ModelChoiceField(
        label=_("Cơ quan nhận phản ánh, kiến nghị"), required=False, queryset=None,
        empty_label=_("— Theo hồ sơ liên quan —"),
        help_text=_("Bỏ trống nếu đã chọn hồ sơ: phản ánh được chuyển đến cơ quan đã tiếp nhận hồ sơ."),
        error_messages={"invalid_choice": _("Cơ quan đã chọn không còn hoạt động.")})
    name = forms.CharField(label=_("Họ tên người gửi"), max_length=255,
                           error_messages=_required(_("Vui lòng nhập họ tên.")))
    phone = forms.RegexField(label=_("Số điện thoại"), required=False, max_length=20, regex=r"^\+?[0-9 .-]{8,20}$",
                             widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                             error_messages={"invalid": _("Số điện thoại không hợp lệ.")})
    email = forms.EmailField(label=_("Thư điện tử"), required=False,
                             error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})

    def __init__(self, *args, dossiers, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].queryset = dossiers
        self.fields["agency"].queryset = agencies

    def clean(self):
        data = super().clean()
        if not data.get("agency") and not data.get("dossier") and "agency" not in self.errors:
            self.add_error("agency", _("Vui lòng chọn cơ quan nhận phản ánh, kiến nghị hoặc hồ sơ liên quan."))
        return data


class VerdictForm(DescribedErrors, forms.Form):
    verdict = forms.ChoiceField(label=_("Bạn có hài lòng với câu trả lời?"), choices=choice_labels(Verdict.choices),
                                widget=forms.RadioSelect, error_messages={
                                    **_required(_("Vui lòng chọn hài lòng hoặc không hài lòng.")),
                                    "invalid_choice": _("Vui lòng chọn hài lòng hoặc không hài lòng.")})
    comment = forms.CharField(label=_("Ý kiến thêm (không bắt buộc)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": _("Ý kiến tối đa 2000 ký tự.")})


class AnswerForm(DescribedErrors, forms.Form):
    answer = forms.CharField(label=_("Nội dung trả lời"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
                             error_messages={**_required(_("Vui lòng nhập nội dung trả lời.")),
                                             "max_length": _("Nội dung trả lời tối đa 10000 ký tự.")})


class RefuseForm(DescribedErrors, forms.Form):
    reason = forms.CharField(
        label=_("Lý do không thuộc thẩm quyền"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Nêu rõ cơ quan có thẩm quyền để người gửi liên hệ."),
        error_messages={**_required(_("Vui lòng nêu lý do.")), "max_length": _("Lý do tối đa 4000 ký tự.")})


class TransferForm(DescribedErrors, forms.Form):
    agency = forms.ModelChoiceField(label=_("Chuyển đến cơ quan"), queryset=None, error_messages={
        **_required(_("Vui lòng chọn cơ quan chuyển đến.")),
        "invalid_choice": _("Cơ quan đã chọn không còn hoạt động.")})
    note = forms.CharField(label=_("Ghi chú (không bắt buộc)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
