"""Forms of the citizen's account pages; every message names its field (Vietnamese, or English on request)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import validate_citizen_id
from tinhso.geo.models import Commune
from tinhso.portal.accounts.phones import normalise_phone

INVALID_SIGN_IN = _("Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng thử lại.")


class SignInForm(AuthenticationForm):
    """The one sign-in form for staff and citizens: one answer for an unknown account and a wrong password."""

    error_messages = {
        "invalid_login": INVALID_SIGN_IN,
        "inactive": INVALID_SIGN_IN,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email, số điện thoại hoặc tên đăng nhập")
        self.fields["username"].max_length = 254
        self.fields["password"].label = _("Mật khẩu")


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    phone = normalise_phone(value)
    if phone is None:
        raise forms.ValidationError(
            _("Số điện thoại di động không hợp lệ (ví dụ 0912345678 hoặc +84912345678)."), code="phone")
    return phone


def _clean_id_number(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value:
        validate_citizen_id(value)
    return value


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False,
                             error_messages={"invalid": _("Địa chỉ email không hợp lệ.")})
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20, required=False)
    id_number = forms.CharField(label=_("Số định danh cá nhân (không bắt buộc)"), max_length=20, required=False)
    password1 = forms.CharField(label=_("Mật khẩu"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Vui lòng nhập họ và tên."), code="required")
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_id_number(self):
        return _clean_id_number(self.cleaned_data["id_number"])

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "email" not in self.errors \
                and "phone" not in self.errors:
            self.add_error(None, forms.ValidationError(_("Vui lòng nhập email hoặc số điện thoại (ít nhất một)."),
                                                       code="contact"))
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(_("Hai mật khẩu không khớp."), code="mismatch"))
        elif password1:
            candidate = get_user_model()(email=data.get("email", ""), first_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class PhoneCodeForm(forms.Form):
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20)
    code = forms.RegexField(label=_("Mã xác minh (6 chữ số)"), regex=r"^\d{6}$", max_length=6,
                            error_messages={"invalid": _("Mã xác minh gồm 6 chữ số.")})

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.province.name}"


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    id_number = forms.CharField(label=_("Số định danh cá nhân"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False,
                             error_messages={"invalid": _("Địa chỉ email không hợp lệ.")},
                             help_text=_("Email mới có hiệu lực sau khi bạn bấm liên kết xác minh gửi tới địa chỉ đó."))
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20, required=False,
                            help_text=_("Số mới cần xác minh bằng mã gửi qua tin nhắn."))
    address = forms.CharField(label=_("Địa chỉ (số nhà, đường, thôn, tổ dân phố)"), max_length=255, required=False)
    language = forms.ChoiceField(label=_("Ngôn ngữ của thư, tin nhắn gửi bạn"),
                                 choices=[("vi", "Tiếng Việt"), ("en", "English")], required=False,
                                 help_text=_("Thông báo về hồ sơ của bạn được gửi bằng ngôn ngữ này."))
    commune = CommuneChoiceField(label=_("Xã, phường, đặc khu"), required=False,
                                 queryset=Commune.objects.select_related("province"),
                                 empty_label=_("— Chọn xã, phường, đặc khu —"),
                                 error_messages={"invalid_choice": _("Xã, phường, đặc khu không có trong danh mục.")})

    def __init__(self, *args, profile=None, choices_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        if choices_queryset is not None:
            # Only the listed communes are rendered (the search narrows them); any commune is accepted.
            self.fields["commune"].widget.choices = [("", self.fields["commune"].empty_label)] + [
                (commune.pk, self.fields["commune"].label_from_instance(commune)) for commune in choices_queryset
            ]
        if profile is not None and profile.id_verified:
            self.fields["id_number"].disabled = True
            self.fields["id_number"].help_text = _("Đã xác thực qua VNeID, không sửa được.")

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Vui lòng nhập họ và tên."), code="required")
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_id_number(self):
        return _clean_id_number(self.cleaned_data["id_number"])


class NoticePasswordResetForm(PasswordResetForm):
    """Django's reset form, its e-mail sent by the notice service: retried when the mail server is down,
    the one-time link erased from the records once sent, abandoned once the link has expired."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        import datetime

        from django.conf import settings
        from django.template import loader
        from django.utils import timezone

        from tinhso.common.notices import EMAIL, Recipient, notify

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        notify(Recipient(user=context["user"], email=to_email), subject=subject, text=body, channels=[EMAIL],
               kind="accounts.password-reset", secret=True,
               expires_at=timezone.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
