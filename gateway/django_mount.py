"""Serving the stand-in inside the Django process under ``/_gateway/`` (the embedded default, ``make run``).

Only config/urls.py uses this, and only when REGISTRY_GATEWAY_STANDIN is on. The product's code still reaches the
stand-in over HTTP, exactly as it would reach the real security server.
"""

import io

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gateway.app import GatewayApp
from gateway.store import Store

_app: GatewayApp | None = None


def app() -> GatewayApp:
    global _app
    if _app is None:
        _app = GatewayApp(Store(settings.REGISTRY_GATEWAY_STORE))
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
