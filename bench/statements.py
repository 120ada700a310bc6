"""Monthly statements at national scale: 1,500 communities, 10,000,000 accruals over 12 months (2025) on PostgreSQL.

    DEBUG=1 .venv/bin/python bench/statements.py            # generates the data once (about 10 minutes), then measures
    DEBUG=1 .venv/bin/python bench/statements.py --fresh    # drop and regenerate the data

Uses DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hromada_bench_statements (created if missing). Data
are made set-based in SQL (generate_series; secondary indexes and foreign-key triggers off during the load and
rebuilt after, as a bulk load is done), through the real schema: every accrual belongs to a real case and a statement.

Measures, each several times: issuing one month's 1,500 statements through ``statement_issue_month`` (the month-end
job's service: lock, one grouped SQL aggregate over the month's ~830,000 lines, one bulk update); the dashboard
selector and page; the statements page, a statement's drill-down and the CSV export of a month; and the accrual hook
as the accept transition calls it.
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hromada_bench_statements")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

COMMUNITIES = 1_500
BACK_OFFICES = 136
ACCRUALS = 10_000_000
YEAR = 2025
MONTH = date(YEAR, 6, 1)  # the month issued in the benchmark
RATE = "15.00"  # 150 million UAH over 10 million intakes
RUNS = 3


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(label: str, fn, runs: int = RUNS, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<58} " + "  ".join(f"{t:7.3f}s" for t in times) + f"   median {statistics.median(times):.3f}s")
    return times


def sql(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def scalar(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchone()[0]


class BulkLoad:
    """Drop a table's secondary indexes and unique constraints for a load and rebuild them after (faster than keeping
    them up to date row by row); foreign-key triggers are off for the session meanwhile (the data are consistent by
    construction)."""

    def __init__(self, *tables: str):
        self.tables = tables

    def __enter__(self):
        self.indexes, self.constraints = [], []
        for table in self.tables:
            with_constraint = """
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype = 'u'"""
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(with_constraint, [table])
                self.constraints += [(table, name, definition) for name, definition in cursor.fetchall()]
                for _table, name, _definition in self.constraints:
                    if _table == table:
                        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
                       AND indexname NOT LIKE '%%_pkey'""",
                    [table],
                )
                self.indexes += cursor.fetchall()
                for name, _definition in self.indexes:
                    cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        sql("SET session_replication_role = replica")
        return self

    def __exit__(self, *exc):
        sql("SET session_replication_role = origin")
        sql("SET maintenance_work_mem = '1GB'")
        start = time.perf_counter()
        for _name, definition in self.indexes:
            sql(definition)
        for table, name, definition in self.constraints:
            sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        print(f"  indexes rebuilt in {time.perf_counter() - start:.0f}s")


