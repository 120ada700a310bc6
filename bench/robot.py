"""Benchmark: the robot's explained decisions, with every record written and the registry answers in place.

    .venv/bin/python bench/robot.py [--cases 2000 --latency-cases 100 --processes 2 --batch 50]

Runs on PostgreSQL and Redis: ``DATABASE_URL`` defaults to postgres://postgres@127.0.0.1:5432/hromada_bench_robot
(dropped and created afresh), ``CELERY_BROKER_URL`` to redis://127.0.0.1:6379/8.

1. throughput: ``--cases`` submitted childbirth cases, each with its ЄДДР and ДРАЦС answers already recorded (query
   rows with the normalised answers, as the registries leave them), decided by ``--processes`` processes, each
   through ``eligibility.services.cases_evaluate`` in batches of ``--batch`` cases (one transaction each; ``--batch
   1`` is ``case_evaluate`` one case after another): facts built, rule run, the evaluation stored, claim + accept +
   decide through the one executor (three timeline rows), the fee accrual and statement totals, the inbox message,
   after the commit the applicant's message hook and the renewals' term task enqueued.
2. submit → decision through the worker: one Celery worker (``--concurrency 2``); for ``--latency-cases`` cases the
   ``submit`` timeline row is written in a transaction (its post_save receiver enqueues the robot on commit, as on a
   real submission), and the time until the case is decided is polled from the database.
3. a burst through the worker: ``--burst`` cases submitted back to back (each its own transaction and ``submit`` row,
   so each enqueues its robot task), timed from the first submission until all are decided: once the backlog is
   ``ROBOT_BACKLOG_SECONDS`` old, each task takes the waiting cases into its batch.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from benchlib import fresh_database, pct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hromada_bench_robot"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--latency-cases", type=int, default=100)
    parser.add_argument("--burst", type=int, default=1000, help="cases submitted at once through the worker (part 3)")
    parser.add_argument("--processes", type=int, default=2, help="robot processes deciding in parallel (part 1)")
    parser.add_argument("--batch", type=int, default=50, help="cases per transaction (part 1; ROBOT_BATCH)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8"),
        "REGISTRY_GATEWAY_STANDIN": "0",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    fresh_database(env["DATABASE_URL"])
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    worker = None
    try:
        cases = setup(args.cases + args.latency_cases + args.burst)
        hold(cases[args.cases :])
        throughput(cases[: args.cases], args.processes, args.batch)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "-l", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        latency(cases[args.cases : args.cases + args.latency_cases])
        if args.burst:
            burst(cases[args.cases + args.latency_cases :])
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def setup(n: int) -> list[int]:
    from cases import clock
    from cases.catalog import load_catalog
    from cases.models import Applicant, BackOffice, Case, Community, FrontOffice, Membership, Region, ServiceType, User
    from cases.validators import rnokpp_check_digit
    from eligibility.catalog import load_parameters
    from payments.models import FeeRate
    from registries.catalog import load_registries
    from registries.models import Registry, RegistryQuery

    load_catalog()
    load_registries()
    load_parameters()
    FeeRate.objects.create(amount="20.00", valid_from=date(2025, 1, 1))
    region = Region.objects.create(code="UA05000000000000000", name="Вінницька область")
    back = BackOffice.objects.create(code="bo", name="УСЗН", region=region)
    community = Community.objects.create(katottg="UA05020030000031743", name="Вінницька громада", back_office=back)
    office = FrontOffice.objects.create(code="cnap", name="ЦНАП", community=community)
    clerk = User.objects.create(username="clerk")
    Membership.objects.create(user=clerk, role="clerk", front_office=office)
    service = ServiceType.objects.get(code="childbirth")
    people = []
    for i in range(n):
        birth = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        first_nine = f"{(birth - date(1899, 12, 31)).days:05d}{i % 1000:03d}{i // 1000 % 10}"
        people.append(
            Applicant(
                last_name="Шевченко",
                first_name="Олена",
                patronymic="Іванівна",
                birth_date=birth,
                rnokpp=first_nine + str(rnokpp_check_digit(first_nine)),
                passport_kind="id_card",
                passport_number=f"{i:09d}",
                registered_at=office,
                created_by=clerk,
            )
        )
    Applicant.objects.bulk_create(people)
    people = list(Applicant.objects.order_by("pk"))
    now = clock.now()
    cases = [
        Case(
            number=f"{community.katottg}-2026-{i:06d}",
            applicant=a,
            service_type=service,
            front_office=office,
            community=community,
            back_office=back,
            status=Case.Status.SUBMITTED,
            created_by=clerk,
            created_at=now,
            first_submitted_at=now,
            submitted_at=now,
        )
        for i, a in enumerate(people, start=1)
    ]
    Case.objects.bulk_create(cases, batch_size=1000)
    cases = list(Case.objects.order_by("pk"))
    eddr, dracs = Registry.objects.get(code="eddr"), Registry.objects.get(code="dracs")
    born = (clock.today() - timedelta(days=60)).isoformat()
    rows = []
    for c in cases:
        a = c.applicant
        person = {
            "rnokpp": a.rnokpp,
            "last_name": a.last_name,
            "first_name": a.first_name,
            "patronymic": a.patronymic,
            "birth_date": a.birth_date.isoformat(),
            "unzr": "",
            "passport": a.passport_number,
        }
        births = {
            "births": [
                {
                    "last_name": a.last_name,
                    "first_name": "Марія",
                    "patronymic": "",
                    "birth_date": born,
                    "birth_act": f"{c.pk}/2026",
                }
            ]
        }
        for registry, answer in ((eddr, person), (dracs, births)):
            rows.append(
                RegistryQuery(
                    registry=registry,
                    case=c,
                    applicant=a,
                    purpose="bench",
                    status="answered",
                    asked_at=now,
                    answered_at=now,
                    due_at=clock.today(),
                    answer=answer,
                    query_id=uuid.uuid4(),
                    attempts=1,
                )
            )
    RegistryQuery.objects.bulk_create(rows, batch_size=1000)
    return [c.pk for c in cases]


def _decide(job: tuple[list[int], int]) -> float:
    from django.db import connection

    from eligibility.services import cases_evaluate

    ids, batch = job
    connection.close()  # a fresh connection per process
    cpu = time.process_time()
    for i in range(0, len(ids), batch):
        cases_evaluate(case_ids=ids[i : i + batch], trigger="bench")
    return time.process_time() - cpu


def throughput(ids: list[int], processes: int, batch: int) -> None:
    import multiprocessing

    from django.db import connection

    from cases.models import CaseEvent, InboxMessage
    from eligibility.models import Evaluation
    from eligibility.services import case_evaluate
    from payments.models import Accrual, Statement

    case_evaluate(case_id=ids[0])  # warm up (imports, the robot user)
    rest = ids[1:]
    vendor = connection.vendor
    connection.close()
    # Contiguous runs of cases per process (a batch is a run of pks, as the catch-up and an application's cases are).
    size = -(-len(rest) // processes)
    chunks = [(rest[i * size : (i + 1) * size], batch) for i in range(processes)]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        cpu = pool.map(_decide, chunks)
    elapsed = time.perf_counter() - start
    granted = Evaluation.objects.filter(acted=True).count()
    statement = Statement.objects.get()
    print(
        f"[robot] {vendor}: {len(rest)} cases by {processes} process(es) in batches of {batch} in {elapsed:.2f} s = "
        f"{len(rest) / elapsed:.0f} explained decisions/s; CPU {sum(cpu) / len(rest) * 1000:.2f} ms/decision in the "
        f"deciding processes; granted {granted}, evaluations {Evaluation.objects.count()}, timeline rows "
        f"{CaseEvent.objects.count()}, accruals {Accrual.objects.count()}, inbox {InboxMessage.objects.count()}, "
        f"statement count {statement.count} amount {statement.amount}"
    )


def hold(ids: list[int]) -> None:
    """Parts 2 and 3 submit their cases themselves: until then a person holds them, so no robot task (nor another
    case's batch, which takes cases waiting longer than ROBOT_BACKLOG_SECONDS) decides them early."""
    from cases.models import Case, User

    Case.objects.filter(pk__in=ids).update(assignee=User.objects.get(username="clerk"))


def submit(case, clerk) -> None:
    """What a submission leaves: the case waiting in the queue from now, and the ``submit`` row whose receiver
    enqueues the robot on commit."""
    from django.db import transaction

    from cases import clock
    from cases.lifecycle import CASES, Action
    from cases.models import Case

    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee=None, submitted_at=clock.now())
        CASES.record(case, Action.SUBMIT, by=clerk)


