"""The ministry's pages (and the community supervisor's view of their own fees)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import access_for
from payments import selectors


def payments_required(view):
    """Ministry staff and community supervisors reach these pages; others get 404."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        access = access_for(request.user)
        if not (access.is_ministry or access.supervisor_community_ids):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@payments_required
def home(request: HttpRequest) -> HttpResponse:
    """Fees accrued per community and month."""
    return render(request, "payments/home.html", {"rows": selectors.accrual_totals(user=request.user)})