def generate() -> None:
    from django.contrib.auth.hashers import make_password

    from cases.catalog import load_catalog
    from cases.models import (
        Applicant,
        BackOffice,
        Community,
        FrontOffice,
        Membership,
        Region,
        ServiceType,
        User,
    )
    from payments.models import Accrual, Budget, FeeRate

    started = time.perf_counter()
    load_catalog()
    region, _ = Region.objects.get_or_create(code="UA99000000000000000", defaults={"name": "Bench oblast"})
    password = make_password("bench")
    users = {
        name: User.objects.get_or_create(username=name, defaults={"password": password, "first_name": name})[0]
        for name in ("bench-clerk", "bench-reviewer", "bench-accountant", "bench-admin")
    }
    Membership.objects.get_or_create(user=users["bench-accountant"], role="accountant")
    Membership.objects.get_or_create(user=users["bench-admin"], role="ministry_admin")
    offices = BackOffice.objects.bulk_create(
        [BackOffice(code=f"bench-bo-{i}", name=f"УСЗН {i:03d}", region=region) for i in range(BACK_OFFICES)]
    )
    communities = Community.objects.bulk_create(
        [
            Community(katottg=f"UA99{i:015d}", name=f"Громада {i:04d}", back_office=offices[i % BACK_OFFICES])
            for i in range(COMMUNITIES)
        ]
    )
    front_offices = FrontOffice.objects.bulk_create(
        [FrontOffice(code=f"bench-fo-{c.pk}", name=f"ЦНАП {c.name}", community=c) for c in communities]
    )
    applicants = Applicant.objects.bulk_create(
        [
            Applicant(
                last_name="Бенчмарк",
                first_name="Тест",
                patronymic="",
                birth_date=date(1980, 1, 1),
                passport_kind="id_card",
                passport_number=f"{900000000 + i:09d}",
                created_by=users["bench-clerk"],
                registered_at=fo,
            )
            for i, fo in enumerate(front_offices)
        ]
    )
    rate = FeeRate.objects.create(amount=RATE, valid_from=date(YEAR, 1, 1), created_by=users["bench-admin"])
    Budget.objects.update_or_create(year=YEAR, defaults={"amount": "150000000.00"})
    services = list(ServiceType.objects.values_list("pk", flat=True))
    sql("DROP TABLE IF EXISTS bench_community")
    sql(
        "CREATE TABLE bench_community"
        " (k int PRIMARY KEY, community_id bigint, back_office_id bigint, fo_id bigint, app_id bigint)"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_community VALUES (%s, %s, %s, %s, %s)",
            [
                (k, c.pk, c.back_office_id, fo.pk, a.pk)
                for k, (c, fo, a) in enumerate(zip(communities, front_offices, applicants, strict=True))
            ],
        )
    print(f"  organisation in {time.perf_counter() - started:.0f}s")

    start = time.perf_counter()
    sql("SELECT setseed(0.42)")
    # Community sizes are skewed (a few cities take many intakes, villages few): k = 1500 * u^2. Intakes spread over
    # the year; decisions take 1-25 days, slower in some communities than others.
    with BulkLoad("cases_case"):
        sql(
            """
            INSERT INTO cases_case (number, status, channel, duplicate_reason, created_at, updated_at,
                first_submitted_at, submitted_at, accepted_at, due_date, decision, decision_reason, decided_at,
                closed_at, package_pdf, accepted_by_id, applicant_id, back_office_id, created_by_id, decided_by_id,
                community_id, front_office_id, service_type_id)
            SELECT 'BENCH-' || lpad(g::text, 8, '0'), 'closed', 'in_person', '', t, t + d + interval '1 day',
                t + interval '1 hour', t + interval '1 hour', t + interval '1 day', (t + interval '11 days')::date,
                'granted', '', t + d, t + d + interval '1 day', '', %(reviewer)s, m.app_id, m.back_office_id,
                %(clerk)s, %(reviewer)s, m.community_id, m.fo_id, (%(services)s::bigint[])[1 + g %% %(n_services)s]
            FROM (
                SELECT g, least(floor(%(communities)s * power(random(), 2)), %(communities)s - 1)::int AS k,
                    %(start)s::timestamptz + (g::float8 / %(rows)s) * interval '363 days'
                        + (random() * 9) * interval '1 hour' AS t,
                    random() AS r
                FROM generate_series(1, %(rows)s) AS g
            ) AS s
            JOIN bench_community m ON m.k = s.k
            CROSS JOIN LATERAL (SELECT (1 + (s.k %% 12) + s.r * 12) * interval '1 day' AS d) AS decision
            """,
            {
                "reviewer": users["bench-reviewer"].pk,
                "clerk": users["bench-clerk"].pk,
                "services": services,
                "n_services": len(services),
                "communities": COMMUNITIES,
                "rows": ACCRUALS,
                "start": f"{YEAR}-01-01 08:00 Europe/Kyiv",
            },
        )
        print(f"  {ACCRUALS:,} cases inserted in {time.perf_counter() - start:.0f}s")
    start = time.perf_counter()
    sql(
        """
        INSERT INTO payments_statement (community_id, period, status, count, amount, created_at, dispute_comment,
            approval_note, approved_over_budget, payment_reference)
        SELECT community_id, date_trunc('month', accepted_at AT TIME ZONE 'Europe/Kyiv')::date, 'open', count(*),
            count(*) * %s::numeric, now(), '', '', false, ''
        FROM cases_case WHERE number LIKE 'BENCH-%%' GROUP BY 1, 2
        """,
        [RATE],
    )
    with BulkLoad("payments_accrual"):
        sql(
            """
            INSERT INTO payments_accrual (case_id, community_id, statement_id, kind, amount, period, accepted_on,
                rate_id, reason, created_at)
            SELECT c.id, c.community_id, s.id, 'accrual', %s::numeric, s.period,
                (c.accepted_at AT TIME ZONE 'Europe/Kyiv')::date, %s, '', c.accepted_at
            FROM cases_case c
            JOIN payments_statement s ON s.community_id = c.community_id
                AND s.period = date_trunc('month', c.accepted_at AT TIME ZONE 'Europe/Kyiv')::date
            WHERE c.number LIKE 'BENCH-%%'
            """,
            [RATE, rate.pk],
        )
        print(f"  {Accrual.objects.count():,} accruals and their statements in {time.perf_counter() - start:.0f}s")
    sql("DROP TABLE bench_community")
    sql("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f}s")


