"""Benchmark: 1,000 registry queries through the gateway stand-in with 20 ms of simulated latency.

    .venv/bin/python bench/registries.py [--queries 1000 --latency-ms 20 --workers 2 --concurrency 10]

Runs on PostgreSQL and Redis, as production does: ``DATABASE_URL`` defaults to
postgres://postgres@127.0.0.1:5432/hromada_bench_registries (dropped and created afresh), ``CELERY_BROKER_URL`` to
redis://127.0.0.1:6379/12. The stand-in runs as its own process (``python -m gateway``) with a ``slow`` fault of
``--latency-ms`` on every registry, so each answer takes at least that long.

Prints, for the three parts:
1. throughput: ``--queries`` ЄДДР queries sent through ``--workers`` Celery workers (thread pool of
   ``--concurrency`` each: the work is waiting on the network), from the first nudge to the last answer;
2. the product's own overhead per query (one worker thread, the same number of queries): the time of
   ``registry_query_run`` (claim, request, validation, compare-and-set) minus the HTTP round trip the connector
   measured (which holds the gateway's latency), p50/p95;
3. the same with evidence: 200 ДРАЦС answers for open cases, each rendered as a one-page extract and filed.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from benchlib import fresh_database, pct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hromada_bench_registries"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--evidence", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-registries-"))
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": str(tmp / "var"),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12"),
        "REGISTRY_GATEWAY_URL": f"http://127.0.0.1:{port}/_gateway",
        "REGISTRY_GATEWAY_STANDIN": "0",
        "REGISTRY_READ_TIMEOUT": "10",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    fresh_database(env["DATABASE_URL"])
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()

    gateway = subprocess.Popen(
        [sys.executable, "-m", "gateway", "--port", str(port), "--store", str(tmp / "gateway.sqlite3")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[subprocess.Popen] = []
    try:
        run(args, env, port, tmp, workers)
    finally:
        for process in [*workers, gateway]:
            process.send_signal(signal.SIGTERM)
        for process in [*workers, gateway]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def run(args, env, port, tmp, workers) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    call_command("migrate", verbosity=0)

    from cases import clock
    from cases.catalog import load_catalog
    from cases.models import Applicant, BackOffice, Community, FrontOffice, Membership, Region, ServiceType, User
    from cases.queue import send
    from cases.validators import rnokpp_check_digit
    from frontoffice import services as front
    from gateway.store import Store
    from registries import services
    from registries.catalog import load_registries
    from registries.models import Registry, RegistryQuery
    from registries.tasks import run_query

    load_catalog()
    load_registries()
    region = Region.objects.create(code="UA05000000000000000", name="Вінницька область")
    back = BackOffice.objects.create(code="bo", name="УСЗН", region=region)
    community = Community.objects.create(katottg="UA05020030000031743", name="Вінницька громада", back_office=back)
    office = FrontOffice.objects.create(code="cnap", name="ЦНАП", community=community)
    clerk = User.objects.create(username="clerk", first_name="Оксана", last_name="Мельник")
    Membership.objects.create(user=clerk, role="clerk", front_office=office)

    people = 2 * args.queries + args.evidence
    store = Store(tmp / "gateway.sqlite3")
    applicants = []
    for n in range(people):
        birth = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
        first_nine = f"{(birth - date(1899, 12, 31)).days:05d}{n % 1000:03d}{n // 1000 % 10}"
        rnokpp = first_nine + str(rnokpp_check_digit(first_nine))
        applicants.append(
            Applicant(
                last_name="Шевченко",
                first_name="Олена",
                patronymic="Іванівна",
                birth_date=birth,
                rnokpp=rnokpp,
                passport_kind="id_card",
                passport_number=f"{n:09d}",
                registered_at=office,
                created_by=clerk,
            )
        )
    Applicant.objects.bulk_create(applicants)
    applicants = list(Applicant.objects.order_by("pk"))
    for a in applicants:
        store.put_person(
            {
                "rnokpp": a.rnokpp,
                "last_name": a.last_name,
                "first_name": a.first_name,
                "patronymic": a.patronymic,
                "birth_date": a.birth_date.isoformat(),
                "unzr": "",
                "passport": a.passport_number,
                "address": None,
                "children": [
                    {
                        "last_name": a.last_name,
                        "first_name": "Марія",
                        "patronymic": "",
                        "birth_date": "2026-10-01",
                        "birth_act": "1/2026",
                    }
                ],
                "income": [],
                "disability": None,
                "idp": None,
            }
        )
    r = httpx.post(
        f"http://127.0.0.1:{port}/_gateway/_sim/faults",
        json={"registry": "*", "mode": "slow", "seconds": args.latency_ms / 1000},
    )
    assert r.status_code == 201, r.text
    eddr = Registry.objects.get(code="eddr")

    def make_queries(people_slice):
        now = clock.now()
        rows = [
            RegistryQuery(
                registry=eddr,
                applicant=a,
                purpose=eddr.purpose_id,
                asked_at=now,
                next_attempt_at=now,
                due_at=date(2099, 1, 1),
                dialect="trembita",
                asked_by=clerk,
                front_office=office,
            )
            for a in people_slice
        ]
        RegistryQuery.objects.bulk_create(rows)
        return list(RegistryQuery.objects.filter(applicant__in=people_slice).values_list("pk", flat=True))

    # 1. Throughput through real Celery workers.
    ids = make_queries(applicants[: args.queries])
    celery = str(ROOT / ".venv" / "bin" / "celery")
    for n in range(args.workers):
        workers.append(
            subprocess.Popen(
                [
                    celery,
                    "-A",
                    "config",
                    "worker",
                    "-P",
                    "threads",
                    "-c",
                    str(args.concurrency),
                    "-n",
                    f"bench{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    time.sleep(6)  # the workers connect to Redis
    started = time.perf_counter()
    for pk in ids:
        send(run_query, query_id=pk)
    while RegistryQuery.objects.filter(pk__in=ids, status__in=RegistryQuery.PENDING).exists():
        time.sleep(0.05)
    wall = time.perf_counter() - started
    outcome = dict(RegistryQuery.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk")))
    print(
        f"1. throughput: {len(ids)} queries, {args.workers} workers × {args.concurrency} threads, "
        f"{args.latency_ms:.0f} ms gateway latency: {wall:.2f} s = {len(ids) / wall:.0f} queries/s  {outcome}"
    )
    for process in workers:
        process.send_signal(signal.SIGTERM)

    # 2. The product's own overhead per query, one thread.
    ids = make_queries(applicants[args.queries : 2 * args.queries])
    overhead, http, cpu = [], [], []
    for pk in ids:
        t0, c0 = time.perf_counter(), time.process_time()
        services.registry_query_run(query_id=pk)
        total = (time.perf_counter() - t0) * 1000
        cpu.append((time.process_time() - c0) * 1000)
        latency = RegistryQuery.objects.values_list("latency_ms", flat=True).get(pk=pk)
        overhead.append(total - latency)
        http.append(latency)
    answered = RegistryQuery.objects.filter(pk__in=ids, status="answered").count()
    print(
        f"2. overhead per query ({answered}/{len(ids)} answered): p50 {statistics.median(overhead):.1f} ms, "
        f"p95 {pct(overhead, 0.95):.1f} ms (HTTP round trip p50 {statistics.median(http):.0f} ms, "
        f"p95 {pct(http, 0.95):.0f} ms); this process's CPU per query p50 {statistics.median(cpu):.1f} ms, "
        f"p95 {pct(cpu, 0.95):.1f} ms"
    )

    # 3. With evidence: a ДРАЦС answer for an open case becomes a one-page extract in the case.
    service = ServiceType.objects.get(code="childbirth")
    dracs = Registry.objects.get(code="dracs")
    overhead = []
    for a in applicants[2 * args.queries :]:
        case = front.case_open(applicant=a, service_type=service, front_office=office, by=clerk)
        now = clock.now()
        query = RegistryQuery.objects.create(
            registry=dracs,
            applicant=a,
            case=case,
            purpose=dracs.purpose_id,
            asked_at=now,
            next_attempt_at=now,
            due_at=date(2099, 1, 1),
            dialect="trembita",
            asked_by=clerk,
        )
        t0 = time.perf_counter()
        services.registry_query_run(query_id=query.pk)
        total = (time.perf_counter() - t0) * 1000
        query.refresh_from_db()
        assert query.status == "answered" and query.documents.count() == 1, query.error_code
        overhead.append(total - query.latency_ms)
    print(
        f"3. overhead with the extract filed ({len(overhead)} cases): p50 {statistics.median(overhead):.1f} ms, "
        f"p95 {pct(overhead, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
