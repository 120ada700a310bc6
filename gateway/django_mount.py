"""Serving the stand-in inside the Django process under ``/_gateway/`` (the embedded default, ``make run``).

Only config/urls.py uses this, and only when REGISTRY_GATEWAY_STANDIN is on. The product's code still reaches the
stand-in over HTTP, exactly as it would reach the real security server.
"""

import io
import logging
import threading
import urllib.request

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gateway.app import GatewayApp
from gateway.store import Store

_app: GatewayApp | None = None
logger = logging.getLogger(__name__)


def _nudge(url: str) -> None:
    try:
        request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - our own configured address
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - our own configured address
            pass
    except OSError as e:  # the product is not listening there (a test server elsewhere): beat reads it later
        logger.info("event feed nudge to %s failed: %s", url, type(e).__name__)


def _on_event(event: dict) -> None:
    """A new event on the feed: tell the product to read it (a real exchange has no such hook; in the embedded
    default there is no beat, so this is how the feed is read on ``make run``). Over HTTP, in a thread of its own,
    after the answer to the poster: the stand-in stays a separate program."""
    url = getattr(settings, "REGISTRY_EVENTS_NUDGE_URL", "")
    if url:
        threading.Timer(0.1, _nudge, args=(url,)).start()


def app() -> GatewayApp:
    global _app
    if _app is None:
        _app = GatewayApp(Store(settings.REGISTRY_GATEWAY_STORE), on_event=_on_event)
    return _app


@csrf_exempt
def view(request, rest: str = ""):
    environ = dict(request.META)
    body = request.body
    environ.update(
        {
            "PATH_INFO": "/" + rest,
            "SCRIPT_NAME": "/_gateway",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
    )
    status, headers, content = app().handle(environ)
    response = HttpResponse(content, status=int(status.split(" ", 1)[0]))
    for name, value in headers:
        response[name] = value
    return response
