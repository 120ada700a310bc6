import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.signals import setting_changed
from django.utils import translation

from config import celery_app
from tests.corpus import IN_CI, shared_samples
from tests.factories import build_world

# --- one test process among several (pytest-xdist) ------------------------------------------------------------------
#
# `make test` runs the suite in parallel processes that share one Redis. Each keeps its cache keys under a prefix of
# its own, and clears only those between tests (``cache.clear()`` would FLUSHDB: another process's throttling
# counters, and the broker's queues when cache and broker share a database). Each process also has a test database
# of its own (pytest-django adds _gw0, _gw1… to the name).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_cache_settings = django_settings.CACHES["default"]
_cache_settings["KEY_PREFIX"] = f"test-{WORKER}-{os.getpid()}"
setting_changed.send(sender=None, setting="CACHES", value=django_settings.CACHES, enter=True)


def cache_clear() -> None:
    """Empty this process's cache: locally, or its own keys in Redis."""
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """A browser module's tests share their module's live server: they run in one process, one after the other."""
    for item in items:
        if "live_server" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


# --- the service catalog, once per session ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the service catalog (document types, services, checklists, refusal grounds) loaded
    once: each test's transaction rolls back to it. Tests on a transactional database empty every table when they
    end; ``pytest_runtest_teardown`` loads the catalog again after them."""
    from cases.catalog import load_catalog

    with django_db_blocker.unblock():
        load_catalog()


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback")))
    return transactional or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if nextitem is not None and _flushes_the_database(item):
        from pytest_django.plugin import blocking_manager_key

        from cases.catalog import load_catalog

        with item.config.stash[blocking_manager_key].unblock():
            load_catalog()
    return result


def redis_url() -> str | None:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")


def redis_reachable() -> bool:
    url = redis_url()
    if not url or not url.startswith("redis"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _real_services(request):
    """Tests marked ``postgres`` or ``redis`` need the real service. On a laptop without it they skip; in CI
    (CI=true) they fail, because there the queue, locking, fee and crash rules must be proven for real."""
    from django.conf import settings

    missing = []
    if request.node.get_closest_marker("postgres") and not settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ):
        missing.append("PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not redis_reachable():
        missing.append("Redis (set CELERY_BROKER_URL)")
    if missing:
        if IN_CI:
            pytest.fail(f"CI must run this test on {', '.join(missing)}")
        pytest.skip(f"needs {', '.join(missing)}")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Every test: files in its own folder, tasks in-process, a fast password hasher."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "cases.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # The robot's task takes cases waiting longer than ROBOT_BACKLOG_SECONDS into its batch: by the wall clock, so a
    # slow run would let one case's task decide a case the test keeps waiting. Off here; the tests of it set it
    # (tests/eligibility/test_robot_batch.py).
    settings.ROBOT_BACKLOG_SECONDS = 24 * 3600
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    cache_clear()  # throttling counters must not leak from one test into the next
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def english(settings):
    """Pages and messages in English, for tests that read a message's words. Ukrainian is the default everywhere
    else; the catalogs' completeness and the default language have tests of their own (tests/cases)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media_root(settings):
    return settings.STORAGES["default"]["OPTIONS"]["location"]


def stored_files(root) -> list[str]:
    if not os.path.isdir(root):
        return []
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


@pytest.fixture
def samples():
    """The third-party samples' folder (``HROMADA_SAMPLES_DIR`` or ``../shared/samples``): the test skips without
    it, except in CI, where it fails. Everything they prove is also proven on the suite's own corpus (tests/corpus.py).
    """
    return shared_samples()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if IN_CI:
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    return path


class _SerialWSGIServer(WSGIServer):
    """One request at a time, in the live server's thread (which already uses the test's connection)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="module")
def live_server():
    """pytest-django's live server, answering one request at a time when the test database is in-memory SQLite.

    There the server thread shares the test's one SQLite connection, and a browser fetching a page's thumbnails in
    parallel through a threaded server makes concurrent calls on it ("bad parameter or other API misuse"). On
    PostgreSQL each server thread has its own connection and the server stays threaded."""
    from django.db import connections
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    if any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all()):
        server.thread.server_class = _SerialWSGIServer
    server.start()
    yield server
    server.stop()
