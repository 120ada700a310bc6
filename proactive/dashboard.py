"""The ministry's figures of the shift to proactive support, by month (docs/proactive.md): cases by channel, the
share decided automatically, the median days from the registry event to the decision, offers by outcome.

Four grouped queries over the months shown (plus the decided proactive cases' dates for the medians), whatever the
number of cases.
"""

from collections import defaultdict
from datetime import date
from statistics import median

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases import clock
from cases.lifecycle import ROBOT_USERNAME
from cases.models import Case
from cases.models.channel import Channel
from proactive.models import ProactiveOffer

OS = ProactiveOffer.Status
MONTHS = 12


def _first_month(today: date, months: int) -> date:
    year, month = today.year, today.month - (months - 1)
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def _month(value) -> date:
    if hasattr(value, "date"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def figures(*, months: int = MONTHS, today: date | None = None) -> list[dict]:
    today = today or clock.today()
    since = _first_month(today, months)
    start = timezone.make_aware(timezone.datetime(since.year, since.month, 1))
    rows: dict[date, dict] = defaultdict(
        lambda: {"channels": dict.fromkeys(Channel.values, 0), "decided": 0, "automatic": 0, "days": [], "offers": {}}
    )
    for r in (
        Case.objects.filter(created_at__gte=start)
        .annotate(m=TruncMonth("created_at"))
        .values("m", "channel")
        .annotate(n=Count("pk"))
    ):
        rows[_month(r["m"])]["channels"][r["channel"]] = r["n"]
    for r in (
        Case.objects.filter(decided_at__gte=start)
        .annotate(m=TruncMonth("decided_at"))
        .values("m")
        .annotate(n=Count("pk"), robot=Count("pk", filter=Q(decided_by__username=ROBOT_USERNAME)))
    ):
        rows[_month(r["m"])]["decided"] = r["n"]
        rows[_month(r["m"])]["automatic"] = r["robot"]
    for r in (
        ProactiveOffer.objects.filter(detected_at__gte=start)
        .annotate(m=TruncMonth("detected_at"))
        .values("m", "status")
        .annotate(n=Count("pk"))
    ):
        rows[_month(r["m"])]["offers"][r["status"]] = r["n"]
    decided = ProactiveOffer.objects.filter(
        application__cases__decided_at__gte=start, event__isnull=False, status=OS.ACCEPTED
    ).values_list("event__received_at", "application__cases__decided_at")
    for received, decided_at in decided:
        rows[_month(decided_at)]["days"].append((decided_at - received).total_seconds() / 86400)
    out = []
    for m in sorted(rows, reverse=True):
        row = rows[m]
        out.append(
            {
                "month": m,
                "in_person": row["channels"].get(Channel.IN_PERSON, 0),
                "remote": row["channels"].get(Channel.REMOTE, 0),
                "proactive": row["channels"].get(Channel.PROACTIVE, 0),
                "renewal": row["channels"].get(Channel.RENEWAL, 0),
                "decided": row["decided"],
                "automatic_share": round(100 * row["automatic"] / row["decided"]) if row["decided"] else None,
                "median_days": round(median(row["days"]), 1) if row["days"] else None,
                "accepted": row["offers"].get(OS.ACCEPTED, 0),
                "declined": row["offers"].get(OS.DECLINED, 0),
                "expired": row["offers"].get(OS.EXPIRED, 0),
                "open": row["offers"].get(OS.OFFERED, 0) + row["offers"].get(OS.DETECTED, 0),
            }
        )
    return out
