from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """The trivial endpoint: load balancers probe it and benchmarks use it as a baseline."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def staff_home(request):
    from tinhso.common.navigation import home_for
    from tinhso.directory.selectors import active_memberships

    if (elsewhere := home_for(request.user)) is not None:
        return redirect(elsewhere)  # a citizen's home is their own dossiers, not the staff page

    memberships = active_memberships(request.user)
    return render(request, "common/staff_home.html", {"memberships": memberships})
