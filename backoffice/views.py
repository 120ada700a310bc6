"""The reviewer's and the head's pages."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from backoffice import selectors
from cases.access import access_for


def back_office_required(view):
    """Only back-office specialists and heads reach these pages; others get 404."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not access_for(request.user).is_back:
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@back_office_required
def home(request: HttpRequest) -> HttpResponse:
    """The shared queue of my back office and the cases I hold."""
    return render(request, "backoffice/home.html", {"board": selectors.reviewer_board(user=request.user)})
