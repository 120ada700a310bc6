"""Fees owed to communities: the ledger of accruals, written when the back office accepts a package."""

import logging
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from payments.models import Accrual, FeeRate

logger = logging.getLogger(__name__)


def fee_rate_in_force(*, service_type_id: int, on: date) -> FeeRate | None:
    """The rate for ``on``: a service-specific rate beats the general one."""
    in_force = FeeRate.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
    return (
        in_force.filter(service_type_id=service_type_id).order_by("-valid_from").first()
        or in_force.filter(service_type__isnull=True).order_by("-valid_from").first()
    )


def accrual_record_for_acceptance(*, case, accepted_at: datetime) -> Accrual:
    """The fee for an accepted intake, in the month of acceptance. Call inside the accepting transaction, with
    the case row locked: at most one accrual per case (and the database constraint backs that up)."""
    existing = Accrual.objects.filter(case=case, kind=Accrual.Kind.ACCRUAL).first()
    if existing is not None:
        return existing
    day = timezone.localdate(accepted_at)
    rate = fee_rate_in_force(service_type_id=case.service_type_id, on=day)
    if rate is None:
        logger.warning("no fee rate in force on %s for service %s; accrued 0", day, case.service_type_id)
    return Accrual.objects.create(
        case=case,
        community_id=case.community_id,
        amount=rate.amount if rate else 0,
        period=day.replace(day=1),
        rate=rate,
        created_at=accepted_at,
    )
