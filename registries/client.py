"""The one connector to our security server (docs/registries.md): a kept httpx client, mutual TLS, the dialect.

``ask(registry, subject=..., query_id=..., purpose=...)`` sends one question and returns an ``Answer`` or raises
``GatewayError`` with a short code. Nothing here touches the database: the service decides what an answer means.

Configuration, all from settings (read from the environment): ``REGISTRY_GATEWAY_URL`` (the only address used),
``REGISTRY_HEADER_DIALECT`` (``trembita`` | ``xroad``), ``REGISTRY_CLIENT_ID`` (our subsystem's identifier),
``REGISTRY_CLIENT_CERT`` / ``REGISTRY_CLIENT_KEY`` / ``REGISTRY_CA_BUNDLE`` (mutual TLS), the timeouts and the cap
on an answer's size.
"""

import base64
import hashlib
import json
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

import httpx
from django.conf import settings

DIALECTS = ("trembita", "xroad")


def request_hash(method: str, path: str, query: str, client: str, query_id: str) -> str:
    """The proof of a request as both ends compute it (the gateway returns it as ``X-Road-Request-Hash``):
    SHA-512 over the method, the decoded service path, the query string, the client id and the query id."""
    canonical = "\n".join([method.upper(), path, query, client, query_id]).encode()
    return base64.b64encode(hashlib.sha512(canonical).digest()).decode()


class GatewayError(Exception):
    """The question got no usable answer. ``code`` is short and stable (it is stored and shown)."""

    def __init__(self, code: str, detail: str = "", *, transient: bool = False, latency_ms: int | None = None):
        self.code, self.detail, self.transient, self.latency_ms = code, detail[:300], transient, latency_ms
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class Answer:
    found: bool
    subject: dict
    data: dict | None
    request_hash: str
    latency_ms: int
    dialect: str


_clients: dict[tuple, httpx.Client] = {}
_clients_lock = threading.Lock()


def _config() -> tuple:
    return (
        settings.REGISTRY_CLIENT_CERT,
        settings.REGISTRY_CLIENT_KEY,
        settings.REGISTRY_CA_BUNDLE,
        settings.REGISTRY_CONNECT_TIMEOUT,
        settings.REGISTRY_READ_TIMEOUT,
    )


def http_client() -> httpx.Client:
    """The process's kept client (connection pool) for the current configuration."""
    key = _config()
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _make_client(*key)
    return client


def _make_client(cert, key, ca, connect_timeout, read_timeout) -> httpx.Client:
    verify: ssl.SSLContext | bool = True
    if ca or cert:
        context = ssl.create_default_context(cafile=ca or None)
        if cert:
            context.load_cert_chain(cert, key or None)
        verify = context
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
    return httpx.Client(verify=verify, timeout=timeout, limits=limits, follow_redirects=False, trust_env=False)


def request_for(registry, *, subject: dict, query_id: str, purpose: str, dialect: str) -> tuple[str, dict, str]:
    """(url, headers, request hash) of a question in ``dialect``. Every identifier part is percent-encoded."""
    base = (settings.REGISTRY_GATEWAY_URL or "").rstrip("/")
    client_id = settings.REGISTRY_CLIENT_ID
    query = urlencode({k: v for k, v in subject.items() if v})
    version = quote(registry.service_version or "v1", safe="")
    if dialect == "xroad":
        service_path = "/".join(quote(part, safe="") for part in registry.service_id_parts[:5])
        path = f"/r1/{service_path}/{version}"
        headers = {"X-Road-Client": client_id, "X-Road-Id": query_id}
    else:
        path = f"/restapi/{quote(registry.service_code, safe='')}/{version}"
        headers = {
            "Uxp-Client": client_id,
            "Uxp-Service": "/".join(quote(part, safe="") for part in registry.service_id_parts),
            "Uxp-QueryID": query_id,
            "Uxp-Purpose-Ids": purpose,
        }
    headers["Accept"] = "application/json"
    client_header = headers.get("X-Road-Client") or headers["Uxp-Client"]
    return f"{base}{path}?{query}", headers, request_hash("GET", unquote(path), query, client_header, query_id)


def ask(registry, *, subject: dict, query_id: str, purpose: str) -> Answer:
    if not settings.REGISTRY_GATEWAY_URL:
        raise GatewayError("not_configured", "REGISTRY_GATEWAY_URL is not set")
    dialect = settings.REGISTRY_HEADER_DIALECT
    if dialect not in DIALECTS:
        raise GatewayError("not_configured", f"unknown REGISTRY_HEADER_DIALECT {dialect!r}")
    url, headers, own_hash = request_for(registry, subject=subject, query_id=query_id, purpose=purpose, dialect=dialect)
    started = time.perf_counter()
    cap = settings.REGISTRY_MAX_ANSWER_BYTES
    try:
        with http_client().stream("GET", url, headers=headers) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise GatewayError("answer_too_large", f"{declared} bytes", latency_ms=_ms(started))
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > cap:
                    raise GatewayError("answer_too_large", f"over {cap} bytes", latency_ms=_ms(started))
    except httpx.TimeoutException as e:
        raise GatewayError("timeout", type(e).__name__, transient=True, latency_ms=_ms(started)) from e
    except httpx.TransportError as e:
        raise GatewayError("gateway_unreachable", type(e).__name__, transient=True, latency_ms=_ms(started)) from e
    latency = _ms(started)
    status = response.status_code
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if status >= 400:
        fault = response.headers.get("X-Road-Error", "")
        if not fault and content_type == "application/json":
            try:
                fault = str(json.loads(bytes(body)).get("type", ""))
            except (ValueError, AttributeError):
                fault = ""
        code = {503: "registry_down", 504: "timeout", 502: "registry_down"}.get(status, "gateway_refused")
        raise GatewayError(code, f"HTTP {status} {fault}".strip(), transient=status >= 500, latency_ms=latency)
    if content_type != "application/json":
        raise GatewayError("wrong_content_type", content_type or "none", latency_ms=latency)
    try:
        payload = json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise GatewayError("garbage", "the answer is not JSON", latency_ms=latency) from e
    if not isinstance(payload, dict) or not isinstance(payload.get("found"), bool):
        raise GatewayError("garbage", "the answer has no 'found'", latency_ms=latency)
    if not isinstance(payload.get("subject"), dict):
        raise GatewayError("garbage", "the answer names no subject", latency_ms=latency)
    proof = response.headers.get("X-Road-Request-Hash", "") if dialect == "xroad" else own_hash
    data = payload.get("data")
    if data is not None and not isinstance(data, dict):
        raise GatewayError("garbage", "data is not an object", latency_ms=latency)
    return Answer(
        found=payload["found"],
        subject=payload["subject"],
        data=data,
        request_hash=proof or own_hash,
        latency_ms=latency,
        dialect=dialect,
    )


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
