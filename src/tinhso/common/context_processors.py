from django.conf import settings

from tinhso.common.navigation import menu_for


def platform(request):
    """What every page needs: the deployment's province and the user's navigation."""
    return {
        "TINHSO_PROVINCE_CODE": settings.TINHSO_PROVINCE_CODE,
        "nav_menu": menu_for(getattr(request, "user", None)),
    }
