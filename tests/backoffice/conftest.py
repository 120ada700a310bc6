"""Helpers for the back office's tests."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from cases.models import Case
from payments.services import fee_rate_create
from tests.factories import RegionFactory, make_case


@pytest.fixture(autouse=True)
def _short_region_codes():
    """``RegionFactory`` codes are ``UA`` + 2 digits of the sequence + 15 zeros: from the 100th world on they no
    longer fit the 19 characters PostgreSQL enforces. Each test here builds its own world, so start it afresh."""
    RegionFactory.reset_sequence()


@pytest.fixture
def world(world):
    """The shared world, with the ministry's general fee rate in force (accepting a package earns a fee)."""
    fee_rate_create(by=world.accountant, amount=Decimal("20.00"), valid_from=date(2020, 1, 1))
    return world


@pytest.fixture
def api():
    """``api(user)``: an API client signed in as ``user``."""

    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


def queued(world, n: int, **kwargs) -> list[Case]:
    """``n`` cases waiting in the queue (made through the services, like every case in these tests)."""
    return [make_case(world, Case.Status.SUBMITTED, **kwargs) for _ in range(n)]


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
