"""The citizen's account pages: sign-in (shared with staff), registration, verification, reset, profile."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.common import ratelimit
from tinhso.common.ratelimit import Limit, client_address, hit, reset
from tinhso.geo.models import Commune
from tinhso.geo.naming import fold
from tinhso.portal.accounts import oidc, services, tasks
from tinhso.portal.accounts.forms import PhoneCodeForm, ProfileForm, RegistrationForm, SignInForm
from tinhso.portal.accounts.phones import normalise_phone
from tinhso.portal.accounts.selectors import is_citizen, profile_of

# Password guessing. A hard limit an attacker can aim at someone else's account would lock its owner out, so:
# - one address gets 30 tries per 15 minutes, whatever the accounts (an office shares one address);
# - one address and one account together get 10 (the guesser locks out only themselves);
# - one account, from all addresses, gets 5 free failures per 15 minutes and then a progressive delay:
#   each further failure closes it for twice as long as the one before (2 s, 4 s … at most 60 s), which
#   makes guessing slow but never shuts out its owner for long; a browser that has signed in to the account
#   before (a signed cookie) is not delayed by other people's failures at all.
SIGN_IN_PER_ADDRESS = Limit("sign-in:address", 30, 15 * 60)
SIGN_IN_PER_ADDRESS_AND_ACCOUNT = Limit("sign-in:address+account", 10, 15 * 60)
ACCOUNT_FAILURES, ACCOUNT_WAIT = "sign-in:account", "sign-in:account-wait"
ACCOUNT_WINDOW = 15 * 60
FREE_FAILURES = 5
LONGEST_WAIT = 60
KNOWN_BROWSER_COOKIE = "tinhso_da_dang_nhap"
KNOWN_BROWSER_SALT = "tinhso.sign-in.known-browser"
KNOWN_BROWSER_DAYS = 365
# Registration, reset and phone codes send mail or SMS, or guess codes: 10 per address per 15 minutes.
ACCOUNT_FORMS_PER_ADDRESS = Limit("citizens:forms", 10, 15 * 60)

TOO_MANY_SIGN_INS = gettext_lazy("Bạn đã thử đăng nhập quá nhiều lần. Vui lòng thử lại sau 15 phút.")
WAIT_TO_SIGN_IN = gettext_lazy("Tài khoản này vừa bị thử mật khẩu sai nhiều lần. Vui lòng đợi %(seconds)d giây "
                               "rồi đăng nhập lại.")
TOO_MANY_REQUESTS = gettext_lazy("Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau 15 phút.")
REGISTRATION_SESSION_KEY = "citizens:registered-phone"
# Where a person who registers was going (a procedure's filing page, a dossier's result): kept in the
# session through the verification, handed to the sign-in page that follows it.
GOING_TO_SESSION_KEY = "citizens:going-to"


def safe_next(request, value: str | None) -> str:
    """``value`` if it is a path on this site (no open redirect), else ""."""
    value = (value or "").strip()
    if value.startswith("/") and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return ""


def _sign_in_then(request, going_to: str = ""):
    """The sign-in page, returning afterwards to where the person was going."""
    going_to = safe_next(request, going_to or request.session.get(GOING_TO_SESSION_KEY))
    url = reverse("login")
    return redirect(f"{url}?{urlencode({'next': going_to})}" if going_to else url)


def _too_many(request, text: str, retry_after: int | None = None):
    response = render(request, "accounts/too_many.html", {"text": text}, status=429)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _identifier_key(identifier: str) -> str:
    identifier = (identifier or "").strip()
    return normalise_phone(identifier) or identifier.lower()


def _account_mark(identifier: str) -> str:
    return salted_hmac(KNOWN_BROWSER_SALT, identifier).hexdigest()[:16]


def _browser_marks(request) -> list[str]:
    value = request.get_signed_cookie(KNOWN_BROWSER_COOKIE, default="", salt=KNOWN_BROWSER_SALT,
                                      max_age=KNOWN_BROWSER_DAYS * 86400)
    return [mark for mark in value.split(",") if mark] if value else []


def _is_known_browser(request, identifier: str) -> bool:
    """Whether this browser has signed in to the account before (the cookie keeps marks, not identifiers)."""
    return _account_mark(identifier) in _browser_marks(request)


def _remember_account(request, response, identifier: str) -> None:
    """Mark this browser as one that signed in to the account: others' failures will not delay it."""
    mark = _account_mark(identifier)
    marks = [*[m for m in _browser_marks(request) if m != mark][-4:], mark]
    response.set_signed_cookie(KNOWN_BROWSER_COOKIE, ",".join(marks), salt=KNOWN_BROWSER_SALT,
                               max_age=KNOWN_BROWSER_DAYS * 86400, httponly=True, samesite="Lax",
                               secure=settings.SESSION_COOKIE_SECURE)


