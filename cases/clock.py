"""The one source of "now" for the domain.

Services, defaults and deadlines ask this module rather than ``timezone.now()`` so that demo data and tests can
place events in the past (``travel_to``) without patching Django. Outside ``travel_to`` it is the real clock.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("hromada_clock", default=None)


def now() -> datetime:
    return _frozen.get() or timezone.now()


def today() -> date:
    return timezone.localdate(now())


@contextmanager
def travel_to(moment: datetime) -> Iterator[datetime]:
    """Make ``now()`` return ``moment`` inside the block (an aware datetime)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
