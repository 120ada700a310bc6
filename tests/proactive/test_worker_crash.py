"""A real Celery worker on a real Redis reads the feed and is killed (SIGKILL) while the exchange holds its request:
the unacknowledged task is redelivered to the next worker, and the event is stored and offered exactly once."""

import signal
import time

import pytest

from proactive.models import FeedCursor, ProactiveOffer, RegistryEvent
from proactive.tasks import read_feed
from tests.registries.test_worker_crash import broker_queue, start_worker, stop  # noqa: F401
from tests.reliability.test_worker_crash import wait_for

from .conftest import birth_event, mother

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_while_reading_the_feed_leaves_one_event_and_one_offer(
    rules,
    gateway,
    media_root,
    tmp_path,
    broker_queue,  # noqa: F811
):
    person = mother(rules, gateway, consent=False)
    assert birth_event(gateway, person, event_id="crash-1").status_code == 201
    gateway.fault("events", "slow", seconds=5, count=1)  # the first read hangs in the exchange
    log = open(tmp_path / "workers.log", "ab")  # noqa: SIM115 - closed in finally, after the workers
    first = start_worker(broker_queue, media_root, gateway.url, log)
    second = None
    try:
        read_feed.delay()
        wait_for(lambda: not gateway.store.faults(), 60, "the worker's feed request")  # the slow fault was taken
        time.sleep(0.5)
        stop(first, signal.SIGKILL)  # mid-request: nothing stored, the message unacknowledged
        assert not RegistryEvent.objects.exists()
        # The broker gives the unacknowledged message back once its visibility timeout (3 s here) has passed; a
        # worker restores such messages when it starts, so start the next one after that, as a restart would.
        time.sleep(4)
        second = start_worker(broker_queue, media_root, gateway.url, log)
        wait_for(lambda: ProactiveOffer.objects.exists(), 90, "the offer after the restart")
        read_feed.delay()  # beat's next run: nothing new
        time.sleep(3)
        assert RegistryEvent.objects.filter(feed_id="crash-1").count() == 1
        assert ProactiveOffer.objects.filter(applicant=person).count() == 1
        assert FeedCursor.objects.get().position == 1
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)
        log.close()