class SignInView(auth_views.LoginView):
    """The one sign-in page for staff and citizens, limited per address, per address and account, and slowed
    down per account (see the limits above)."""

    template_name = "common/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        identifier = _identifier_key(request.POST.get("username", ""))
        address = client_address(request)
        pair = f"{address}|{identifier}"
        allowed_address = hit(SIGN_IN_PER_ADDRESS, address)
        allowed_pair = hit(SIGN_IN_PER_ADDRESS_AND_ACCOUNT, pair) if identifier else True
        if not (allowed_address and allowed_pair):
            return _too_many(request, TOO_MANY_SIGN_INS)
        wait = ratelimit.locked_for(ACCOUNT_WAIT, identifier) if identifier else 0
        if wait and not _is_known_browser(request, identifier):
            return _too_many(request, WAIT_TO_SIGN_IN % {"seconds": wait}, retry_after=wait)
        response = super().post(request, *args, **kwargs)
        if not identifier:
            return response
        if request.user.is_authenticated:
            reset(SIGN_IN_PER_ADDRESS_AND_ACCOUNT, pair)
            ratelimit.forgive(ACCOUNT_FAILURES, identifier)
            ratelimit.forgive(ACCOUNT_WAIT, identifier)
            _remember_account(request, response, identifier)
        else:
            failures = ratelimit.strike(ACCOUNT_FAILURES, identifier, ACCOUNT_WINDOW)
            if failures > FREE_FAILURES:
                ratelimit.lock(ACCOUNT_WAIT, identifier, min(2 ** (failures - FREE_FAILURES), LONGEST_WAIT))
        return response

    def get_context_data(self, **kwargs):
        going_to = self.get_redirect_url()
        return super().get_context_data(vneid_enabled=oidc.is_configured(), filing=going_to.startswith("/nop-ho-so/"),
                                        **kwargs)

    def get_default_redirect_url(self):
        if is_citizen(self.request.user):
            return reverse("filing:my-dossiers")
        return super().get_default_redirect_url()


