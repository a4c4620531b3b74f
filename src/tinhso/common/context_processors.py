from django.conf import settings

from tinhso.common.navigation import menu_for


def platform(request):
    """What every page needs: the deployment's province and the user's navigation."""
    return {
        "TINHSO_PROVINCE_CODE": settings.TINHSO_PROVINCE_CODE,
        "nav_menu": menu_for(getattr(request, "user", None)),
        "header_next": _where_going(request),
    }


def _where_going(request) -> str:
    """Where the header's sign-in and register links return to: the page the person is on, or the place
    they were already going to when they are on the sign-in or register page (never another site); from
    the front page, nowhere in particular."""
    from django.utils.http import url_has_allowed_host_and_scheme

    path = request.path
    if path in _account_pages():
        wanted = request.POST.get("next") or request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
        return wanted if safe and wanted.startswith("/") else ""
    if path == "/":
        return ""  # from the front page, each person goes to their own home (staff page, own dossiers)
    return request.get_full_path()


def _account_pages() -> set[str]:
    from django.urls import reverse

    return {reverse("login"), reverse("citizens:register")}
