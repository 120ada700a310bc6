"""The embedded default's outbox: what would have been sent, for the demo and the tests. Served only while no
real provider is configured (``providers.outbox_only``); with one, these URLs are not mounted and answer 404."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from notifications import selectors
from notifications.providers import outbox_only


def _require_outbox() -> None:
    if not outbox_only():
        raise Http404


@require_GET
def outbox_page(request: HttpRequest) -> HttpResponse:
    _require_outbox()
    return render(request, "notifications/outbox.html", {"messages_sent": selectors.outbox_messages()})


@require_GET
def outbox_json(request: HttpRequest) -> JsonResponse:
    _require_outbox()
    rows = [
        {"to": m.recipient, "channel": m.channel, "text": m.text, "created_at": m.created_at.isoformat()}
        for m in selectors.outbox_messages()
    ]
    return JsonResponse(rows, safe=False)
