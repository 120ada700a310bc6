"""Payments reads: aggregate figures, never an applicant's personal data."""

from django.db.models import Count, QuerySet, Sum

from cases.access import access_for
from payments.models import Accrual


def accrual_visible(*, user) -> QuerySet[Accrual]:
    """Ministry staff see every community's accruals; a supervisor their own community's."""
    access = access_for(user)
    if access.is_ministry:
        return Accrual.objects.all()
    if access.supervisor_community_ids:
        return Accrual.objects.filter(community_id__in=access.supervisor_community_ids)
    return Accrual.objects.none()


def accrual_totals(*, user) -> QuerySet:
    """Count and amount per month and community, newest month first."""
    return (
        accrual_visible(user=user)
        .values("period", "community__name", "community__katottg")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("-period", "community__name")
    )
