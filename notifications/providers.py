"""Who carries a message: chosen per channel by settings (docs/operations.md, "Messages to applicants").

- ``outbox`` (the embedded default): sends nothing; the message stays in the outbox table, readable at /_outbox/.
- ``turbosms``: SMS, and Viber with SMS fallback, through TurboSMS's HTTP API (api.turbosms.ua, JSON, Bearer token).
- ``django``: e-mail through Django's mail backend (EMAIL_* settings).

A provider either accepts a message (``Accepted``), cannot take it now (``ProviderUnavailable``: the message stays
queued and is tried again), or refuses it for good (``ProviderRejected``: the message fails, visible to staff).
"""

from dataclasses import dataclass
from email.utils import make_msgid

import httpx
from django.conf import settings
from django.core.mail import EmailMessage


class ProviderUnavailable(Exception):
    """Down, timing out, or not configured: try again later."""


class ProviderRejected(Exception):
    """This message will never go (a number the provider refuses, a malformed address)."""


@dataclass(frozen=True)
class Accepted:
    provider_message_id: str


class OutboxProvider:
    """Sends nothing and keeps every message: the outbox table is the delivery (embedded default, demo, tests)."""

    name = "outbox"

    def send(self, message) -> Accepted:
        return Accepted(provider_message_id=f"outbox-{message.pk}")

    def statuses(self, ids: list[str]) -> dict[str, str]:
        return {}


# TurboSMS answers: ``response_code`` 0 ("OK"), 800 SUCCESS_MESSAGE_ACCEPTED, 801 SUCCESS_MESSAGE_SENT and 802
# SUCCESS_MESSAGE_PARTIAL_ACCEPTED mean the request was taken; per recipient, ``response_result[i].response_code``
# 0/800/801 with a ``message_id``. Anything else for the request as a whole is an account-level problem (token,
# balance, sender name): nothing can go until it is fixed, so messages wait. A refusal for the one recipient fails it.
TURBOSMS_OK = {0, 800, 801, 802}
TURBOSMS_DELIVERED = {"delivered", "read"}
TURBOSMS_FAILED = {"expired", "undelivered", "rejected", "failed", "cancelled", "unknown"}


class TurboSmsProvider:
    """``POST {TURBOSMS_URL}/message/send.json`` with ``Authorization: Bearer <token>`` and
    ``{"recipients": ["380…"], "sms": {"sender", "text"}}``; for Viber the same request carries a ``viber`` object
    as well, which TurboSMS sends by Viber first and by SMS if Viber does not deliver. Delivery reports:
    ``POST {TURBOSMS_URL}/message/status.json`` ``{"messages": [ids]}`` → ``response_result[].status``."""

    name = "turbosms"

    def __init__(self, *, url: str | None = None, token: str | None = None, transport=None):
        self.url = (url or settings.TURBOSMS_URL).rstrip("/")
        self.token = token if token is not None else settings.TURBOSMS_TOKEN
        self.transport = transport

    def _post(self, path: str, body: dict) -> dict:
        if not self.token:
            raise ProviderUnavailable("TURBOSMS_TOKEN is not set")
        try:
            with httpx.Client(timeout=settings.TURBOSMS_TIMEOUT, transport=self.transport) as client:
                response = client.post(
                    f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {self.token}"}
                )
        except httpx.HTTPError as e:
            raise ProviderUnavailable(f"{type(e).__name__}") from e
        if response.status_code >= 400:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as e:
            raise ProviderUnavailable("not JSON") from e
        if not isinstance(data, dict):
            raise ProviderUnavailable("unexpected answer")
        return data

    def send(self, message) -> Accepted:
        body: dict = {
            "recipients": [message.recipient.lstrip("+")],
            "sms": {"sender": settings.TURBOSMS_SENDER, "text": message.text},
        }
        if message.channel == "viber":
            body["viber"] = {"sender": settings.TURBOSMS_VIBER_SENDER or settings.TURBOSMS_SENDER, "text": message.text}
        data = self._post("/message/send.json", body)
        code = data.get("response_code")
        if code not in TURBOSMS_OK:
            raise ProviderUnavailable(f"{code} {data.get('response_status', '')}"[:200])
        results = data.get("response_result") or []
        result = results[0] if results and isinstance(results[0], dict) else {}
        if result.get("response_code") not in TURBOSMS_OK or not result.get("message_id"):
            raise ProviderRejected(f"{result.get('response_code')} {result.get('response_status', '')}"[:200])
        return Accepted(provider_message_id=str(result["message_id"]))

    def statuses(self, ids: list[str]) -> dict[str, str]:
        """``{provider id: "delivered" | "failed" | "sent"}`` for the ids the provider knows."""
        data = self._post("/message/status.json", {"messages": ids})
        out = {}
        for row in data.get("response_result") or []:
            if not isinstance(row, dict) or not row.get("message_id"):
                continue
            status = str(row.get("status") or "").lower()
            out[str(row["message_id"])] = (
                "delivered" if status in TURBOSMS_DELIVERED else "failed" if status in TURBOSMS_FAILED else "sent"
            )
        return out


class DjangoEmailProvider:
    """E-mail through Django's configured mail backend (SMTP in production)."""

    name = "email"

    def send(self, message) -> Accepted:
        message_id = make_msgid(domain=settings.NOTIFY_EMAIL_DOMAIN)
        email = EmailMessage(
            subject=settings.NOTIFY_EMAIL_SUBJECT,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            email.send(fail_silently=False)
        except (OSError, ConnectionError) as e:
            raise ProviderUnavailable(type(e).__name__) from e
        return Accepted(provider_message_id=message_id)

    def statuses(self, ids: list[str]) -> dict[str, str]:
        return {}


def provider_for(channel: str):
    """The provider configured for ``channel`` (sms and viber share the SMS provider)."""
    if channel == "email":
        return DjangoEmailProvider() if settings.NOTIFY_EMAIL_BACKEND == "django" else OutboxProvider()
    return TurboSmsProvider() if settings.NOTIFY_SMS_BACKEND == "turbosms" else OutboxProvider()


def outbox_only() -> bool:
    """True when no real provider is configured: the only case in which /_outbox/ is served."""
    return settings.NOTIFY_SMS_BACKEND == "outbox" and settings.NOTIFY_EMAIL_BACKEND == "outbox"
