"""A stand-in for TurboSMS that speaks its HTTP API over real HTTP on 127.0.0.1 (for tests and the bench).

``POST /message/send.json`` and ``POST /message/status.json`` with ``Authorization: Bearer <token>``, answering
as TurboSMS does. It can be told to be down (503), to refuse a number, and to report messages delivered."""

import json
import threading
import uuid
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class TurboSmsStandIn:
    def __init__(self, token: str = "test-token"):
        self.token = token
        self.down = False
        self.refused: set[str] = set()
        self.received: list[dict] = []
        self.status: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        def answer(code: str, body: dict | None = None):
            data = json.dumps(body or {}).encode()
            start_response(code, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]

        if self.down:
            return answer("503 Service Unavailable", {"response_code": 999, "response_status": "DOWN"})
        if environ.get("REQUEST_METHOD") != "POST":
            return answer("405 Method Not Allowed")
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.token}":
            return answer(
                "200 OK", {"response_code": 103, "response_status": "REQUIRED_TOKEN", "response_result": None}
            )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            return answer("200 OK", {"response_code": 100, "response_status": "PING"})
        path = environ.get("PATH_INFO")
        if path == "/message/send.json":
            results = []
            for phone in body.get("recipients") or []:
                if phone in self.refused:
                    results.append(
                        {"phone": phone, "response_code": 406, "message_id": None, "response_status": "NOT_ALLOWED"}
                    )
                    continue
                message_id = str(uuid.uuid4())
                with self.lock:
                    self.received.append({"id": message_id, "phone": phone, **body})
                    self.status[message_id] = "Sent"
                results.append({"phone": phone, "response_code": 0, "message_id": message_id, "response_status": "OK"})
            return answer(
                "200 OK",
                {"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED", "response_result": results},
            )
        if path == "/message/status.json":
            rows = [
                {"message_id": m, "response_code": 0, "response_status": "OK", "status": self.status[m]}
                for m in body.get("messages") or []
                if m in self.status
            ]
            return answer("200 OK", {"response_code": 0, "response_status": "OK", "response_result": rows})
        return answer("404 Not Found")

    def deliver_all(self) -> None:
        with self.lock:
            for key in self.status:
                self.status[key] = "Delivered"


class Served:
    def __init__(self, app):
        self.app = app
        self.server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
