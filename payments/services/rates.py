"""Fee rates: data, not code (docs/product.md §6). Periods of one scope never overlap; a service-specific rate never
rewrites fees already accrued at another."""

import logging
from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cases.exceptions import InvalidInput
from cases.models import ServiceType
from payments.exceptions import (
    FeeRateOverlap,
    FeeRateRewritesHistory,
)
from payments.models import Accrual, FeeRate
from payments.services.ledger import accrue_unbilled
from payments.services.periods import money
from payments.services.roles import require_ministry

logger = logging.getLogger(__name__)

K = Accrual.Kind


def _lock_rate_scope(service_type: ServiceType | None) -> None:
    """Serialise writes to one scope's rates, so two overlapping periods cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7305, service_type.pk if service_type else 0])


def _check_no_overlap(*, service_type, valid_from: date, valid_to: date | None, exclude_pk=None) -> None:
    scope = (
        FeeRate.objects.filter(service_type=service_type)
        if service_type
        else FeeRate.objects.filter(service_type__isnull=True)
    )
    overlapping = scope.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)).exclude(pk=exclude_pk)
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    other = overlapping.order_by("valid_from").first()
    if other is not None:
        until = other.valid_to.strftime("%d.%m.%Y") if other.valid_to else _t("open-ended")
        raise FeeRateOverlap(
            _t("This period overlaps the rate of %(amount)s UAH valid from %(start)s to %(end)s; end that rate first.")
            % {"amount": other.amount, "start": other.valid_from.strftime("%d.%m.%Y"), "end": until}
        )


@transaction.atomic
def fee_rate_create(
    *,
    by,
    amount,
    valid_from: date,
    valid_to: date | None = None,
    service_type: ServiceType | None = None,
    currency: str = "UAH",
) -> FeeRate:
    """A new rate for one service or for all. Its period may not overlap another of the same scope, and a
    service-specific rate may not cover days whose intakes of that service were already accrued at another rate.
    Intakes accepted while no rate was in force and covered by this one are accrued now (see ``accrue_unbilled``)."""
    require_ministry(by)
    amount = money(amount)
    if amount <= 0:
        raise InvalidInput(_("A fee rate must be more than zero."), field="amount")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(_("The rate cannot end before it starts."), field="valid_to")
    _lock_rate_scope(service_type)
    _check_no_overlap(service_type=service_type, valid_from=valid_from, valid_to=valid_to)
    if service_type is not None:
        accrued = Accrual.objects.filter(kind=K.ACCRUAL, case__service_type=service_type, accepted_on__gte=valid_from)
        if valid_to is not None:
            accrued = accrued.filter(accepted_on__lte=valid_to)
        if accrued.exists():
            raise FeeRateRewritesHistory()
    rate = FeeRate.objects.create(
        amount=amount,
        currency=currency or "UAH",
        service_type=service_type,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=by,
    )
    accrue_unbilled(rate=rate, by=by)
    return rate


@transaction.atomic
def fee_rate_end(*, rate: FeeRate, valid_to: date, by) -> FeeRate:
    """Set the last day a rate is in force (to make room for the next one). It cannot end before a day it was
    already used on, nor run into another rate of its scope."""
    require_ministry(by)
    _lock_rate_scope(rate.service_type)
    rate = FeeRate.objects.select_for_update().get(pk=rate.pk)
    if valid_to < rate.valid_from:
        raise InvalidInput(_("The rate cannot end before it starts."), field="valid_to")
    if rate.accruals.filter(accepted_on__gt=valid_to).exists():
        raise InvalidInput(_("Fees were already accrued at this rate after that day."), field="valid_to")
    _check_no_overlap(service_type=rate.service_type, valid_from=rate.valid_from, valid_to=valid_to, exclude_pk=rate.pk)
    rate.valid_to = valid_to
    rate.save(update_fields=["valid_to"])
    return rate
