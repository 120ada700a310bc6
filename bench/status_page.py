"""Benchmark: the applicant's status page at national scale (issue 14).

1,000,000 cases of 250,000 applicants (four each), 1,000,000 file views in the access log; the status API
(``GET /api/v1/public/status/``) and page (``GET /status/cases/``) p50/p95 and their SQL query counts for random
people, and the code → session exchange, all through the whole Django stack in-process (Django's test client).

    DEBUG=1 .venv/bin/python bench/status_page.py              # builds the data once (a few minutes), then measures
    DEBUG=1 .venv/bin/python bench/status_page.py --cases 100000 --rebuild

PostgreSQL: ``DATABASE_URL`` defaults to postgres://postgres@127.0.0.1:5432/hromada_bench_status (created if
missing). Rows are generated with set-based SQL.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hromada_bench_status")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CONN_MAX_AGE", "600")

from bench.claim import ensure_database, setup_django  # noqa: E402

PREFIX = "ST-"


def build(n_cases: int) -> None:
    from django.db import connection, transaction

    from cases.catalog import load_catalog
    from cases.models import BackOffice, Community, FrontOffice, Membership, Region, User

    R = Membership.Role
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case, cases_applicant, cases_accesslogentry RESTART IDENTITY CASCADE")
    Membership.objects.filter(user__username__startswith="st-").delete()
    User.objects.filter(username__startswith="st-").delete()
    FrontOffice.objects.filter(code__startswith="st-").delete()
    Community.objects.filter(katottg__startswith="UA98").delete()
    BackOffice.objects.filter(code__startswith="st-").delete()
    Region.objects.filter(code__startswith="UA98").delete()
    load_catalog()
    n_communities = 1469
    with transaction.atomic():
        region = Region.objects.create(code="UA98000000000000000", name="Status oblast")
        offices = BackOffice.objects.bulk_create(
            BackOffice(code=f"st-{n:03d}", name=f"УСЗН {n}", region=region) for n in range(136)
        )
        communities = Community.objects.bulk_create(
            Community(katottg=f"UA98{n:015d}", name=f"Громада {n}", back_office=offices[n % 136])
            for n in range(n_communities)
        )
        fronts = FrontOffice.objects.bulk_create(
            FrontOffice(code=f"st-fo-{n}", name=f"ЦНАП {n}", community=c) for n, c in enumerate(communities)
        )
        clerks = User.objects.bulk_create(User(username=f"st-clerk-{n}") for n in range(n_communities))
        Membership.objects.bulk_create(
            Membership(user=u, role=R.CLERK, front_office=f) for u, f in zip(clerks, fronts, strict=True)
        )
        reviewers = User.objects.bulk_create(User(username=f"st-spec-{n}") for n in range(136))
        Membership.objects.bulk_create(
            Membership(user=u, role=R.SPECIALIST, back_office=o) for u, o in zip(reviewers, offices, strict=True)
        )
    ids = {
        "fronts": [f.pk for f in fronts],
        "communities": [c.pk for c in communities],
        "offices": [c.back_office_id for c in communities],
        "clerks": [u.pk for u in clerks],
        "reviewers": [u.pk for u in reviewers],
    }
    n_applicants = max(1, n_cases // 4)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cases_applicant (last_name, first_name, patronymic, birth_date, rnokpp, unzr, passport_kind,
                passport_number, address, phone, registered_at_id, created_by_id, created_at)
            SELECT 'Шевченко', 'Олена', 'Іванівна', date '1940-01-01' + (g %% 25000), NULL, '', 'id_card',
                   lpad(g::text, 9, '0'), 'вул. Соборна, 1', '+38067' || lpad(g::text, 7, '0'),
                   (%(fronts)s::int[])[1 + g %% %(n)s], (%(clerks)s::int[])[1 + g %% %(n)s], now() - interval '1 year'
            FROM generate_series(1, %(count)s) AS g
            """,
            {**ids, "count": n_applicants, "n": n_communities},
        )
        cursor.execute("SELECT min(id) FROM cases_applicant")
        first = cursor.fetchone()[0]
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM cases_servicetype WHERE active")
        services = cursor.fetchone()[0]
        # A quarter each: waiting, decided (granted), closed, and submitted long ago — the person's mix.
        cursor.execute(
            """
            INSERT INTO cases_case (number, applicant_id, service_type_id, front_office_id, community_id,
                back_office_id, status, channel, assignee_id, duplicate_reason, created_by_id, created_at, updated_at,
                first_submitted_at, submitted_at, accepted_at, accepted_by_id, due_date, clock_paused_at, decision,
                decision_reason, decided_by_id, decision_approved_by_id, decided_at, closed_at, package_pdf)
            SELECT %(prefix)s || lpad(g::text, 8, '0'), %(first)s + g %% %(applicants)s,
                   (%(services)s::int[])[1 + (g / 7) %% %(n_services)s],
                   (%(fronts)s::int[])[1 + k], (%(communities)s::int[])[1 + k], (%(offices)s::int[])[1 + k],
                   (ARRAY['submitted','decided','closed','submitted'])[1 + g %% 4], 'in_person', NULL, '',
                   (%(clerks)s::int[])[1 + k], t, t, t, t, t, NULL, (t + interval '10 days')::date, NULL,
                   CASE WHEN g %% 4 IN (1, 2) THEN 'granted' ELSE '' END,
                   CASE WHEN g %% 4 IN (1, 2) THEN 'Усі умови виконано.' ELSE '' END, NULL, NULL,
                   CASE WHEN g %% 4 IN (1, 2) THEN t + interval '5 days' END,
                   CASE WHEN g %% 4 = 2 THEN t + interval '7 days' END, ''
            FROM (SELECT g, g %% %(n_communities)s AS k, now() - (g %% 300) * interval '1 day' AS t
                  FROM generate_series(1, %(count)s) AS g) AS s
            """,
            {
                **ids,
                "prefix": PREFIX,
                "first": first,
                "applicants": n_applicants,
                "services": services,
                "n_services": len(services),
                "n_communities": n_communities,
                "count": n_cases,
            },
        )
        cursor.execute(
            """
            INSERT INTO cases_accesslogentry (at, user_id, case_id, what, object_id)
            SELECT c.created_at + interval '3 days', (%(reviewers)s::int[])[1 + c.id %% 136], c.id, 'page', c.id
            FROM cases_case c
            """,
            ids,
        )
        cursor.execute("ANALYZE")
    print(
        f"built {n_cases:,} cases, {n_applicants:,} applicants, {n_cases:,} file views "
        f"({time.perf_counter() - t0:.0f} s)"
    )


