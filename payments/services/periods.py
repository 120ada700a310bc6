"""Months, amounts and sums: the small conversions every payments module shares."""

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.exceptions import InvalidInput

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


def month_of(day: date) -> date:
    return day.replace(day=1)


def current_period() -> date:
    """The month that is running now: its statements are open."""
    return month_of(clock.today())


def parse_period(value: str) -> date:
    """``YYYY-MM`` to the first day of that month; ``InvalidInput`` otherwise."""
    try:
        year, month = str(value).strip().split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise InvalidInput(_("A month is written YYYY-MM, e.g. 2026-03."), field="period") from None


def money(value) -> Decimal:
    """A positive-or-zero amount in UAH with two decimals, from a string, int or Decimal (never a float's noise)."""
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Write an amount like 1234.50.")) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidInput(_("Write an amount like 1234.50 (at most two decimals)."))
    return amount.quantize(CENT)


def cents(value) -> Decimal:
    """A sum from the database as money (SQLite returns sums of decimals without their scale)."""
    return Decimal(value or 0).quantize(CENT)
