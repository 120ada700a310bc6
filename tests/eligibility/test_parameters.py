"""Parameter changes: four eyes and a recorded dry run before a row takes effect; the dry run counts changes."""

from datetime import date
from decimal import Decimal

import pytest

from cases.exceptions import SeparationOfDuties, TransitionNotAllowed
from eligibility.models import Parameter
from eligibility.services import dry_run_record, parameter_change_approve, parameter_change_propose

from .helpers import months_ago, submitted_childbirth

pytestmark = pytest.mark.django_db


def test_a_change_needs_a_dry_run_and_a_second_person_and_the_dry_run_counts(rules, gateway, client):
    world = rules
    submitted_childbirth(world, gateway, born=months_ago(2))
    change = parameter_change_propose(
        by=world.head,
        service="childbirth",
        code="amount",
        value=Decimal("52000.00"),
        valid_from=date(2026, 6, 1),
        reference="a proposed act",
    )
    with pytest.raises(TransitionNotAllowed):
        parameter_change_approve(change=change, by=world.admin)  # no dry run yet
    run = dry_run_record(service="childbirth", by=world.head, change=change)
    assert (run.cases, run.outcome_changed, run.amount_changed) == (1, 0, 1)
    assert run.sample[0]["amount_before"] == "50000.00" and run.sample[0]["amount_after"] == "52000.00"
    change.refresh_from_db()
    with pytest.raises(SeparationOfDuties):
        parameter_change_approve(change=change, by=world.head)
    row = parameter_change_approve(change=change, by=world.admin)
    assert row.value == Decimal("52000.00") and row.approved_by == world.admin
    assert Parameter.objects.get(service="childbirth", code="amount", valid_from=date(2026, 1, 1)).valid_to == date(
        2026, 5, 31
    )


def test_the_rules_api_and_the_dry_run_endpoint(rules, client):
    world = rules
    client.force_login(world.clerk_a)
    body = client.get("/api/v1/rules/?on=2026-06-01").json()
    childbirth = next(s for s in body if s["service"] == "childbirth")
    assert childbirth["in_force"] == "childbirth/2026.1"
    assert {p["code"]: p["value"] for p in childbirth["parameters"]}["amount"] == "50000.00"
    assert client.post("/api/v1/rules/childbirth/dry-run/", {}, content_type="application/json").status_code == 403
    client.force_login(world.head)
    r = client.post("/api/v1/rules/childbirth/dry-run/", {"months": 6}, content_type="application/json")
    assert r.status_code == 201 and r.json()["cases"] == 0
    types = client.get("/api/v1/service-types/").json()
    items = types["results"] if isinstance(types, dict) else types
    assert {t["code"]: t["decision_mode"] for t in items}["childbirth"] == "automatic"
    assert client.get("/rules/dry-run/").status_code == 200


def test_a_replay_without_the_facts_is_counted_as_missing_not_as_a_changed_outcome(rules):
    """A case a person granted whose record holds no registry answer (the registries were never reached, so the
    robot could not have decided it): the replay cannot say what the rules would decide, so it is counted as "facts
    missing", with the case in the sample."""
    from cases.models import Case, ServiceType
    from tests.factories import make_case

    world = rules
    case = make_case(world, Case.Status.DECIDED, service=ServiceType.objects.get(code="childbirth"))
    assert case.decision == Case.Decision.GRANTED
    run = dry_run_record(service="childbirth", by=world.head)
    assert (run.cases, run.outcome_changed, run.amount_changed, run.unknown) == (1, 0, 0, 1)
    assert run.sample[0]["case"] == case.number and run.sample[0]["would"] == "unknown"


@pytest.mark.parametrize("model", ["dryrun", "evaluation", "parameter", "rulepublication"])
def test_the_admin_shows_the_rule_records_but_never_adds_or_edits_them(rules, client, django_user_model, model):
    """A dry run typed in the admin would stand for one never run, an evaluation for reasons never given."""
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get(f"/admin/eligibility/{model}/").status_code == 200
    assert client.get(f"/admin/eligibility/{model}/add/").status_code == 403
