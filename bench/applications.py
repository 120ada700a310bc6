"""Benchmark: the pre-screener at the desk (issue 13) over a large register of applicants.

    .venv/bin/python bench/applications.py [--applicants 1000000 --samples 2000] [--reuse]

Runs on PostgreSQL: ``DATABASE_URL`` defaults to postgres://postgres@127.0.0.1:5432/hromada_bench_applications
(dropped and created afresh). Builds ``--applicants`` people registered at one front office, each with one answered
ДРФО income query (a fifth below the subsistence minimum), 5 % with a recent ДРАЦС birth, 3 % with a disability
group, 4 % with an IDP status; 1 % with an open application of two services. Then times, for ``--samples`` random
people:

1. ``frontoffice.prescreen.suggestions_for`` (the function the applicant page and the API call), p50/p95 and its
   SQL queries;
2. ``GET /api/v1/applicants/{id}/suggestions/`` end to end through Django's test client as a clerk (token auth,
   scoping, serialisation), p50/p95.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchlib import fresh_database, pct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hromada_bench_applications"
BATCH = 10_000


def build(n: int) -> dict:
    from cases.catalog import load_catalog
    from cases.models import Applicant, BackOffice, Community, FrontOffice, Membership, Region, ServiceType, User
    from frontoffice import applications
    from registries.catalog import load_registries
    from registries.models import Registry, RegistryQuery

    load_catalog()
    load_registries()
    region = Region.objects.create(name="Вінницька", code="UA05000000000010236")
    bo = BackOffice.objects.create(region=region, name="УСЗН", code="bo-1")
    community = Community.objects.create(back_office=bo, name="Вінницька міська", katottg="UA05020030000031457")
    fo = FrontOffice.objects.create(community=community, name="ЦНАП 1", code="fo-1")
    clerk = User.objects.create_user("clerk")
    Membership.objects.create(user=clerk, role=Membership.Role.CLERK, front_office=fo)
    registries = {r.code: r for r in Registry.objects.all()}
    today = date.today()
    rng = random.Random(13)
    started = time.perf_counter()
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        people = Applicant.objects.bulk_create(
            [
                Applicant(
                    last_name="Шевченко",
                    first_name="Олена",
                    birth_date=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                    passport_kind="id_card",
                    passport_number=f"{made + i:09d}",
                    registered_at=fo,
                    created_by=clerk,
                )
                for i in range(size)
            ]
        )
        queries = []
        for person in people:
            low = rng.random() < 0.2
            income = [
                {"month": f"2026-{m:02d}", "amount": "2500.00" if low else "15000.00", "source": "tax"}
                for m in (7, 8, 9)
            ]
            facts = [("drfo", {"income": income})]
            roll = rng.random()
            if roll < 0.05:
                born = today - timedelta(days=rng.randrange(300))
                facts.append(
                    (
                        "dracs",
                        {"births": [{"last_name": "Шевченко", "first_name": "Марко", "birth_date": born.isoformat()}]},
                    )
                )
            elif roll < 0.08:
                facts.append(("disability", {"group": "II", "since": "2020-01-01"}))
            elif roll < 0.12:
                facts.append(("idp", {"since": "2022-04-01", "from_katottg": "UA14000000000000000"}))
            for code, answer in facts:
                queries.append(
                    RegistryQuery(
                        registry=registries[code],
                        applicant=person,
                        purpose="bench",
                        status=RegistryQuery.Status.ANSWERED,
                        answer=answer,
                        due_at=today,
                        answered_at=time_now(),
                    )
                )
        RegistryQuery.objects.bulk_create(queries, batch_size=BATCH)
        made += size
        if made % 100_000 == 0 or made == n:
            print(f"  {made:,} applicants built ({time.perf_counter() - started:.0f} s)", flush=True)
    services = list(ServiceType.objects.filter(code__in=["low_income", "housing_subsidy"]))
    with_apps = rng.sample(range(n), max(1, n // 100))
    ids = list(Applicant.objects.order_by("pk").values_list("pk", flat=True))
    for index in with_apps[:2000]:  # open applications through the real service (numbers, cases, events)
        applications.application_open(
            applicant=Applicant.objects.get(pk=ids[index]), front_office=fo, services=services, by=clerk
        )
    return {"clerk": clerk, "ids": ids, "with_apps": min(len(with_apps), 2000)}


def time_now():
    from cases import clock

    return clock.now()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="time over the database a previous run built")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    if not args.reuse:
        fresh_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from cases.models import Applicant
    from frontoffice import prescreen

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if args.reuse:  # time again over the register a previous run built (its applications as far as it got)
        from cases.models import Application, User

        ids = list(Applicant.objects.order_by("pk").values_list("pk", flat=True))
        world = {"clerk": User.objects.get(username="clerk"), "ids": ids, "with_apps": Application.objects.count()}
        args.applicants = len(ids)
    else:
        t0 = time.perf_counter()
        world = build(args.applicants)
        print(f"built {args.applicants:,} applicants in {time.perf_counter() - t0:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM registries_registryquery")
        queries = cursor.fetchone()[0]
    rng = random.Random(7)
    sample = [rng.choice(world["ids"]) for _ in range(args.samples)]
    took, counts, suggested = [], [], 0
    for pk in sample:
        applicant = Applicant.objects.get(pk=pk)
        connection.queries_log.clear()  # DEBUG keeps the last 9,000 queries: a full log would count as none
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = prescreen.suggestions_for(applicant)
            took.append(time.perf_counter() - start)
        counts.append(len(ctx.captured_queries))
        suggested += bool(result)
    print(
        f"suggestions_for: {args.samples} samples, p50 {1000 * pct(took, 0.5):.2f} ms, "
        f"p95 {1000 * pct(took, 0.95):.2f} ms, max queries {max(counts)}, with a suggestion {suggested}"
    )
    client = Client()
    token, _ = Token.objects.get_or_create(user=world["clerk"])
    http = []
    for pk in sample[: min(500, len(sample))]:
        start = time.perf_counter()
        response = client.get(f"/api/v1/applicants/{pk}/suggestions/", HTTP_AUTHORIZATION=f"Token {token.key}")
        http.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content
    print(
        f"GET /api/v1/applicants/{{id}}/suggestions/: {len(http)} requests, p50 {1000 * pct(http, 0.5):.2f} ms, "
        f"p95 {1000 * pct(http, 0.95):.2f} ms"
    )
    print(
        f"size: {args.applicants:,} applicants, {queries:,} answered registry queries, "
        f"{world['with_apps']} applications"
    )


if __name__ == "__main__":
    main()
