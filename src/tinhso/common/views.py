from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """The trivial endpoint: load balancers probe it and benchmarks use it as a baseline."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def staff_home(request):
    from tinhso.directory.selectors import active_memberships

    memberships = active_memberships(request.user)
    return render(request, "common/staff_home.html", {"memberships": memberships})
