"""Rule versions: code alone decides nothing; a version is published after a recorded dry run by a second person."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cases.exceptions import SeparationOfDuties, TransitionNotAllowed
from eligibility import rules as code
from eligibility.engine import evaluate_facts
from eligibility.facts import facts_for
from eligibility.models import DryRun, RulePublication
from eligibility.services import dry_run_record, rule_publication_approve, rule_publication_propose

from .helpers import months_ago, submitted_childbirth

pytestmark = pytest.mark.django_db

NEW = "childbirth/2027.1"


@pytest.fixture
def new_version(monkeypatch):
    """A second childbirth version in the code tree (it pays 1 more), not published."""
    old = code.version_named("childbirth/2026.1")

    def evaluate(facts, params):
        verdict = old.evaluate(facts, params)
        if verdict.amount is not None:
            verdict = dataclasses.replace(verdict, amount=verdict.amount + 1)
        return verdict

    version = dataclasses.replace(old, version=NEW, valid_from=date(2026, 1, 1), evaluate=evaluate)
    monkeypatch.setattr(code, "VERSIONS", [*code.VERSIONS, version])
    return version


def _case(world, gateway):
    return submitted_childbirth(world, gateway, born=months_ago(2))


def test_the_shipped_versions_are_published_by_the_migration(rules):
    published = set(RulePublication.objects.filter(status="published").values_list("version", flat=True))
    assert {v.version for v in code.VERSIONS} <= published


def test_a_version_in_code_but_not_published_never_decides(rules, gateway, new_version):
    case = _case(rules, gateway)
    result = evaluate_facts(facts_for(case))
    assert result.rules_version == "childbirth/2026.1" and result.amount == Decimal("50000.00")
    # A dry run may still replay it by name.
    run = dry_run_record(service="childbirth", rules_version=NEW)
    assert run.rules_version == NEW


def test_publishing_needs_a_dry_run_and_a_second_person_then_it_decides(rules, gateway, new_version):
    world = rules
    case = _case(world, gateway)
    with pytest.raises(ValidationError) as e:
        rule_publication_propose(by=world.head, service="childbirth", version=NEW)
    assert "dry_run" in e.value.message_dict
    with pytest.raises(ValidationError):
        rule_publication_propose(by=world.head, service="low_income", version=NEW)  # another service's code
    call_command("rules_dry_run", "childbirth", "--version", NEW)
    assert DryRun.objects.filter(service="childbirth", rules_version=NEW).exists()
    publication = rule_publication_propose(by=world.head, service="childbirth", version=NEW)
    assert publication.status == "proposed"
    assert evaluate_facts(facts_for(case)).rules_version == "childbirth/2026.1"  # proposed is not published
    with pytest.raises(SeparationOfDuties):
        rule_publication_approve(publication=publication, by=world.head)
    rule_publication_approve(publication=publication, by=world.admin)
    publication.refresh_from_db()
    assert (publication.status, publication.approved_by) == ("published", world.admin)
    result = evaluate_facts(facts_for(case))
    assert result.rules_version == NEW and result.amount == Decimal("50001.00")
    with pytest.raises(TransitionNotAllowed):
        rule_publication_approve(publication=publication, by=world.admin)  # only once


def test_a_published_version_takes_effect_only_from_its_valid_from(rules, gateway, new_version):
    world = rules
    case = _case(world, gateway)
    filed = facts_for(case).filing_date.value
    dry_run_record(service="childbirth", rules_version=NEW)
    later = date(filed.year + 1, 1, 1)
    publication = rule_publication_propose(by=world.head, service="childbirth", version=NEW, valid_from=later)
    rule_publication_approve(publication=publication, by=world.admin)
    assert evaluate_facts(facts_for(case)).rules_version == "childbirth/2026.1"  # filed before valid_from


def test_approval_is_refused_when_the_dry_run_is_not_of_that_version(rules, gateway, new_version):
    world = rules
    dry_run_record(service="childbirth", rules_version=NEW)
    publication = rule_publication_propose(by=world.head, service="childbirth", version=NEW)
    other = DryRun.objects.create(service="childbirth", rules_version="childbirth/2026.1")
    RulePublication.objects.filter(pk=publication.pk).update(dry_run=other)
    with pytest.raises(TransitionNotAllowed):
        rule_publication_approve(publication=publication, by=world.admin)
    assert RulePublication.objects.get(pk=publication.pk).status == "proposed"


def test_the_dry_run_page_proposes_and_approves(rules, client, new_version):
    world = rules
    client.force_login(world.head)
    page = client.get("/rules/dry-run/")
    assert NEW in page.content.decode()
    r = client.post("/rules/dry-run/", {"action": "propose", "service": "childbirth", "version": NEW}, follow=True)
    assert not RulePublication.objects.filter(version=NEW).exists()  # no dry run yet: a clear error, nothing written
    assert "dry run" in r.content.decode().lower() or "пробн" in r.content.decode().lower()
    client.post("/rules/dry-run/", {"service": "childbirth", "months": 12, "version": NEW})
    client.post("/rules/dry-run/", {"action": "propose", "service": "childbirth", "version": NEW})
    publication = RulePublication.objects.get(version=NEW, status="proposed")
    client.post("/rules/dry-run/", {"action": "approve", "publication": publication.pk})
    assert RulePublication.objects.get(pk=publication.pk).status == "proposed"  # the proposer cannot approve
    client.force_login(world.admin)
    client.post("/rules/dry-run/", {"action": "approve", "publication": publication.pk})
    assert RulePublication.objects.get(pk=publication.pk).status == "published"


def test_the_api_adds_published_and_version(rules, client, new_version):
    world = rules
    client.force_login(world.head)
    body = client.get("/api/v1/rules/?on=2026-06-01").json()
    versions = {v["version"]: v["published"] for s in body for v in s["versions"]}
    assert versions["childbirth/2026.1"] is True and versions[NEW] is False
    assert next(s for s in body if s["service"] == "childbirth")["in_force"] == "childbirth/2026.1"
    r = client.post("/api/v1/rules/childbirth/dry-run/", {"version": NEW}, content_type="application/json")
    assert r.status_code == 201 and r.json()["rules_version"] == NEW
    r = client.post(
        "/api/v1/rules/childbirth/dry-run/", {"version": "low_income/2026.1"}, content_type="application/json"
    )
    assert r.status_code == 400
