"""Forms of the module's pages: they read and bound the input; the services judge it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.common.inputs import check_text, date_in_range
from tinhso.media.models import (
    BriefingKind,
    ChannelKind,
    CrisisScenario,
    PressKind,
    PressLevel,
    ReportSource,
    Severity,
    SpeakerRole,
    Topic,
    Verdict,
)


class CleanText(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return check_text(value or "", "text")
        except ValueError as error:
            raise forms.ValidationError(str(getattr(error, "localized", error))) from error


class ReportForm(forms.Form):
    seen_on = CleanText(label=_("Nơi bạn thấy thông tin (trang mạng, nhóm, kênh…)"), max_length=200)
    link = forms.URLField(label=_("Đường dẫn tới thông tin"), max_length=1000, required=False, assume_scheme="https")
    description = CleanText(label=_("Mô tả: thông tin sai ở điểm nào"), max_length=5000, widget=forms.Textarea)
    screenshot = forms.FileField(label=_("Ảnh chụp màn hình (PNG, JPEG hoặc PDF)"), required=False)
    reporter_name = CleanText(label=_("Họ tên (không bắt buộc)"), max_length=150, required=False)
    reporter_email = forms.EmailField(label=_("Thư điện tử để nhận kết quả (không bắt buộc)"), required=False)
    reporter_phone = CleanText(label=_("Số điện thoại (không bắt buộc)"), max_length=20, required=False)

    def __init__(self, *args, officer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if officer:
            # An officer says where the report comes from: their own finding or the monitoring's.
            self.fields["source"] = forms.ChoiceField(
                label=_("Nguồn tin báo"), initial=ReportSource.OFFICER,
                choices=[(ReportSource.OFFICER, ReportSource.OFFICER.label),
                         (ReportSource.MONITORING, ReportSource.MONITORING.label)])


class FollowForm(forms.Form):
    ma = CleanText(label=_("Mã tin báo"), max_length=20)


class OpenCaseForm(forms.Form):
    title = CleanText(label=_("Tiêu đề"), max_length=255)
    claim = CleanText(label=_("Nội dung thông tin bị phản ánh"), widget=forms.Textarea, max_length=10000)
    topic = forms.ChoiceField(label=_("Lĩnh vực"), choices=Topic.choices)
    severity = forms.ChoiceField(label=_("Mức độ nghiêm trọng"), choices=Severity.choices)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"] = forms.ModelMultipleChoiceField(label=_("Cơ quan xác minh"), queryset=agencies,
                                                                 widget=forms.SelectMultiple(attrs={"size": 6}))


class NoteForm(forms.Form):
    note = CleanText(label=_("Ghi chú, lý do"), widget=forms.Textarea, max_length=2000, required=False)


class MergeForm(forms.Form):
    case_code = CleanText(label=_("Mã vụ việc đã có"), max_length=20)


class FactsForm(forms.Form):
    facts = CleanText(label=_("Thông tin xác minh"), widget=forms.Textarea, max_length=20000)


class DecideForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Kết luận xác minh"), choices=Verdict.choices)
    note = CleanText(label=_("Căn cứ kết luận"), widget=forms.Textarea, max_length=10000)


class PublishForm(forms.Form):
    title = CleanText(label=_("Tiêu đề cải chính"), max_length=255)
    text = CleanText(label=_("Nội dung cải chính, làm rõ"), widget=forms.Textarea, max_length=20000)


class RequestForm(forms.Form):
    text = CleanText(label=_("Nội dung"), widget=forms.Textarea, max_length=10000)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Tệp chứng cứ (PNG, JPEG, PDF)"))
    source_url = forms.URLField(label=_("Địa chỉ nguồn"), max_length=1000, required=False, assume_scheme="https")


class CrisisForm(forms.Form):
    scenario = forms.ModelChoiceField(label=_("Kịch bản ứng phó"), queryset=CrisisScenario.objects.filter(active=True))


class DeliverForm(forms.Form):
    summary = CleanText(label=_("Tóm tắt thông tin"), widget=forms.Textarea, max_length=10000)
    sheet = forms.FileField(label=_("Bản thông tin (PDF, Word)"), required=False)


class AnswerForm(forms.Form):
    answer = CleanText(label=_("Nội dung trả lời"), widget=forms.Textarea, max_length=10000)


class MomentField(forms.CharField):
    """A moment typed ``dd/mm/yyyy HH:MM`` (the platform's one way to read dates), in the province's zone."""

    def clean(self, value):
        from tinhso.common.tabular import parse_datetime

        value = super().clean(value)
        try:
            return parse_datetime(value)
        except ValueError as error:
            raise forms.ValidationError(_("Nhập ngày giờ theo dạng dd/mm/yyyy HH:MM.")) from error


class BriefingForm(forms.Form):
    title = CleanText(label=_("Tiêu đề"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại"), choices=BriefingKind.choices)
    held_at = MomentField(label=_("Thời điểm họp (dd/mm/yyyy HH:MM)"), max_length=20)
    chair = CleanText(label=_("Chủ trì"), max_length=150)
    venue = CleanText(label=_("Địa điểm"), max_length=255, required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"] = forms.ModelMultipleChoiceField(
            label=_("Cơ quan được đề nghị cung cấp thông tin"), queryset=agencies,
            widget=forms.SelectMultiple(attrs={"size": 8}))


class QuestionForm(forms.Form):
    journalist = CleanText(label=_("Phóng viên"), max_length=150)
    outlet = CleanText(label=_("Cơ quan báo chí của phóng viên"), max_length=255)
    question = CleanText(label=_("Câu hỏi"), widget=forms.Textarea, max_length=5000)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = forms.ModelChoiceField(label=_("Cơ quan trả lời"), queryset=agencies)


class HoldForm(forms.Form):
    summary = CleanText(label=_("Kết luận buổi giao ban"), widget=forms.Textarea, max_length=10000, required=False)


class PressAgencyForm(forms.Form):
    """A press agency on the department's page; dates typed dd/mm/yyyy."""

    name = CleanText(label=_("Tên cơ quan báo chí"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại"), choices=PressKind.choices)
    level = forms.ChoiceField(label=_("Cấp"), choices=PressLevel.choices)
    parent_name = CleanText(label=_("Cơ quan chủ quản (trung ương)"), max_length=255, required=False)
    licence_number = CleanText(label=_("Số giấy phép hoạt động"), max_length=60, required=False)
    licence_date = forms.DateField(label=_("Ngày cấp phép (dd/mm/yyyy)"), required=False,
                                   validators=[date_in_range])
    head_name = CleanText(label=_("Tổng biên tập / người đứng đầu"), max_length=150, required=False)
    head_title = CleanText(label=_("Chức danh người đứng đầu"), max_length=100, required=False)
    address = CleanText(label=_("Địa chỉ"), max_length=300, required=False)
    phone = CleanText(label=_("Điện thoại"), max_length=50, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    valid_from = forms.DateField(label=_("Hoạt động từ ngày (dd/mm/yyyy)"), required=False,
                                 validators=[date_in_range])
    valid_to = forms.DateField(label=_("Đến ngày (dd/mm/yyyy)"), required=False, validators=[date_in_range])


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("Ngày kiểm tra (dd/mm/yyyy)"), validators=[date_in_range])
    findings = CleanText(label=_("Kết quả thanh tra, kiểm tra"), widget=forms.Textarea, max_length=10000)
    violation = forms.BooleanField(label=_("Có vi phạm"), required=False)
    decision = CleanText(label=_("Quyết định xử lý (số, ký hiệu)"), max_length=100, required=False)
    decision_on = forms.DateField(label=_("Ngày quyết định (dd/mm/yyyy)"), required=False,
                                  validators=[date_in_range])
    penalty = CleanText(label=_("Hình thức xử lý"), max_length=255, required=False)


def day_field(label, *, required: bool = True) -> forms.DateField:
    """A date typed ``dd/mm/yyyy``, within the platform's range."""
    return forms.DateField(label=label, required=required, validators=[date_in_range],
                           widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"},
                                                  format="%d/%m/%Y"),
                           error_messages={"required": _("Vui lòng nhập ngày."),
                                           "invalid": _("Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/02/2027.")})


class SpokespersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=SpeakerRole.choices)
    name = CleanText(label=_("Họ tên"), max_length=150)
    position = CleanText(label=_("Chức vụ"), max_length=150)
    phone = CleanText(label=_("Điện thoại"), max_length=50, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    decision = CleanText(label=_("Quyết định giao, ủy quyền"), max_length=100, required=False)
    valid_from = day_field(_("Từ ngày (dd/mm/yyyy)"))
    valid_to = day_field(_("Đến ngày (dd/mm/yyyy, để trống nếu chưa kết thúc)"), required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"] = forms.ModelChoiceField(label=_("Cơ quan"), queryset=agencies,
                                                           initial=agencies.first() if agencies.count() == 1 else None)
            self.order_fields(["agency"])

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("Ngày kết thúc không được trước ngày bắt đầu."))
        return data


class EndSpeakingForm(forms.Form):
    valid_to = day_field(_("Thôi phát ngôn từ sau ngày (dd/mm/yyyy)"))

    def __init__(self, *args, **kwargs):
        # Shown beside the edit form, whose fields take the plain ids.
        kwargs.setdefault("auto_id", "end_%s")
        super().__init__(*args, **kwargs)


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại kênh"), choices=ChannelKind.choices)
    name = CleanText(label=_("Tên kênh, ấn phẩm"), max_length=200)
    domain = CleanText(label=_("Tên miền (báo điện tử)"), max_length=253, required=False)
