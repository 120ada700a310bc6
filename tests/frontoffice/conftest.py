import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def api_for():
    """An API client authenticated by token as ``user`` (the integrators' way)."""

    def make(user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def clerk_api(world, api_for) -> APIClient:
    return api_for(world.clerk_a)


@pytest.fixture(autouse=True)
def _region_codes_within_their_column():
    """``tests.factories.RegionFactory`` numbers codes "UA{n:02d}" + 15 zeros: from the 100th world in one run the
    code has 20 characters, one more than the column holds. PostgreSQL refuses that (SQLite does not check), so a
    long run on PostgreSQL errors in whatever tests come late. Each test builds at most one world: restart the
    sequence. (The lasting fix belongs in tests/factories.py: ``n % 100``.)"""
    from tests.factories import RegionFactory

    RegionFactory.reset_sequence(1)
