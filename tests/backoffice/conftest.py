"""Helpers for the back office's tests."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from payments.services.rates import fee_rate_create
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
