"""The stand-in security server as a WSGI application (docs/registries.md).

Like a real security server it refuses a request that lacks the mandatory headers of its dialect with a fault
(``{"type", "message", "detail"}`` and an ``X-Road-Error`` header), routes by the service identifier, and answers
from its fixtures. Both dialects are understood: Trembita (``Uxp-*`` headers, ``/restapi/...``) and upstream X-Road
(``X-Road-*`` headers, ``/r1/<service id>/...``). ``/_sim/...`` is the fixture API: persons and faults.

It is mounted under ``/_gateway/`` (a leading ``/_gateway`` is accepted when it is served alone as well).
"""

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, unquote

from gateway.store import InvalidFixture, Store

MAX_BODY = 256 * 1024

# (subsystem, service code) -> registry name the faults use.
SERVICES = {
    ("eddr", "personInfo"): "eddr",
    ("dracs", "birthRecords"): "dracs",
    ("drfo", "incomeInfo"): "drfo",
    ("pfu", "insuredIncome"): "pfu",
    ("idp", "idpStatus"): "idp",
    ("cbi", "disabilityStatus"): "disability",
    ("rtg", "registeredAddress"): "rtg",
    # The event feed of the social-sphere registers (births, registrations, disability, pensions), read by cursor.
    ("events", "eventFeed"): "events",
}
FEED_MAX_LIMIT = 500
ALIASES = {"cbi": "disability"}

# The person every wrong_subject answer is about (a valid RNOKPP of somebody else).
OTHER_PERSON = {
    "rnokpp": "3012345673",
    "last_name": "Інший",
    "first_name": "Петро",
    "patronymic": "Петрович",
    "birth_date": "1982-06-14",
    "unzr": "",
    "passport": "АА000001",
}


def request_hash(method: str, path: str, query: str, client: str, query_id: str) -> str:
    """The proof of a request as both sides compute it: SHA-512 over its identifying parts, base64."""
    canonical = "\n".join([method.upper(), path, query, client, query_id]).encode()
    return base64.b64encode(hashlib.sha512(canonical).digest()).decode()


def _answer_data(registry: str, person: dict) -> tuple[bool, dict | None]:
    if registry == "eddr":
        keys = ("rnokpp", "last_name", "first_name", "patronymic", "birth_date", "unzr", "passport")
        return True, {k: person.get(k, "") for k in keys}
    if registry == "dracs":
        births = person.get("children") or []
        return bool(births), {"births": births} if births else None
    if registry == "drfo":
        return True, {"income": [r for r in person.get("income") or [] if r["source"] == "tax"]}
    if registry == "pfu":
        return True, {"income": [r for r in person.get("income") or [] if r["source"] in ("pension", "insurance")]}
    if registry == "idp":
        return bool(person.get("idp")), person.get("idp")
    if registry == "disability":
        return bool(person.get("disability")), person.get("disability")
    if registry == "rtg":
        return bool(person.get("address")), person.get("address")
    return False, None


