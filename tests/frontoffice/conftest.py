from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "third-party"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"The shared samples are missing at {SAMPLES}")
    return SAMPLES


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
