"""The clerk's pages."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import access_for
from frontoffice import selectors


def front_office_required(view):
    """Only users with a front-office role (clerk, community supervisor) reach these pages; others get 404."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not access_for(request.user).is_front:
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@front_office_required
def home(request: HttpRequest) -> HttpResponse:
    """The clerk's day: drafts, packages late for submission, cases waiting on us, decisions to hand over."""
    return render(request, "frontoffice/home.html", {"board": selectors.clerk_board(user=request.user)})