class GatewayApp:
    """``GatewayApp(store)`` is a WSGI callable. ``sleep`` is injectable so a test server can be interrupted."""

    def __init__(self, store: Store | None = None, *, sleep=time.sleep, on_event=None):
        self.store = store or Store()
        self.sleep = sleep
        # Called with the event after a new one is published (the embedded default nudges the product's reader).
        self.on_event = on_event

    # --- WSGI -----------------------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        status, headers, body = self.handle(environ)
        headers = [*headers, ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def handle(self, environ) -> tuple[str, list, bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/_gateway/"):
            path = path[len("/_gateway") :]
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            if path.startswith("/_sim/"):
                return self.fixture_api(method, path, environ)
            if path.startswith("/restapi"):
                return self.service(method, path, environ, dialect="trembita")
            if path.startswith("/r1/"):
                return self.service(method, path, environ, dialect="xroad")
            if path in ("/", ""):
                return _text("200 OK", "Hromada Intake exchange gateway stand-in. See docs/registries.md.\n")
            return _fault("404 Not Found", "Client.InvalidRequest", "Unknown path", path)
        except InvalidFixture as e:
            return _json("400 Bad Request", {"code": "invalid", "detail": str(e)})

    # --- the fixture API ------------------------------------------------------------------------------------------

    def fixture_api(self, method: str, path: str, environ):
        if path == "/_sim/persons" and method == "POST":
            person = self.store.put_person(_read_json(environ))
            return _json("201 Created", person)
        if path == "/_sim/events" and method == "POST":
            event, created = self.store.put_event(_read_json(environ))
            if created and self.on_event is not None:
                self.on_event(event)
            return _json("201 Created" if created else "200 OK", event)
        if path == "/_sim/events" and method == "GET":
            return _json("200 OK", self.store.events(after=0, limit=FEED_MAX_LIMIT))
        if path == "/_sim/faults" and method == "POST":
            return _json("201 Created", self.store.set_fault(_read_json(environ)))
        if path == "/_sim/faults" and method == "DELETE":
            registry = parse_qs(environ.get("QUERY_STRING", "")).get("registry", [""])[0]
            self.store.clear_faults(registry)
            return "204 No Content", [], b""
        if path == "/_sim/faults" and method == "GET":
            return _json("200 OK", self.store.faults())
        if path in ("/_sim/persons", "/_sim/faults", "/_sim/events"):
            return _json("405 Method Not Allowed", {"code": "method_not_allowed", "detail": method})
        return _json("404 Not Found", {"code": "not_found", "detail": path})

    # --- the services behind the security server ------------------------------------------------------------------

    def service(self, method: str, path: str, environ, *, dialect: str):
        h = lambda name: environ.get("HTTP_" + name.upper().replace("-", "_"), "").strip()  # noqa: E731
        if dialect == "trembita":
            required = ("Uxp-Client", "Uxp-Service", "Uxp-QueryID", "Uxp-Purpose-Ids")
            client, query_id, service_id = h("Uxp-Client"), h("Uxp-QueryID"), h("Uxp-Service")
        else:
            required = ("X-Road-Client", "X-Road-Id")
            client, query_id = h("X-Road-Client"), h("X-Road-Id")
            service_id = "/".join(unquote(p) for p in path[len("/r1/") :].split("/")[:5])
        missing = [name for name in required if not h(name)]
        if missing:
            return _fault(
                "400 Bad Request", "Client.InvalidRequest.MissingHeader", "Mandatory header missing", missing[0]
            )
        if len(client.split("/")) != 4:
            return _fault("400 Bad Request", "Client.InvalidRequest.InvalidClientIdentifier", "Bad client id", client)
        parts = service_id.split("/")
        if len(parts) < 5 or (parts[3], parts[4]) not in SERVICES:
            return _fault("404 Not Found", "Server.ServerProxy.UnknownService", "Unknown service", service_id)
        if method != "GET":
            return _fault("405 Method Not Allowed", "Client.InvalidRequest", "Method not allowed", method)
        registry = SERVICES[(parts[3], parts[4])]
        query = environ.get("QUERY_STRING", "")
        params = parse_qs(query)
        rnokpp, passport = params.get("rnokpp", [""])[0], params.get("passport", [""])[0]
        headers = [("X-Road-Id" if dialect == "xroad" else "Uxp-QueryID", query_id)]
        if dialect == "xroad":
            headers.append(("X-Road-Request-Hash", request_hash(method, path, query, client, query_id)))

        fault = self.store.take_fault(registry)
        mode = fault["mode"] if fault else ""
        if mode == "down":
            return _fault(
                "503 Service Unavailable", "Server.ServerProxy.ServiceFailed", "Service unreachable", registry
            )
        if mode in ("slow", "timeout"):
            self.sleep(fault["seconds"] if fault["seconds"] is not None else (2 if mode == "slow" else 30))
            if mode == "timeout":
                return _fault("504 Gateway Timeout", "Server.ServerProxy.Timeout", "Service timed out", registry)
        if mode == "garbage":
            return "200 OK", [("Content-Type", "application/json"), *headers], b"<html>\x00\xff\xfe not json"
        if registry == "events":
            return self.feed(params, headers)
        person = self.store.get_person(rnokpp=rnokpp, passport=passport)
        subject = {"rnokpp": rnokpp, "passport": passport}
        if person and mode != "not_found":
            found, data = _answer_data(registry, person)
            subject = {"rnokpp": person["rnokpp"], "passport": person.get("passport", "")}
            if mode == "wrong_subject":
                other = {**person, **OTHER_PERSON}
                found, data = _answer_data(registry, other)
                found, data = True, data or _answer_data("eddr", other)[1]
                subject = {"rnokpp": OTHER_PERSON["rnokpp"], "passport": OTHER_PERSON["passport"]}
        else:
            found, data = False, None
        body = {"query_id": query_id, "registry": registry, "subject": subject, "found": found, "data": data}
        status, json_headers, content = _json("200 OK", body)
        return status, [*json_headers, *headers], content

    def feed(self, params: dict, headers: list) -> tuple[str, list, bytes]:
        """``?after=<seq>&limit=<n>``: the events after the cursor, in order, and the cursor to ask from next."""
        try:
            after = int(params.get("after", ["0"])[0] or 0)
            limit = int(params.get("limit", ["100"])[0] or 100)
        except ValueError:
            return _fault("400 Bad Request", "Client.InvalidRequest", "after and limit are whole numbers", "")
        if after < 0 or not 1 <= limit <= FEED_MAX_LIMIT:
            return _fault("400 Bad Request", "Client.InvalidRequest", f"after >= 0, 1 <= limit <= {FEED_MAX_LIMIT}", "")
        events = self.store.events(after=after, limit=limit)
        body = {"events": events, "next": events[-1]["seq"] if events else after, "more": len(events) == limit}
        status, json_headers, content = _json("200 OK", body)
        return status, [*json_headers, *headers], content


def _read_json(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise InvalidFixture("body too large")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        return json.loads(raw or b"null")
    except ValueError as e:
        raise InvalidFixture("the body is not JSON") from e


def _json(status: str, data) -> tuple[str, list, bytes]:
    return status, [("Content-Type", "application/json; charset=utf-8")], json.dumps(data, ensure_ascii=False).encode()


def _text(status: str, text: str) -> tuple[str, list, bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], text.encode()


def _fault(status: str, fault_type: str, message: str, detail: str) -> tuple[str, list, bytes]:
    status, headers, body = _json(status, {"type": fault_type, "message": message, "detail": detail})
    return status, [*headers, ("X-Road-Error", fault_type)], body


def make_app(store_path=None) -> GatewayApp:
    return GatewayApp(Store(store_path))
