"""Payments test helpers: rates, accepted intakes at a chosen moment, supervisors for every community."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice import services as back
from cases import clock
from cases.models import Membership
from payments.services.budget import budget_set
from payments.services.rates import fee_rate_create
from tests.factories import RegionFactory, S, make_case, member

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(*parts) -> datetime:
    """An aware moment on the wall clock of Kyiv (the product's time zone)."""
    return datetime(*parts, tzinfo=KYIV)


def in_review(world, community: str = "a", service=None, at: datetime | None = None):
    if at is None:
        return make_case(world, S.IN_REVIEW, community=community, service=service)
    with clock.travel_to(at):
        return make_case(world, S.IN_REVIEW, community=community, service=service)


def accept(case, at: datetime | None = None):
    """Accept the package as its holder would (the back office's transition, which records the fee)."""
    if at is None:
        return back.case_accept(case=case, by=case.assignee)
    with clock.travel_to(at):
        return back.case_accept(case=case, by=case.assignee)


def accepted(world, at: datetime, community: str = "a", service=None):
    return accept(in_review(world, community, service, at=at), at=at)


@pytest.fixture
def supervisors(world):
    """Supervisors for communities B and C as well (the world has one for A)."""
    return {
        "a": world.supervisor_a,
        "b": member("supervisor_b", Membership.Role.SUPERVISOR, community=world.b),
        "c": member("supervisor_c", Membership.Role.SUPERVISOR, community=world.c),
    }


@pytest.fixture
def rate(world):
    """The demo's general rate: 20 UAH per intake since 2025."""
    return fee_rate_create(by=world.admin, amount="20.00", valid_from=date(2025, 1, 1))


@pytest.fixture
def budget(world):
    return budget_set(year=2026, amount=Decimal("1000000.00"), by=world.admin)


@pytest.fixture(autouse=True)
def _region_codes_fit():
    """``RegionFactory`` numbers its KATOTTG codes ``UA{n:02d}…``: past 99 regions in one process (the whole suite on
    PostgreSQL, which enforces the 19-character field) the code no longer fits. Each test here builds one world in
    its own transaction, so the sequence can start again."""
    RegionFactory.reset_sequence()
