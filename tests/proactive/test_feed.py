"""The feed reader against the stand-in over real HTTP: exactly once, in order, whatever the feed does."""

import json
import sqlite3

import pytest

from proactive import services
from proactive.models import FeedCursor, ProactiveOffer, RegistryEvent
from registries.events import FeedPage
from tests.factories import committed

from .conftest import birth_event, mother

pytestmark = pytest.mark.django_db


def poll():
    with committed():
        return services.feed_poll()


def test_an_event_posted_twice_is_one_event_and_one_offer(rules, gateway):
    person = mother(rules, gateway, consent=False)
    first = birth_event(gateway, person, event_id="ev-1")
    again = birth_event(gateway, person, event_id="ev-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["seq"] == again.json()["seq"]
    # The birth is in the person's ДРАЦС record now.
    assert [c["birth_act"] for c in gateway.store.get_person(rnokpp=person.rnokpp)["children"]] == ["501/2026"]
    result = poll()
    assert (result.stored, result.offers, result.error) == (1, 1, "")
    assert poll().stored == 0  # read again: nothing new, the cursor stands after it
    assert RegistryEvent.objects.count() == 1
    offer = ProactiveOffer.objects.get()
    assert (offer.applicant, offer.service_type.code, offer.rules_version) == (
        person,
        "childbirth",
        "childbirth/2026.1",
    )
    assert {c["code"] for c in offer.explanation} >= {"birth_record", "within_12_months"}
    assert FeedCursor.objects.get().position == first.json()["seq"]


def test_the_same_event_under_a_new_sequence_number_is_stored_once(rules, gateway):
    person = mother(rules, gateway, consent=False)
    birth_event(gateway, person, event_id="ev-1")
    poll()
    page = FeedPage(
        events=[{"seq": 99, "id": "ev-1", "type": "birth_registered", "rnokpp": person.rnokpp}],
        next=99,
        more=False,
        query_id="q",
        request_hash="h",
    )
    result = services.PollResult()
    services._store_page(page, start=FeedCursor.objects.get().position, result=result)
    assert result.duplicates == 1
    assert RegistryEvent.objects.count() == 1 and ProactiveOffer.objects.count() == 1
    assert FeedCursor.objects.get().position == 99


def test_unknown_person_garbage_and_out_of_order_are_recorded_and_skipped(rules, gateway):
    stranger = birth_event(gateway, type("P", (), {"rnokpp": "3012345673", "last_name": "Інша"})())
    assert stranger.status_code == 201
    # Garbage published by a broken exchange: straight into the stand-in's own feed table.
    with sqlite3.connect(gateway.store.path) as db:
        db.execute(
            "INSERT INTO event (id, data) VALUES (?, ?)",
            ("bad-1", json.dumps({"id": "bad-1", "type": "birth_registered"})),
        )
        db.execute(
            "INSERT INTO event (id, data) VALUES (?, ?)",
            ("bad-2", json.dumps({"id": "bad-2", "type": "moon", "rnokpp": "1"})),
        )
    result = poll()
    assert (result.stored, result.skipped, result.offers) == (3, 3, 0)
    reasons = dict(RegistryEvent.objects.values_list("feed_id", "reason"))
    assert reasons["bad-1"] == reasons["bad-2"] == "garbage"
    assert list(reasons.values()).count("unknown_person") == 1
    # An event behind the cursor (the feed broke its order): kept with the reason, no offer.
    person = mother(rules, gateway, consent=False)
    position = FeedCursor.objects.get().position
    page = FeedPage(
        events=[
            {
                "seq": 1,
                "id": "late",
                "type": "birth_registered",
                "rnokpp": person.rnokpp,
                "child": {"birth_date": "2026-11-01", "birth_act": "9/2026"},
            }
        ],
        next=position,
        more=False,
        query_id="q",
        request_hash="h",
    )
    services._store_page(page, start=position, result=services.PollResult())
    assert RegistryEvent.objects.get(feed_id="late").reason == "out_of_order"
    assert not ProactiveOffer.objects.exists()


@pytest.mark.parametrize(("mode", "code"), [("down", "registry_down"), ("garbage", "garbage")])
def test_a_feed_down_or_garbled_moves_nothing_and_is_retried(rules, gateway, mode, code):
    person = mother(rules, gateway, consent=False)
    birth_event(gateway, person)
    gateway.fault("events", mode, count=1)
    result = poll()
    assert result.error == code and result.stored == 0
    cursor = FeedCursor.objects.get()
    assert (cursor.position, cursor.failures) == (0, 1) and code in cursor.last_error
    result = poll()  # the next beat run
    assert (result.error, result.offers) == ("", 1)
    assert FeedCursor.objects.get().failures == 0


def test_a_worker_killed_mid_page_commits_nothing_and_the_page_is_read_again(rules, gateway, monkeypatch):
    first, second = mother(rules, gateway, consent=False), mother(rules, gateway, consent=False)
    birth_event(gateway, first, event_id="a")
    birth_event(gateway, second, event_id="b", act="502/2026")
    real = services.offers_detect
    calls = []

    def dies_on_the_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(services, "offers_detect", dies_on_the_second)
    with pytest.raises(SystemExit):
        services.feed_poll()
    assert (RegistryEvent.objects.count(), ProactiveOffer.objects.count(), FeedCursor.objects.get().position) == (
        0,
        0,
        0,
    )
    monkeypatch.setattr(services, "offers_detect", real)
    result = poll()
    assert (result.stored, result.offers) == (2, 2)
    assert list(RegistryEvent.objects.order_by("seq").values_list("feed_id", flat=True)) == ["a", "b"]


def test_nobody_is_offered_what_they_already_applied_for(rules, gateway):
    from tests.registries.helpers import open_childbirth

    person = mother(rules, gateway, consent=False)
    open_childbirth(rules, person)
    birth_event(gateway, person)
    result = poll()
    assert (result.stored, result.offers) == (1, 0)
    assert RegistryEvent.objects.get().reason == "nothing_to_offer"


def test_a_birth_too_long_ago_fails_the_rule_and_is_not_offered(rules, gateway):
    from datetime import date

    person = mother(rules, gateway, consent=False)
    birth_event(gateway, person, born=date(2024, 1, 1))
    assert poll().offers == 0


def test_bad_sim_events_are_refused_by_the_stand_in(gateway):
    import httpx

    for body in ({"type": "birth_registered", "rnokpp": "123"}, {"type": "x", "rnokpp": "3012345673"}, []):
        assert httpx.post(f"{gateway.url}/_sim/events", json=body).status_code == 400


def test_the_nightly_sweep_offers_from_answers_on_file_once(rules, gateway):
    from cases.models import ServiceType
    from proactive.services import offers_sweep
    from registries.models import Registry, RegistryQuery

    listed = mother(rules, gateway, consent=False)
    told = mother(rules, gateway, consent=True, phone="+380673334455")
    applied = mother(rules, gateway, consent=False)
    from tests.registries.helpers import open_childbirth

    open_childbirth(rules, applied)
    dracs, disability = Registry.objects.get(code="dracs"), Registry.objects.get(code="disability")
    birth = {"births": [{"birth_date": "2026-10-01", "birth_act": "1/2026"}]}
    for person in (listed, told, applied):
        RegistryQuery.objects.create(
            registry=dracs, applicant=person, purpose="p", status="answered", answer=birth, due_at="2026-12-31"
        )
    RegistryQuery.objects.create(
        registry=disability,
        applicant=listed,
        purpose="p",
        status="answered",
        answer={"group": "II"},
        due_at="2026-12-31",
    )
    with committed():
        made = offers_sweep()
    assert made == 3  # listed: childbirth + disability; told: childbirth; applied: already has a childbirth case
    offers = ProactiveOffer.objects.filter(source="sweep")
    assert {(o.applicant_id, o.service_type.code, o.status, o.offered_via) for o in offers} == {
        (listed.pk, "childbirth", "offered", "work_list"),
        (listed.pk, "disability", "offered", "work_list"),
        (told.pk, "childbirth", "offered", "message"),
    }
    assert all(o.events.filter(action="detect").exists() and o.events.filter(action="offer").exists() for o in offers)
    assert offers_sweep() == 0  # the next night: nothing new
    assert ServiceType.objects.filter(code="disability").exists()


def test_the_sweep_reads_the_low_income_threshold_from_the_rule_s_dated_parameter(rules, gateway):
    """The guaranteed minimum in force today (3,028 UAH from 2026-01-01 in the catalog) decides the hint, not a
    figure written into the sweep: 3,000 a month is offered low income, 3,100 is not; with no row in force, no
    low-income offer at all."""
    from eligibility.models import Parameter
    from proactive.services import offers_sweep
    from registries.models import Registry, RegistryQuery

    drfo = Registry.objects.get(code="drfo")
    below, above = mother(rules, gateway, consent=False), mother(rules, gateway, consent=False)
    for person, amount in ((below, 3000), (above, 3100)):
        RegistryQuery.objects.create(
            registry=drfo,
            applicant=person,
            purpose="p",
            status="answered",
            answer={"income": [{"month": "2026-10", "amount": amount}]},
            due_at="2026-12-31",
        )
    with committed():
        offers_sweep()
    offered = set(ProactiveOffer.objects.filter(source="sweep").values_list("applicant_id", "service_type__code"))
    assert (below.pk, "low_income") in offered
    assert not any(applicant == above.pk for applicant, _ in offered)

    ProactiveOffer.objects.all().delete()
    Parameter.objects.filter(service="low_income", code="guaranteed_minimum").delete()
    with committed():
        offers_sweep()
    assert not ProactiveOffer.objects.filter(service_type__code="low_income").exists()
