"""A real Celery worker against a real Redis, killed with SIGKILL while it processes pages: after a restart every
page reaches ready exactly once (acks_late + reject_on_worker_lost + idempotent tasks + enqueue on commit).

The task the killed worker held is lost to the broker until its visibility timeout passes and a worker looks again;
in production the sweeper (``requeue_stale_work``, run by beat) sends such work again. The test does what beat does,
at once and then every few seconds, instead of sleeping through a timeout; it waits for the outcome with a bounded
deadline."""

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from PIL import Image

from cases.models import Case, Page
from config import celery_app
from frontoffice import services as front
from tests.conftest import redis_url
from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]
PAGES = 8
VISIBILITY_TIMEOUT = 3  # Redis gives the killed worker's task back on its own too; the test does not wait for it
SWEEP_SECONDS = 5
DEADLINE = 180
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # One run at a time (in one test process under `make test`): the Redis transport keeps every queue's
    # unacknowledged messages in one hash, and a worker starting up hands back any older than its visibility timeout.
    pytest.mark.xdist_group("celery-worker"),
]


def heavy_scan(seed: int) -> bytes:
    """A 300-dpi A4 page of noise as PNG: PNGs always go through the worker (only upright JPEGs that already fit
    the page are ready at upload), and noise is slow enough to decode and encode that a kill lands mid-batch."""
    im = Image.frombytes("L", (2480, 3508), os.urandom(2480 * 3508)).point(lambda v: 128 + v // 4 + seed % 7)
    buffer = io.BytesIO()
    im.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, queue: str, media_root: str, log: Path):
        self.queue, self.media_root, self.log = queue, media_root, log

    def start(self) -> "Worker":
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_url(),
            "MEDIA_ROOT": self.media_root,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        self.out = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--prefetch-multiplier=1",
                "-Q",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches the pool child too
        )
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.out.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if not self.out.closed:
            self.out.close()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker_queue():
    queue = f"crash-test-{uuid.uuid4().hex[:8]}"
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = redis_url()
    yield queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url = saved


@pytest.mark.parametrize("run", range(3))
def test_every_page_ready_exactly_once_after_kill_9(world, media_root, tmp_path, broker_queue, run):
    case = make_case(world, Case.Status.DRAFT)
    first = Worker(broker_queue, media_root, tmp_path / "worker.log").start()
    try:
        files = [front.uploaded(heavy_scan(n), f"scan-{n}.png") for n in range(PAGES)]
        front.document_add(case=case, document_type=None, files=files, by=world.clerk_a)  # commits: tasks go out
        pages = Page.objects.filter(document__case=case)
        assert pages.count() == PAGES

        ready = lambda: pages.filter(status=Page.Status.READY).count()  # noqa: E731
        last_sweep = [time.monotonic()]

        def swept() -> bool:
            """The sweeper, as beat runs it in production, every SWEEP_SECONDS for work pending that long. The
            database still says "pending" for the page whose message the kill took; the sweeper sends it again, and
            the task's idempotence keeps every page to one processing however often it is delivered."""
            if time.monotonic() - last_sweep[0] >= SWEEP_SECONDS:
                last_sweep[0] = time.monotonic()
                front.requeue_stale_work(older_than_seconds=SWEEP_SECONDS)
            return False

        wait_for(lambda: ready() >= 1 + run, 120, "the first pages")
        first.kill()
        done_before_kill = ready()
        assert done_before_kill < PAGES, "the worker finished before it could be killed; make pages heavier"

        # A supervisor restarts the crashed worker at once; the sweeper sends the pending work again straight away.
        second = Worker(broker_queue, media_root, tmp_path / "worker.log").start()
        try:
            front.requeue_stale_work(older_than_seconds=0)
            wait_for(lambda: swept() or ready() == PAGES, DEADLINE, "every page after the restart")
        finally:
            second.stop()
    finally:
        first.stop()

    assert set(pages.values_list("status", flat=True)) == {Page.Status.READY}
    # Processed exactly once each: one finished result per page, whatever was redelivered. A page the killed worker
    # had claimed counts that attempt too (attempts is the real number of tries: one claim row each).
    finished, claims = Q(events__action="finish"), Q(events__action="claim")
    history = pages.annotate(finished=Count("events", filter=finished), claims=Count("events", filter=claims))
    assert list(history.exclude(finished=1).values_list("pk", "finished")) == []
    assert list(history.exclude(attempts=F("claims")).values_list("pk", "attempts", "claims")) == []
    assert pages.filter(attempts__gt=1).count() <= 2  # at most the pages in the killed worker's hands
    stored = sorted(p.name for p in (Path(media_root) / "cases" / str(case.pk) / "pages").iterdir())
    expected = sorted(n for page in pages for n in (f"{page.pk}.jpg", f"{page.pk}-thumb.jpg"))
    assert stored == expected  # one image and one thumbnail per page: no second copies from a re-run
