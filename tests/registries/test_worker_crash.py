"""A real Celery worker on a real Redis, killed with SIGKILL while the gateway holds its request: the query is
sent again (redelivered, or by the sweeper) and answered once, its extract filed once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import transaction

from cases.models import Document, ServiceType
from config import celery_app
from frontoffice import services as front
from registries import services
from registries.models import RegistryQuery
from tests.conftest import redis_url
from tests.reliability.test_worker_crash import database_url, wait_for

from .helpers import known_person

ROOT = Path(__file__).resolve().parents[2]
STALE = 2
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def start_worker(queue: str, media_root: str, gateway_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "MEDIA_ROOT": media_root,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "REGISTRY_GATEWAY_URL": gateway_url,
        "REGISTRY_GATEWAY_STANDIN": "0",
        "REGISTRY_STALE_SECONDS": str(STALE),
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "--prefetch-multiplier=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def broker_queue():
    queue = f"registries-crash-{uuid.uuid4().hex[:8]}"
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = redis_url()
    yield queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url = saved


def test_a_worker_killed_mid_query_is_answered_once(registries, gateway, media_root, tmp_path, broker_queue, settings):
    world = registries
    person = known_person(world, gateway)
    gateway.fault("dracs", "slow", seconds=6, count=1)  # the first request hangs in the gateway
    log = open(tmp_path / "workers.log", "ab")  # noqa: SIM115 - closed in finally, after the workers
    first = start_worker(broker_queue, media_root, gateway.url, log)
    second = None
    try:
        with transaction.atomic():
            case = front.case_open(
                applicant=person,
                service_type=ServiceType.objects.get(code="childbirth"),
                front_office=world.fo_a,
                by=world.clerk_a,
            )
        query = RegistryQuery.objects.get(case=case, registry__code="dracs")
        wait_for(lambda: RegistryQuery.objects.filter(pk=query.pk, status="sent").exists(), 60, "the query sent")
        time.sleep(0.5)
        stop(first, signal.SIGKILL)  # mid-request: nothing answered, the message unacknowledged
        query.refresh_from_db()
        assert query.status == "sent" and query.attempts == 1

        second = start_worker(broker_queue, media_root, gateway.url, log)
        settings.REGISTRY_STALE_SECONDS = STALE
        settings.REGISTRY_NUDGE_GRACE_SECONDS = 0

        def answered() -> bool:
            services.registry_sweep()  # as beat does; a redelivered message may get there first
            return RegistryQuery.objects.filter(pk=query.pk, status="answered").exists()

        wait_for(answered, 90, "the query answered after the restart")
        time.sleep(STALE + 3)  # give any duplicate nudge time to run: it must change nothing
        query.refresh_from_db()
        assert query.status == "answered" and query.attempts >= 2
        assert Document.objects.filter(case=case, registry_code="dracs").count() == 1
        assert query.documents.count() == 1
        assert RegistryQuery.objects.get(case=case, registry__code="eddr").status == "answered"
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)
        log.close()
