"""Benchmark: the shared queue at national scale (docs/product.md §10, issue #4).

1,000,000 cases waiting across 136 back offices; 32 specialists claiming at once; claim-next p50/p95 and claims/s;
the queue page and the case page p95 (and their SQL query counts) at that size.

    DEBUG=1 .venv/bin/python bench/claim.py              # builds the data once (a few minutes), then measures
    DEBUG=1 .venv/bin/python bench/claim.py --rebuild    # drop and build the data again

Runs on PostgreSQL only (``SKIP LOCKED`` is the point): ``DATABASE_URL`` defaults to
postgres://postgres@127.0.0.1:5432/hromada_bench_claim, created if missing. Rows are generated with set-based SQL
(``INSERT … SELECT … FROM generate_series``), not the ORM one by one. Each run leaves the queue as it found it.
"""

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hromada_bench_claim"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CONN_MAX_AGE", "600")

BENCH = "BENCH-"  # case numbers and codes of the generated rows


def ensure_database() -> None:
    """Create the benchmark database if it does not exist yet."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("bench/claim.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    name = config["NAME"]
    dsn = f"host={config['HOST'] or '127.0.0.1'} port={config['PORT'] or 5432} user={config['USER']} dbname=postgres"
    if config["PASSWORD"]:
        dsn += f" password={config['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Measure as production runs: no query log, no template debugging (DEBUG=1 only lets the settings load).
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


# --- Data ---------------------------------------------------------------------------------------------------------


def build(n_cases: int, n_back_offices: int, n_communities: int, n_claimers: int) -> None:
    """Organisation through the ORM (a few thousand rows), cases and their timeline by set-based SQL."""
    from django.db import connection, transaction

    from cases.catalog import load_catalog
    from cases.models import BackOffice, Community, FrontOffice, Membership, Region, User

    R = Membership.Role
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case, cases_applicant RESTART IDENTITY CASCADE")
    Membership.objects.filter(user__username__startswith="bench-").delete()
    User.objects.filter(username__startswith="bench-").delete()
    FrontOffice.objects.filter(code__startswith="bench-").delete()
    Community.objects.filter(katottg__startswith="UA99").delete()
    BackOffice.objects.filter(code__startswith="bench-").delete()
    Region.objects.filter(code__startswith="UA99").delete()
    load_catalog()
    with transaction.atomic():
        region = Region.objects.create(code="UA99000000000000000", name="Bench oblast")
        offices = BackOffice.objects.bulk_create(
            BackOffice(code=f"bench-{n:03d}", name=f"УСЗН {n}", region=region) for n in range(n_back_offices)
        )
        communities = Community.objects.bulk_create(
            Community(katottg=f"UA99{n:015d}", name=f"Громада {n}", back_office=offices[n % n_back_offices])
            for n in range(n_communities)
        )
        fronts = FrontOffice.objects.bulk_create(
            FrontOffice(code=f"bench-fo-{n}", name=f"ЦНАП {n}", community=c) for n, c in enumerate(communities)
        )
        clerks = User.objects.bulk_create(User(username=f"bench-clerk-{n}") for n in range(n_communities))
        Membership.objects.bulk_create(
            Membership(user=u, role=R.CLERK, front_office=f) for u, f in zip(clerks, fronts, strict=True)
        )
        # Claimers: the first n_claimers in back office 0 (all racing for one queue) and one in each of the next
        # back offices (each with a queue of its own); one head of back office 0 for the pages.
        people = User.objects.bulk_create(
            [User(username=f"bench-spec-{n}", first_name="Спец", last_name=f"{n}") for n in range(n_claimers)]
            + [User(username=f"bench-solo-{n}") for n in range(n_claimers)]
            + [User(username="bench-head", first_name="Голова", last_name="Бенч")]
        )
        Membership.objects.bulk_create(
            [Membership(user=u, role=R.SPECIALIST, back_office=offices[0]) for u in people[:n_claimers]]
            + [
                Membership(user=u, role=R.SPECIALIST, back_office=offices[1 + n % (n_back_offices - 1)])
                for n, u in enumerate(people[n_claimers : 2 * n_claimers])
            ]
            + [Membership(user=people[-1], role=R.HEAD, back_office=offices[0])]
        )
    took = time.perf_counter() - t0
    print(f"organisation: {n_back_offices} back offices, {n_communities} communities ({took:.1f} s)")

    ids = {
        "communities": [c.pk for c in communities],
        "offices": [c.back_office_id for c in communities],
        "fronts": [f.pk for f in fronts],
        "clerks": [u.pk for u in clerks],
    }
    n_applicants = max(1, n_cases // 4)
    with connection.cursor() as cursor:
        t = time.perf_counter()
        # (In these statements "%%" is SQL's modulo: the driver takes a single "%" for a parameter.)
        cursor.execute(
            """
            INSERT INTO cases_applicant (last_name, first_name, patronymic, birth_date, rnokpp, unzr, passport_kind,
                passport_number, address, phone, registered_at_id, created_by_id, created_at)
            SELECT (ARRAY['Шевченко','Коваленко','Бондаренко','Ткаченко','Кравченко','Олійник','Мельник',
                          'Поліщук','Лисенко','Руденко'])[1 + g %% 10],
                   (ARRAY['Олена','Іван','Марія','Петро','Оксана','Андрій','Наталія','Василь'])[1 + (g / 10) %% 8],
                   'Іванович', date '1940-01-01' + (g %% 25000), NULL, '', 'id_card', lpad(g::text, 9, '0'),
                   'вул. Соборна, ' || (1 + g %% 200), '+38067' || lpad((g %% 10000000)::text, 7, '0'),
                   (%(fronts)s::int[])[1 + g %% %(n)s], (%(clerks)s::int[])[1 + g %% %(n)s],
                   now() - interval '2 years'
            FROM generate_series(1, %(count)s) AS g
            """,
            {"fronts": ids["fronts"], "clerks": ids["clerks"], "count": n_applicants, "n": n_communities},
        )
        cursor.execute("SELECT min(id) FROM cases_applicant")
        first_applicant = cursor.fetchone()[0]
        print(f"applicants: {n_applicants:,} ({time.perf_counter() - t:.1f} s)")

        t = time.perf_counter()
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM cases_servicetype WHERE active")
        services = cursor.fetchone()[0]
        # Submitted over the last 20 days (scattered, so the queue order is not the insertion order); due 14 days
        # after submission, so some are overdue, some due soon, most not yet.
        cursor.execute(
            """
            INSERT INTO cases_case (number, applicant_id, service_type_id, front_office_id, community_id,
                back_office_id, status, channel, assignee_id, duplicate_reason, created_by_id, created_at, updated_at,
                first_submitted_at, submitted_at, accepted_at, accepted_by_id, due_date, clock_paused_at, decision,
                decision_reason, decided_by_id, decision_approved_by_id, decided_at, closed_at, package_pdf)
            SELECT %(prefix)s || lpad(g::text, 8, '0'), %(first)s + g %% %(applicants)s,
                   (%(services)s::int[])[1 + (g / 7) %% %(n_services)s],
                   (%(fronts)s::int[])[1 + k], (%(communities)s::int[])[1 + k], (%(offices)s::int[])[1 + k],
                   'submitted', CASE WHEN g %% 5 = 0 THEN 'remote' ELSE 'in_person' END, NULL, '',
                   (%(clerks)s::int[])[1 + k], t - interval '2 hours', t, t, t, NULL, NULL,
                   (t + interval '14 days')::date, NULL, '', '', NULL, NULL, NULL, NULL, ''
            FROM (SELECT g, g %% %(n_communities)s AS k,
                         now() - ((g::bigint * 7919) %% 28800) * interval '1 minute' AS t
                  FROM generate_series(1, %(count)s) AS g) AS s
            """,
            {
                **ids,
                "prefix": BENCH,
                "first": first_applicant,
                "applicants": n_applicants,
                "services": services,
                "n_services": len(services),
                "n_communities": n_communities,
                "count": n_cases,
            },
        )
        print(f"cases: {n_cases:,} ({time.perf_counter() - t:.1f} s)")

        t = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO cases_caseevent (case_id, at, actor_id, action, from_status, to_status, note, data)
            SELECT id, created_at, created_by_id, 'open', 'draft', 'draft', '', '{}'::jsonb FROM cases_case
            UNION ALL
            SELECT id, submitted_at, created_by_id, 'submit', 'draft', 'submitted', '', '{}'::jsonb FROM cases_case
            """
        )
        print(f"timeline: {2 * n_cases:,} events ({time.perf_counter() - t:.1f} s)")

        # The cases of back office 0 (the one whose pages are measured) get one document per checklist item, each
        # with a source file and a processed page, as the front office would have left them.
        t = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO cases_document (case_id, document_type_id, position, created_at, created_by_id)
            SELECT c.id, (SELECT min(t.documenttype_id) FROM cases_checklistitem_document_types t
                          WHERE t.checklistitem_id = i.id), i.position, c.created_at, c.created_by_id
            FROM cases_case c JOIN cases_checklistitem i ON i.service_type_id = c.service_type_id
            WHERE c.back_office_id = %s
            """,
            [offices[0].pk],
        )
        cursor.execute(
            """
            INSERT INTO cases_sourcefile (case_id, file, sha256, size, content_type, original_name, page_count,
                created_at, created_by_id)
            SELECT d.case_id, 'bench/' || d.id || '.jpg', md5(d.id::text) || md5(d.case_id::text), 250000,
                   'image/jpeg', d.id::text, 1, d.created_at, d.created_by_id
            FROM cases_document d JOIN cases_case c ON c.id = d.case_id WHERE c.back_office_id = %s
            """,
            [offices[0].pk],
        )
        cursor.execute(
            """
            INSERT INTO cases_page (document_id, source_id, source_index, position, status, failure_reason, image,
                thumbnail, width, height, rotation, attempts, processed_at)
            SELECT d.id, s.id, 0, 1, 'ready', '', 'bench/' || d.id || '.jpg', 'bench/' || d.id || '-t.jpg',
                   2480, 3508, 0, 1, d.created_at
            FROM cases_sourcefile s JOIN cases_document d ON d.id = s.original_name::int AND d.case_id = s.case_id
            """
        )
        cursor.execute("SELECT count(*) FROM cases_page")
        pages = cursor.fetchone()[0]
        print(f"documents and pages for back office 0: {pages:,} pages ({time.perf_counter() - t:.1f} s)")
    vacuum()


def vacuum() -> None:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_caseevent", "cases_applicant", "cases_document", "cases_page"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"vacuum analyze ({time.perf_counter() - t:.1f} s)")


def built(n_cases: int) -> bool:
    """Whether a complete data set of this size is there (the last step of ``build`` writes the pages)."""
    from cases.models import Case, Page

    return Case.objects.filter(number__startswith=BENCH).count() == n_cases and Page.objects.exists()


# --- Claiming -----------------------------------------------------------------------------------------------------


def claimer(username: str, claims: int, pause_ms: float, api: bool, start, results) -> None:
    """One specialist in their own process and connection: warm up, wait for the others, claim ``claims`` times
    (with a random pause of 0…2×``pause_ms`` between claims, or none) — by calling the service, or with ``api`` by
    POSTing to /api/v1/queue/claim-next/ through Django's test client (the whole request: authentication, the
    service, the case in full as JSON)."""
    import random

    from django.db import connection
    from django.test import Client

    from backoffice.services import case_claim_next
    from cases.access import access_for
    from cases.models import User

    user = User.objects.get(username=username)
    access_for(user)  # memberships read once, as in a request
    client = Client(HTTP_HOST="127.0.0.1")
    if api:
        client.force_login(user)
        client.get("/api/v1/queue/", {"page_size": 1})  # a warm worker: URLs resolved, DRF and serializers loaded
    connection.ensure_connection()

    def claim_one() -> int | None:
        if not api:
            case = case_claim_next(by=user)
            return case.pk if case else None
        response = client.post("/api/v1/queue/claim-next/")
        return response.json()["id"] if response.status_code == 200 else None

    start.wait()
    took, taken = [], []
    began = time.perf_counter()
    for _ in range(claims):
        t = time.perf_counter()
        pk = claim_one()
        took.append(time.perf_counter() - t)
        if pk is None:
            break
        taken.append(pk)
        if pause_ms:
            time.sleep(random.uniform(0, 2 * pause_ms) / 1000)
    results.put((took, taken, began, time.perf_counter()))
    connection.close()


def claim_round(label: str, usernames: list[str], claims: int, pause_ms: float = 0, api: bool = False) -> dict:
    from django.db import connections

    from cases.models import Case, CaseEvent

    connections.close_all()  # children open their own
    ctx = mp.get_context("fork")
    start = ctx.Barrier(len(usernames))
    results = ctx.Queue()
    procs = [ctx.Process(target=claimer, args=(u, claims, pause_ms, api, start, results)) for u in usernames]
    for p in procs:
        p.start()
    got = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    took = [t for r in got for t in r[0]]
    taken = [pk for r in got for pk in r[1]]
    wall = max(r[3] for r in got) - min(r[2] for r in got)
    twice = len(taken) - len(set(taken))
    events = CaseEvent.objects.filter(case_id__in=taken, action="claim").count()
    # Leave the queue as it was found.
    Case.objects.filter(pk__in=taken).update(status="submitted", assignee=None)
    CaseEvent.objects.filter(case_id__in=taken, action="claim").delete()
    took.sort()
    return {
        "label": label,
        "claimers": len(usernames),
        "claims": len(taken),
        "handed out twice": twice,
        "claim events": events,
        "p50 ms": 1000 * statistics.median(took),
        "p95 ms": 1000 * took[int(0.95 * (len(took) - 1))],
        "max ms": 1000 * took[-1],
        "claims/s": len(taken) / wall,
    }


# --- Pages --------------------------------------------------------------------------------------------------------


def page_timings(label: str, client, urls: list[str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:5]:  # warm the caches (templates, the connection)
        client.get(url)
    took = []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url)
        took.append(time.perf_counter() - t)
        assert response.status_code == 200, (url, response.status_code)
    counts = set()
    for url in urls[:20]:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.add(len(queries))
    took.sort()
    return {
        "label": label,
        "requests": len(urls),
        "p50 ms": 1000 * statistics.median(took),
        "p95 ms": 1000 * took[int(0.95 * (len(took) - 1))],
        "queries": "/".join(str(c) for c in sorted(counts)),
    }


def pages(requests: int) -> list[dict]:
    import random

    from django.test import Client

    from cases.models import BackOffice, Case, User

    office = BackOffice.objects.get(code="bench-000")
    head = User.objects.get(username="bench-head")
    specialist = User.objects.get(username="bench-spec-0")
    rng = random.Random(4)
    waiting = Case.objects.filter(back_office=office, status="submitted").count()
    case_ids = list(Case.objects.filter(back_office=office).values_list("pk", flat=True)[:5000])
    print(f"back office 0: {waiting:,} cases waiting; measuring pages as its head and a specialist")
    rows = []
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(specialist)
    pages_of_queue = max(1, waiting // 50)
    rows.append(page_timings("queue page (/back/, first page)", client, ["/back/"] * requests))
    rows.append(
        page_timings(
            "queue page, any page, filters",
            client,
            [
                f"/back/?page={rng.randint(1, pages_of_queue)}"
                + rng.choice(["", "&due=soon", "&due=overdue", "&channel=remote", "&service=low_income"])
                for _ in range(requests)
            ],
        )
    )
    rows.append(page_timings("queue API (/api/v1/queue/)", client, ["/api/v1/queue/"] * requests))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(head)
    rows.append(
        page_timings(
            "case page (/back/cases/<id>/, as the head)",
            client,
            [f"/back/cases/{rng.choice(case_ids)}/" for _ in range(requests)],
        )
    )
    return rows


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    width = {k: max(len(k), *(len(fmt(r[k])) for r in rows)) for k in keys}
    lines = [" | ".join(k.ljust(width[k]) for k in keys), "-|-".join("-" * width[k] for k in keys)]
    lines += [" | ".join(fmt(r[k]).ljust(width[k]) for k in keys) for r in rows]
    return "\n".join(lines)


def fmt(value) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--back-offices", type=int, default=136)
    parser.add_argument("--communities", type=int, default=1469)
    parser.add_argument("--claimers", type=int, default=32)
    parser.add_argument("--claims", type=int, default=100, help="claims per claimer and round")
    parser.add_argument("--requests", type=int, default=200, help="requests per page measured")
    parser.add_argument("--pause", type=float, default=100, help="mean pause (ms) between claims, paced round")
    parser.add_argument("--api-pause", type=float, default=1000, help="mean pause (ms) between claims, API round")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    ensure_database()
    setup_django()
    from django.db import connection

    version = connection.cursor().connection.info.server_version
    print(f"PostgreSQL {version}, database {connection.settings_dict['NAME']}, {os.cpu_count()} CPUs")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.rebuild or not built(args.cases):
        build(args.cases, args.back_offices, args.communities, args.claimers)
    else:
        print(f"using the {args.cases:,} cases already built (--rebuild to start over)")

    spec = [f"bench-spec-{n}" for n in range(args.claimers)]
    claims = [
        claim_round("1 claimer (no contention)", spec[:1], args.claims * 4),
        claim_round(
            f"{args.claimers} claimers, one back office, ~{args.pause} ms between claims",
            spec,
            args.claims,
            pause_ms=args.pause,
        ),
        claim_round(f"{args.claimers} claimers, one back office, flat out", spec, args.claims),
        claim_round(
            f"{args.claimers} claimers through the API, one back office, ~{args.api_pause} ms between claims",
            spec,
            args.claims // 2,
            pause_ms=args.api_pause,
            api=True,
        ),
        claim_round(
            f"{args.claimers} claimers, {args.claimers} back offices, flat out",
            [f"bench-solo-{n}" for n in range(args.claimers)],
            args.claims,
        ),
    ]
    vacuum()
    print()
    print("claim-next (each claimer in its own process and connection; the service call unless it says API)")
    print(table(claims))
    print()
    print("pages (Django test client in one process: the whole request, templates included)")
    print(table(pages(args.requests)))
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
