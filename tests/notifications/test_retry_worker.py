"""A real Celery worker against a real Redis sends a message while the SMS provider (the TurboSMS stand-in over
HTTP) is down: the message stays queued with its attempts counted, and when the provider is back the worker's own
retry sends it; the delivery report then marks it delivered."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config import celery_app
from notifications import services
from notifications.models import Message
from tests.conftest import redis_url
from tests.factories import committed, make_case
from tests.notifications.standin import Served, TurboSmsStandIn
from tests.reliability.test_worker_crash import database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+380671234567"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-worker"),  # one worker test at a time (see tests/reliability/test_worker_crash.py)
]


@pytest.fixture
def provider():
    app = TurboSmsStandIn(token="test-token")
    served = Served(app)
    yield app, served.url
    served.stop()


@pytest.fixture
def worker(provider, tmp_path, settings):
    """The producer (this process) and a worker both on a fresh queue of the real Redis, the worker pointed at the
    stand-in, retrying after 1 s, 2 s, 4 s … instead of 30 s."""
    _app, url = provider
    queue = f"retry-test-{uuid.uuid4().hex[:8]}"
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = redis_url()
    settings.NOTIFY_SMS_BACKEND, settings.TURBOSMS_URL, settings.TURBOSMS_TOKEN = "turbosms", url, "test-token"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "NOTIFY_SMS_BACKEND": "turbosms",
        "TURBOSMS_URL": url,
        "TURBOSMS_TOKEN": "test-token",
        "TURBOSMS_TIMEOUT": "2",
        "NOTIFY_RETRY_SECONDS": "1",
        "CELERY_VISIBILITY_TIMEOUT": "120",
    }
    log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "config", "worker", "--concurrency=1", "--prefetch-multiplier=1", "-Q", queue),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    log.close()
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url = saved


def test_a_message_waits_out_a_provider_outage_and_the_workers_retry_sends_it(world, provider, worker):
    app, _url = provider
    app.down = True
    case = make_case(world)
    with committed():
        message = services.message_queue(
            case=case,
            recipient=PHONE,
            channel="sms",
            template="status_code",
            language="uk",
            context={"code": "123456", "minutes": 10},
        )

    def tried_twice():
        m = Message.objects.get(pk=message.pk)
        return m if m.attempts >= 2 else None

    waiting = wait_for(tried_twice, 90, "two attempts while the provider is down")
    assert waiting.status == Message.Status.QUEUED and "503" in waiting.last_error and not app.received

    app.down = False
    started = time.monotonic()

    def sent():
        m = Message.objects.get(pk=message.pk)
        return m if m.status == Message.Status.SENT else None

    done = wait_for(sent, 60, "the worker's retry to send the message")
    assert time.monotonic() - started < 60
    assert done.attempts > waiting.attempts and done.provider_message_id == app.received[0]["id"]
    assert len(app.received) == 1  # sent once, whatever the retries

    app.deliver_all()
    assert services.message_poll_delivery() == 1
    assert Message.objects.get(pk=message.pk).status == Message.Status.DELIVERED