@require_http_methods(["GET", "POST"])
def register(request):
    going_to = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(going_to or "citizens:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        if not hit(ACCOUNT_FORMS_PER_ADDRESS, client_address(request)):
            return _too_many(request, TOO_MANY_REQUESTS)
        if form.is_valid():
            data = form.cleaned_data
            services.register_citizen(services.Registration(
                full_name=data["full_name"], email=data["email"], phone=data["phone"],
                password=data["password1"], id_number=data["id_number"],
            ))
            # The same answer whether or not the e-mail or phone already had an account.
            request.session[REGISTRATION_SESSION_KEY] = data["phone"]
            request.session[GOING_TO_SESSION_KEY] = going_to
            return redirect("citizens:registration-sent")
    return render(request, "accounts/register.html", {"form": form, "next": going_to})


@require_GET
def registration_sent(request):
    phone = request.session.get(REGISTRATION_SESSION_KEY, "")
    form = PhoneCodeForm(initial={"phone": phone})
    return render(request, "accounts/registration_sent.html", {"phone": phone, "form": form})


@require_GET
def verify_email(request, token: str):
    user = services.verify_email(token)
    if user is None:
        return render(request, "accounts/verify_email_failed.html", status=400)
    messages.success(request, _("Email đã được xác minh."))
    if request.user.is_authenticated:
        return redirect("citizens:profile")
    messages.info(request, _("Bạn có thể đăng nhập bằng email và mật khẩu đã đăng ký."))
    return _sign_in_then(request)


@require_http_methods(["GET", "POST"])
def verify_phone(request):
    form = PhoneCodeForm(request.POST or None, initial={"phone": request.GET.get("so", "")})
    if request.method == "POST":
        if not hit(ACCOUNT_FORMS_PER_ADDRESS, client_address(request)):
            return _too_many(request, TOO_MANY_REQUESTS)
        if form.is_valid():
            profile = services.verify_phone(form.cleaned_data["phone"], form.cleaned_data["code"])
            if profile is not None:
                messages.success(request, _("Số điện thoại đã được xác minh."))
                if request.user.is_authenticated:
                    return redirect("citizens:profile")
                return _sign_in_then(request)
            form.add_error("code", _("Mã xác minh không đúng hoặc đã hết hạn."))
    return render(request, "accounts/verify_phone.html", {"form": form})


def _commune_choices(selected=None, query: str = ""):
    """The communes offered in the profile's list: a search's matches, else the deployment's province."""
    communes = Commune.objects.select_related("province").order_by("province__code", "name")
    if query:
        matches = communes.filter(search_name__contains=fold(query))[:50]
    else:
        matches = communes.filter(province__code=settings.TINHSO_PROVINCE_CODE)
    if selected is not None:
        matches = communes.filter(Q(pk__in=[c.pk for c in matches]) | Q(pk=selected.pk))
    return matches


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    profile = profile_of(request.user)
    if profile is None:
        raise Http404(_("Tài khoản này không có hồ sơ công dân."))
    initial = {
        "full_name": profile.full_name, "id_number": profile.id_number, "phone": profile.phone,
        "email": profile.pending_email or request.user.email, "address": profile.address,
        "commune": profile.commune_id, "language": profile.language,
    }
    form = ProfileForm(request.POST or None, initial=initial, profile=profile,
                       choices_queryset=_commune_choices(profile.commune))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = services.update_profile(
            profile, full_name=data["full_name"], id_number=data.get("id_number") or profile.id_number,
            phone=data["phone"], email=data["email"], address=data["address"], commune=data["commune"],
            language=data.get("language") or None,
        )
        messages.success(request, _("Đã lưu hồ sơ."))
        if started["email"]:
            messages.info(request, _("Chúng tôi đã gửi liên kết xác minh tới email mới; email chỉ được thay "
                                     "sau khi bạn bấm liên kết đó."))
        if started["phone"]:
            messages.info(request, _("Chúng tôi đã gửi mã xác minh tới số điện thoại mới."))
            return redirect(reverse("citizens:verify-phone") + f"?so={data['phone']}")
        return redirect("citizens:profile")
    return render(request, "accounts/profile.html", {"form": form, "profile": profile},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def commune_options(request):
    """The `<option>`s of the commune list for a search (htmx replaces the list's options)."""
    query = request.GET.get("q", "").strip()[:100]
    form = ProfileForm(profile=None, choices_queryset=_commune_choices(query=query))
    return render(request, "accounts/_commune_options.html", {"field": form["commune"]})


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer: an unknown address gets the same page and no mail."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("citizens:password-reset-done")

    def post(self, request, *args, **kwargs):
        if not hit(ACCOUNT_FORMS_PER_ADDRESS, client_address(request)):
            return _too_many(request, TOO_MANY_REQUESTS)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The same work for a known and an unknown address: one task, which finds the accounts and mails.
        tasks.send_password_reset.enqueue(form.cleaned_data["email"])
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("citizens:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
