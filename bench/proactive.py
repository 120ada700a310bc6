"""Benchmark: a registry event to an offer, and (the person agreeing at once) to the robot's decision.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hromada_bench_proactive .venv/bin/python bench/proactive.py \
        [--events 50]

The database is dropped and created afresh. The gateway stand-in runs over real HTTP on 127.0.0.1 (a thread of its
own, as in the tests); Celery runs in-process (the embedded default's eager mode), so a decision includes the ЄДДР
and ДРАЦС questions over HTTP, the evidence pages, the product's submit and the robot. For each of ``--events``
mothers (consent to proactive informing on file): the birth is posted to ``/_sim/events``, the feed is read
(``feed_poll``) — *event → offer* — and the offer is accepted online at once (``offer_accept``) — *event → decision*.
Prints p50 / p95 / max of both.

Not measured (not built): the nightly sweep over known households.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

from benchlib import fresh_database, pct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hromada_bench_proactive"


def sweep(world, persons: int) -> tuple[float, int]:
    """``persons`` applicants with the registries' answers on file (ДРФО incomes for all — a quarter below the
    subsistence minimum —, a recent ДРАЦС birth for 30 %, a disability for 10 %, IDP status for 5 %), then one timed
    ``offers_sweep``."""
    import random
    import uuid

    from cases.models import Applicant
    from proactive import services
    from registries.models import Registry, RegistryQuery

    rng = random.Random(15)
    registries = {r.code: r for r in Registry.objects.all()}
    people = [
        Applicant(
            last_name="Сидоренко", first_name="Ганна", birth_date=date(1990, 1, 1), rnokpp=f"{n:010d}"[-10:],
            registered_at=world.fo_a, created_by=world.clerk_a,
        )
        for n in range(10**9, 10**9 + persons)
    ]  # fmt: skip
    Applicant.objects.bulk_create(people, batch_size=5000)
    ids = list(Applicant.objects.filter(rnokpp__startswith="1").values_list("pk", flat=True))
    rows = []

    def answered(code, applicant_id, answer):
        rows.append(
            RegistryQuery(registry=registries[code], applicant_id=applicant_id, purpose="bench", status="answered",
                          answer=answer, due_at=date(2026, 12, 31), query_id=uuid.uuid4())
        )  # fmt: skip

    for pk in ids:
        income = "2000.00" if rng.random() < 0.25 else "15000.00"
        answered("drfo", pk, {"income": [{"month": "2026-10", "amount": income, "source": "tax"}]})
        if rng.random() < 0.3:
            answered("dracs", pk, {"births": [{"birth_date": "2026-09-01", "birth_act": f"{pk}/2026"}]})
        if rng.random() < 0.1:
            answered("disability", pk, {"group": "II", "since": "2020-01-01"})
        if rng.random() < 0.05:
            answered("idp", pk, {"since": "2022-04-01", "from_katottg": "UA14160000000000000"})
        if len(rows) >= 20000:
            RegistryQuery.objects.bulk_create(rows)
            rows.clear()
    RegistryQuery.objects.bulk_create(rows)
    started = time.perf_counter()
    made = services.offers_sweep()
    return time.perf_counter() - started, made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--sweep-persons", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["VAR_DIR"] = str(ROOT / "var" / "bench-proactive")
    fresh_database(url)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import httpx
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from wsgiref.simple_server import make_server

    from cases.models import ServiceType
    from cases.validators import rnokpp_check_digit
    from eligibility.catalog import load_parameters
    from gateway.app import GatewayApp
    from gateway.store import Store
    from notifications import services as notify
    from payments.models import FeeRate
    from proactive import services
    from proactive.models import ProactiveOffer
    from registries.catalog import load_registries
    from tests.factories import applicant, build_world

    Path(os.environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    store_path = Path(os.environ["VAR_DIR"]) / "gateway.sqlite3"
    store_path.unlink(missing_ok=True)
    app = GatewayApp(Store(store_path))
    from tests.registries.conftest import _Quiet

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gw = f"http://127.0.0.1:{server.server_address[1]}/_gateway"
    settings.REGISTRY_GATEWAY_URL = gw
    settings.REGISTRY_EVENTS_NUDGE_URL = ""

    world = build_world()
    load_registries()
    load_parameters()
    FeeRate.objects.create(amount="20.00", valid_from=date(2025, 1, 1))
    birth = date(1991, 6, 7)
    to_offer, to_decision = [], []
    for n in range(args.events):
        first_nine = f"{(birth - date(1899, 12, 31)).days:05d}{n:03d}2"
        rnokpp = first_nine + str(rnokpp_check_digit(first_nine))
        person = applicant(world, rnokpp=rnokpp, birth_date=birth, phone="+380671112233")
        notify.contact_set(applicant=person, by=world.clerk_a, phone="+380671112233", consent=True)
        services.consent_give(applicant=person, by=world.clerk_a)
        record = {"rnokpp": rnokpp, "last_name": person.last_name, "first_name": person.first_name,
                  "birth_date": birth.isoformat(), "passport": person.passport_number, "children": []}  # fmt: skip
        assert httpx.post(f"{gw}/_sim/persons", json=record).status_code == 201
        child = {"last_name": person.last_name, "first_name": "Марко", "birth_date": "2026-11-20",
                 "birth_act": f"{n}/2026"}  # fmt: skip
        started = time.perf_counter()
        body = {"id": f"bench-{n}", "type": "birth_registered", "rnokpp": rnokpp, "child": child}
        assert httpx.post(f"{gw}/_sim/events", json=body).status_code == 201
        services.feed_poll()
        offer = ProactiveOffer.objects.get(applicant=person)
        to_offer.append(time.perf_counter() - started)
        consent = {"by": "applicant", "channel": "online"}
        offer = services.offer_accept(offer=offer, by=None, consent=consent, iban="UA213223130000026007233566001")
        case = offer.application.cases.get()
        assert case.decision == "granted", (case.status, case.decision)
        to_decision.append(time.perf_counter() - started)
    server.shutdown()
    sweep_seconds, sweep_offers = sweep(world, args.sweep_persons)
    print(
        f"sweep: {args.sweep_persons} persons x {ServiceType.objects.filter(active=True).count()} services: "
        f"{sweep_offers} offers in {sweep_seconds:.1f} s"
    )
    for name, values in (("event → offer", to_offer), ("event → decision (accepted at once)", to_decision)):
        print(
            f"{name}: n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
            f"p95={pct(values, 0.95) * 1000:.0f} ms max={max(values) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