def reset(period: date) -> None:
    """Put a month back to open (the benchmark issues it again); only the bench database is touched."""
    sql(
        "UPDATE payments_statement SET status = 'open', issued_at = NULL, issued_by_id = NULL WHERE period = %s",
        [period],
    )


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from cases import clock
    from cases.models import Case, Community, User
    from payments import selectors
    from payments.models import Accrual, Statement
    from payments.services.ledger import accrual_record_for_acceptance
    from payments.services.statements import statement_issue_month

    assert connection.vendor == "postgresql", "the benchmark needs PostgreSQL (DATABASE_URL)"
    if "--fresh" in sys.argv:
        sql("DROP SCHEMA public CASCADE")
        sql("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if not Accrual.objects.filter(case__number__startswith="BENCH-").exists():
        print(f"generating {COMMUNITIES:,} communities and {ACCRUALS:,} accruals (set-based SQL)…")
        generate()
    cpu = os.cpu_count()
    version = scalar("SHOW server_version")
    lines = scalar("SELECT count(*) FROM payments_accrual")
    statements = scalar("SELECT count(*) FROM payments_statement")
    month_lines = scalar("SELECT count(*) FROM payments_accrual WHERE period = %s", [MONTH])
    month_statements = scalar("SELECT count(*) FROM payments_statement WHERE period = %s", [MONTH])
    size = scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
    load = os.getloadavg()[0]
    print(f"\nPostgreSQL {version}, {cpu} cores, load average {load:.1f} at the start")
    print(f"{lines:,} ledger lines, {statements:,} statements, database {size}")
    print(f"month {MONTH:%Y-%m}: {month_statements:,} statements, {month_lines:,} lines\n")

    def issue():
        issued = statement_issue_month(period=MONTH)
        assert issued == month_statements, issued

    timed(
        f"issue {MONTH:%Y-%m} (statement_issue_month, {month_statements} statements)",
        issue,
        before=lambda: reset(MONTH),
    )
    frozen = Statement.objects.filter(period=MONTH)
    assert not frozen.exclude(status="issued").exists()
    totals = scalar("SELECT sum(amount) FROM payments_statement WHERE period = %s", [MONTH])
    assert totals == scalar("SELECT sum(amount) FROM payments_accrual WHERE period = %s", [MONTH])
    print(f"{'':<58} control totals {totals} UAH = sum of the month's lines")

    with connection.cursor() as cursor:  # the service's aggregate, as it reaches PostgreSQL
        cursor.execute(
            """EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
               SELECT statement_id, SUM(CASE WHEN kind = 'accrual' THEN 1 ELSE -1 END), SUM(amount)
               FROM payments_accrual WHERE period = %s GROUP BY statement_id""",
            [MONTH],
        )
        plan = [row[0] for row in cursor.fetchall()]
    print(
        "  the aggregate's plan: "
        + " | ".join(p.strip() for p in plan if "Scan" in p or "Aggregate" in p or "Execution" in p)
    )

    timed(
        f"dashboard selector ({YEAR}, communities of {MONTH:%Y-%m})",
        lambda: selectors.dashboard(year=YEAR, period=MONTH),
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="bench-accountant"))

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    timed("dashboard page (5 SVG charts)", get(f"/payments/dashboard/?year={YEAR}&period={MONTH:%Y-%m}"))
    timed(f"statements page of {MONTH:%Y-%m} (totals, first 100 of 1,500)", get(f"/payments/?period={MONTH:%Y-%m}"))
    biggest = frozen.order_by("-count").first()
    timed(f"a statement's drill-down ({biggest.count:,} lines, first 100)", get(f"/payments/statements/{biggest.pk}/"))
    timed("fee rates page (with the count of unbilled intakes)", get("/payments/rates/"))
    code = biggest.community.katottg
    timed("API accruals, first page, no filter", get("/api/v1/accruals/"))
    timed(
        f"API accruals ?period={MONTH:%Y-%m}&community=<biggest>",
        get(f"/api/v1/accruals/?period={MONTH:%Y-%m}&community={code}"),
    )
    timed(f"API statements ?period={MONTH:%Y-%m}", get(f"/api/v1/statements/?period={MONTH:%Y-%m}"))
    timed(f"CSV export of {MONTH:%Y-%m}", get(f"/payments/statements/export/?period={MONTH:%Y-%m}&format=csv"))
    timed("close_month for an already issued month (no-op)", lambda: statement_issue_month(period=MONTH))

    # The accept hook on the big ledger: new intakes of the running month, each in its own transaction.
    community = Community.objects.order_by("pk").first()
    template = Case.objects.filter(community=community, number__startswith="BENCH-").first()
    run = int(time.time())
    fresh = Case.objects.bulk_create(
        [
            Case(
                number=f"HOOK-{run}-{i}",
                applicant_id=template.applicant_id,
                service_type_id=template.service_type_id,
                front_office_id=template.front_office_id,
                community_id=(community.pk + i % 50),
                back_office_id=template.back_office_id,
                status="in_review",
                assignee_id=template.accepted_by_id,
                created_by_id=template.created_by_id,
            )
            for i in range(500)
        ]
    )
    per_call = []
    for case in fresh:
        start = time.perf_counter()
        with transaction.atomic():
            accrual_record_for_acceptance(case=case, accepted_at=clock.now())
        per_call.append(time.perf_counter() - start)
    per_call.sort()
    print(
        f"{'accrual hook, 500 accepts over 50 communities':<58} p50 {per_call[250] * 1000:.1f} ms"
        f"   p95 {per_call[475] * 1000:.1f} ms   max {per_call[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
