"""The gateway stand-in served for real on 127.0.0.1 (plain HTTP, or TLS with client certificates) per test."""

import ssl
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from gateway.app import GatewayApp
from gateway.store import Store
from registries.catalog import load_registries


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class Gateway:
    url: str  # what REGISTRY_GATEWAY_URL is set to (".../_gateway")
    store: Store
    app: GatewayApp

    def fault(self, registry: str, mode: str, **extra) -> None:
        r = httpx.post(f"{self.url}/_sim/faults", json={"registry": registry, "mode": mode, **extra}, **self.opts)
        assert r.status_code == 201, r.text

    def clear(self) -> None:
        assert httpx.delete(f"{self.url}/_sim/faults", **self.opts).status_code == 204

    def person(self, **data) -> dict:
        r = httpx.post(f"{self.url}/_sim/persons", json=data, **self.opts)
        assert r.status_code == 201, r.text
        return r.json()

    opts: dict = None  # type: ignore[assignment]


def serve(app, ssl_context: ssl.SSLContext | None = None):
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_Quiet)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def gateway(tmp_path, settings):
    """The stand-in over real HTTP; the product is configured to use it (Trembita dialect, short timeouts)."""
    stop = threading.Event()
    app = GatewayApp(Store(tmp_path / "gateway.sqlite3"), sleep=lambda s: stop.wait(s))
    server, thread = serve(app)
    url = f"http://127.0.0.1:{server.server_address[1]}/_gateway"
    settings.REGISTRY_GATEWAY_URL = url
    settings.REGISTRY_HEADER_DIALECT = "trembita"
    settings.REGISTRY_READ_TIMEOUT = 1.0
    settings.REGISTRY_CONNECT_TIMEOUT = 1.0
    gw = Gateway(url=url, store=app.store, app=app)
    gw.opts = {}
    yield gw
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def registries(world):
    load_registries()
    return world


MOTHER = {
    "rnokpp": "",
    "last_name": "Шевченко",
    "first_name": "Олена",
    "patronymic": "Іванівна",
    "birth_date": "1984-01-02",
    "unzr": "19840102-00012",
    "passport": "",
    "address": {
        "community_katottg": "UA05020000000000001",
        "text": "м. Вінниця, вул. Соборна, 1, кв. 2",
        "registered_since": "2010-05-01",
    },
    "children": [
        {
            "last_name": "Шевченко",
            "first_name": "Марія",
            "patronymic": "Андріївна",
            "birth_date": "2026-10-01",
            "birth_act": "1234/2026",
        }
    ],
    "income": [{"month": "2026-09", "amount": "12000.00", "source": "tax"}],
    "disability": None,
    "idp": None,
}
