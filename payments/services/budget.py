"""The year's allocation for community fees."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.exceptions import InvalidInput
from payments.models import Budget
from payments.services.periods import money
from payments.services.roles import require_ministry

logger = logging.getLogger(__name__)


@transaction.atomic
def budget_set(*, year: int, amount, by) -> Budget:
    """Set (or change) the year's allocation for community fees."""
    require_ministry(by)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the year."), field="year") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Give the year."), field="year")
    amount = money(amount)
    if amount < 0:
        raise InvalidInput(_("A budget cannot be negative."), field="amount")
    budget, _created = Budget.objects.select_for_update().update_or_create(
        year=year, defaults={"amount": amount, "updated_at": clock.now(), "updated_by": by}
    )
    return budget


def approval_exceeds_budget(*, budget: Decimal | None, approved: Decimal, amount: Decimal) -> bool:
    """Whether approving ``amount`` on top of the year's ``approved`` total overruns its ``budget`` (no budget set
    counts as overrun: approving then needs the same acknowledgement)."""
    return budget is None or approved + amount > budget