def measure(samples: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case
    from public import services
    from public.models import StatusChallenge, StatusSession
    from public.views import SESSION_KEY

    StatusChallenge.objects.all().delete()
    StatusSession.objects.all().delete()
    n = Case.objects.count()
    rng = random.Random(14)
    numbers = [f"{PREFIX}{rng.randint(1, n):08d}" for _ in range(samples)]
    cases = {c.number: c for c in Case.objects.filter(number__in=numbers).select_related("applicant")}
    api_times, page_times, exchange_times, queries_api, queries_page = [], [], [], set(), set()
    client = Client(HTTP_HOST="127.0.0.1")
    for number in numbers:
        case = cases[number]
        t = time.perf_counter()
        services.status_code_request(receipt=number, phone=case.applicant.phone, address=None)
        challenge = StatusChallenge.objects.filter(receipt=number).latest("pk")
        # The code went to the outbox; the bench knows no code, so it sets a fresh one it knows on the challenge.
        challenge.code_hash = services._code_hash(challenge.pk, "123456")
        challenge.save(update_fields=["code_hash"])
        token, _session = services.status_session_open(receipt=number, phone=case.applicant.phone, code="123456")
        exchange_times.append(time.perf_counter() - t)
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            response = client.get("/api/v1/public/status/", HTTP_AUTHORIZATION=f"Bearer {token}")
            api_times.append(time.perf_counter() - t)
        assert response.status_code == 200 and response.json()["applications"], response.content[:200]
        queries_api.add(len(q))
        session = client.session
        session[SESSION_KEY] = token
        session.save()
        client.cookies["sessionid"] = session.session_key
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            response = client.get("/status/cases/")
            page_times.append(time.perf_counter() - t)
        assert response.status_code == 200 and number.encode() in response.content
        queries_page.add(len(q))

    def report(name, times, queries=None):
        times = sorted(x * 1000 for x in times)
        p95 = times[int(0.95 * (len(times) - 1))]
        extra = f", SQL queries {sorted(queries)}" if queries else ""
        print(f"{name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({len(times)} people{extra})")

    print(f"{n:,} cases, {StatusSession.objects.count()} sessions opened")
    report("GET /api/v1/public/status/", api_times, queries_api)
    report("GET /status/cases/ (HTML)", page_times, queries_page)
    report("code request + session open (services)", exchange_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    from cases.models import Case

    if args.rebuild or Case.objects.filter(number__startswith=PREFIX).count() != args.cases:
        build(args.cases)
    measure(args.samples)


if __name__ == "__main__":
    main()