def latency(ids: list[int]) -> None:

    from cases.models import Case, User

    clerk = User.objects.get(username="clerk")
    waits = []
    time.sleep(3)  # the worker starts
    for pk in ids:
        case = Case.objects.get(pk=pk)
        t0 = time.perf_counter()
        submit(case, clerk)
        while not Case.objects.filter(pk=pk, status=Case.Status.DECIDED).exists():
            if time.perf_counter() - t0 > 30:
                break
            time.sleep(0.005)
        waits.append(time.perf_counter() - t0)
    decided = Case.objects.filter(pk__in=ids, status=Case.Status.DECIDED).count()
    print(
        f"[robot] submit → decision through one worker: {len(ids)} cases one at a time, decided {decided}; "
        f"p50 {statistics.median(waits) * 1000:.0f} ms, p95 {pct(waits, 0.95) * 1000:.0f} ms, "
        f"max {max(waits) * 1000:.0f} ms"
    )


def burst(ids: list[int]) -> None:
    from django.conf import settings

    from cases.models import Case, User

    clerk = User.objects.get(username="clerk")
    cases = list(Case.objects.filter(pk__in=ids).order_by("pk"))
    t0 = time.perf_counter()
    for case in cases:
        submit(case, clerk)
    submitted = time.perf_counter() - t0
    decided = 0
    while decided < len(ids) and time.perf_counter() - t0 < 300:
        time.sleep(0.05)
        decided = Case.objects.filter(pk__in=ids, status=Case.Status.DECIDED).count()
    elapsed = time.perf_counter() - t0
    print(
        f"[robot] burst through one worker (concurrency 2, ROBOT_BATCH {settings.ROBOT_BATCH}, backlog after "
        f"{settings.ROBOT_BACKLOG_SECONDS} s): {len(ids)} cases submitted in {submitted:.2f} s, {decided} decided in "
        f"{elapsed:.2f} s from the first submission = {decided / elapsed:.0f} explained decisions/s"
    )


if __name__ == "__main__":
    main()
