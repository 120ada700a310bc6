from datetime import date
from decimal import Decimal

import pytest

from eligibility.catalog import load_parameters
from payments.models import FeeRate
from tests.registries.conftest import gateway, registries  # noqa: F401  (the stand-in over real HTTP)


@pytest.fixture
def rules(registries):  # noqa: F811
    """The world with the registries catalogue, the shipped parameter rows and the demo decision modes."""
    load_parameters()
    FeeRate.objects.create(amount=Decimal("20.00"), valid_from=date(2025, 1, 1))
    return registries
