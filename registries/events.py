"""The registries' event feed through our security server (docs/proactive.md): births registered in ДРАЦС, new
registrations in a community's residents register, disability established, pensions started.

``feed_read(after=…, limit=…)`` asks for the events published after the cursor ``after`` (the feed's own sequence
number) and returns a ``FeedPage``: the events in feed order, the cursor to ask from next, and whether more are
waiting. It raises ``client.GatewayError`` (``transient`` when a retry may pass: the feed down, a timeout) and checks
only the envelope: each event is handed on as it came, and the reader decides what a malformed one means. Nothing
here touches the database.
"""

import json
import time
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import httpx
from django.conf import settings

from registries import client
from registries.client import GatewayError


@dataclass(frozen=True)
class FeedPage:
    events: list  # each: a dict with at least an int ``seq`` (anything else is for the reader to judge)
    next: int
    more: bool
    query_id: str
    request_hash: str


def _service() -> SimpleNamespace:
    parts = settings.REGISTRY_EVENTS_SERVICE.split("/")
    if len(parts) < 5:
        raise GatewayError("not_configured", "REGISTRY_EVENTS_SERVICE is not a service identifier")
    return SimpleNamespace(
        service_id_parts=parts, service_code=parts[4], service_version=settings.REGISTRY_EVENTS_VERSION
    )


def feed_read(*, after: int, limit: int = 100) -> FeedPage:
    if not settings.REGISTRY_GATEWAY_URL:
        raise GatewayError("not_configured", "REGISTRY_GATEWAY_URL is not set")
    dialect = settings.REGISTRY_HEADER_DIALECT
    if dialect not in client.DIALECTS:
        raise GatewayError("not_configured", f"unknown REGISTRY_HEADER_DIALECT {dialect!r}")
    query_id = str(uuid.uuid4())
    url, headers, own_hash = client.request_for(
        _service(),
        subject={"after": str(int(after)), "limit": str(int(limit))},
        query_id=query_id,
        purpose=settings.REGISTRY_EVENTS_PURPOSE,
        dialect=dialect,
    )
    started = time.perf_counter()
    try:
        response = client.http_client().get(url, headers=headers)
    except httpx.TimeoutException as e:
        raise GatewayError("timeout", type(e).__name__, transient=True, latency_ms=_ms(started)) from e
    except httpx.TransportError as e:
        raise GatewayError("gateway_unreachable", type(e).__name__, transient=True, latency_ms=_ms(started)) from e
    status = response.status_code
    if status >= 400:
        fault = response.headers.get("X-Road-Error", "")
        code = {503: "registry_down", 504: "timeout", 502: "registry_down"}.get(status, "gateway_refused")
        raise GatewayError(code, f"HTTP {status} {fault}".strip(), transient=status >= 500, latency_ms=_ms(started))
    if len(response.content) > settings.REGISTRY_MAX_ANSWER_BYTES * 8:
        raise GatewayError("answer_too_large", f"{len(response.content)} bytes")
    try:
        payload = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise GatewayError("garbage", "the feed is not JSON", transient=True) from e
    events = payload.get("events") if isinstance(payload, dict) else None
    nxt = payload.get("next") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not isinstance(nxt, int) or isinstance(nxt, bool):
        raise GatewayError("garbage", "the feed has no events list or next cursor", transient=True)
    for event in events:
        seq = event.get("seq") if isinstance(event, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise GatewayError("garbage", "an event without a sequence number", transient=True)
    proof = response.headers.get("X-Road-Request-Hash", "") if dialect == "xroad" else own_hash
    return FeedPage(
        events=events, next=nxt, more=bool(payload.get("more")), query_id=query_id, request_hash=proof or own_hash
    )


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
