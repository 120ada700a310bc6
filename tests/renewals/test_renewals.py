"""Renewals of a fixed-term grant (issue 15 item 4): opened by the system before the term ends, the registries asked
again over real HTTP (the gateway stand-in), re-granted by the robot or passed to people with the person told."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import clock
from cases.lifecycle import CASES, Action
from cases.models import Case, CaseEvent
from eligibility.models import Evaluation
from notifications.models import Message
from notifications.services import contact_set
from registries.models import RegistryQuery
from renewals import services
from renewals.models import GrantTerm, Renewal
from tests.factories import committed

from .helpers import granted_low_income, high_income, record_for

pytestmark = pytest.mark.django_db
S = Case.Status


def run(**kwargs):
    with committed():
        return services.renewals_run(**kwargs)


def test_a_grant_records_its_term_from_the_filing_date_for_the_months_it_was_granted(rules, gateway):
    case = granted_low_income(rules, gateway, days_ago=160)
    term = GrantTerm.objects.get(case=case)
    filed = timezone.localdate(clock.now() - timedelta(days=160))
    assert (term.service, term.months, term.starts) == ("low_income", 6, filed)
    assert term.ends == services.add_months(filed, 6) - timedelta(days=1)
    assert Evaluation.objects.get(case=case, acted=True).months == 6


def test_a_grant_nearing_its_end_is_renewed_without_an_application(rules, gateway, client):
    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    old_term = GrantTerm.objects.get(case=old)
    assert clock.today() < old_term.ends <= clock.today() + timedelta(days=30)

    result = run()
    assert result.opened == 1

    renewal = Renewal.objects.select_related("case__application").get(previous=old)
    new = renewal.case
    new.refresh_from_db()
    # A case of the same service, for the same person, at the same office, in an application of its own.
    assert (new.applicant_id, new.service_type_id, new.front_office_id) == (
        old.applicant_id,
        old.service_type_id,
        old.front_office_id,
    )
    assert new.channel == Case.Channel.RENEWAL and new.application.channel == Case.Channel.RENEWAL
    assert new.created_by.username == services.SYSTEM_USERNAME and not new.created_by.has_usable_password()
    assert new.application.created_by == new.created_by and new.application.consent_at is None
    assert not new.application.signatures.exists()  # nobody applied
    # The registries were asked afresh, by the system, for a renewal; the robot re-granted on their answers.
    queries = RegistryQuery.objects.filter(case=new)
    assert queries.count() >= 2
    assert set(queries.values_list("trigger", "asked_by", "status").distinct()) == {
        (RegistryQuery.Trigger.RENEWAL, None, RegistryQuery.Status.ANSWERED)
    }
    assert (new.status, new.decision, new.decided_by.username) == (S.DECIDED, Case.Decision.GRANTED, "robot")
    evaluation = Evaluation.objects.get(case=new, acted=True)
    assert evaluation.filing_date == clock.today()  # the renewal is filed the day it is sent to be checked
    # The new term starts the day after the old one ends, for the months the rules grant.
    term = GrantTerm.objects.get(case=new)
    assert term.starts == old_term.ends + timedelta(days=1)
    assert term.ends == services.add_months(term.starts, 6) - timedelta(days=1)
    # The timeline says how: opened by the system as a renewal of the old case, sent without a package, granted.
    actions = list(CaseEvent.objects.filter(case=new).values_list("action", "actor"))
    assert actions[:2] == [(Action.OPEN, None), (Action.RENEWAL_SUBMIT, None)]
    assert old.number in CaseEvent.objects.get(case=new, action=Action.OPEN).note
    assert renewal.needs_person_at is None and renewal.told == ""

    # Staff see it: the new case page names the case it renews, and the old one links to its renewal.
    client.force_login(world.clerk_a)
    page = client.get(reverse("frontoffice:case-detail", args=[new.pk])).content.decode()
    assert old.number in page and reverse("frontoffice:case-detail", args=[old.pk]) in page
    page = client.get(reverse("frontoffice:case-detail", args=[old.pk])).content.decode()
    assert new.number in page and reverse("frontoffice:case-detail", args=[new.pk]) in page


def test_running_twice_opens_one_renewal(rules, gateway):
    old = granted_low_income(rules, gateway, days_ago=160)
    first, second = run(), run()
    assert (first.opened, second.opened) == (1, 0)
    assert Renewal.objects.filter(previous=old).count() == 1
    assert Case.objects.filter(applicant=old.applicant, channel=Case.Channel.RENEWAL).count() == 1
    # The renewal itself is not renewed again while its own term is far from its end.
    assert Renewal.objects.count() == 1


def test_only_terms_ending_within_the_window_are_opened(rules, gateway, settings):
    old = granted_low_income(rules, gateway, days_ago=160)
    ends = GrantTerm.objects.get(case=old).ends
    assert not services.due_terms(today=ends - timedelta(days=31), window_days=30).exists()
    assert list(services.due_terms(today=ends - timedelta(days=30), window_days=30)) == [old.grant_term]
    assert list(services.due_terms(today=ends, window_days=30)) == [old.grant_term]
    assert not services.due_terms(today=ends + timedelta(days=1), window_days=30).exists()  # it has ended
    settings.RENEWAL_WINDOW_DAYS = (ends - clock.today()).days - 1
    assert run().opened == 0 and not Renewal.objects.exists()
    settings.RENEWAL_WINDOW_DAYS = (ends - clock.today()).days
    assert run().opened == 1


def test_a_person_who_applied_again_themselves_is_not_renewed_twice(rules, gateway):
    from cases.models import ServiceType
    from frontoffice import services as front

    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    with committed():
        front.case_open(
            applicant=old.applicant,
            service_type=ServiceType.objects.get(code="low_income"),
            front_office=world.fo_a,
            by=world.clerk_a,
        )
    assert run().opened == 0


def test_facts_that_no_longer_pass_go_to_people_and_the_person_is_told_before_the_end(rules, gateway):
    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    ends = old.grant_term.ends
    contact_set(applicant=old.applicant, by=world.clerk_a, phone="+380671234567", consent=True)
    gateway.person(**record_for(old.applicant, income=high_income()))

    run()
    renewal = Renewal.objects.get(previous=old)
    case = renewal.case
    case.refresh_from_db()
    # In the back office's queue, untaken, undecided, with the robot's explanation on its timeline.
    assert (case.status, case.assignee_id, case.decision) == (S.SUBMITTED, None, "")
    assert Evaluation.objects.filter(case=case).first().outcome == Evaluation.Outcome.FAIL
    review = CaseEvent.objects.get(case=case, action=Action.ROBOT_REVIEW)
    assert any(c["code"] == "income_below_minimum" and c["result"] == "fail" for c in review.data["explanation"])
    assert not GrantTerm.objects.filter(case=case).exists()
    # The person is told now, before the old term ends, what to bring — by the message they agreed to.
    assert renewal.needs_person_at is not None and clock.today() < ends
    assert renewal.told == Renewal.Told.MESSAGE and renewal.what_to_bring == ["income", "declaration"]
    message = Message.objects.get(case=case, template="renewal_needs_person")
    assert renewal.message == message and message.recipient == "+380671234567"
    assert ends.strftime("%d.%m.%Y") in message.text and case.number in message.text
    assert "довідка про доходи" in message.text.lower() and world.fo_a.name in message.text
    told = CaseEvent.objects.get(case=case, action=Action.RENEWAL_TOLD)
    assert told.data["told"] == "message"
    # Once: the daily job does not tell them twice.
    run()
    assert Message.objects.filter(case=case, template="renewal_needs_person").count() == 1


def test_a_registry_that_does_not_answer_leaves_the_fact_unknown_and_goes_to_people(rules, gateway):
    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    gateway.fault("drfo", "down")
    run()
    renewal = Renewal.objects.get(previous=old)
    case = renewal.case
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.decision == ""
    assert Evaluation.objects.filter(case=case).first().outcome == Evaluation.Outcome.UNKNOWN
    assert renewal.needs_person_at is not None and "income" in renewal.what_to_bring


def test_without_consent_the_front_office_sees_it_on_the_home_list(rules, gateway, client):
    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    gateway.person(**record_for(old.applicant, income=high_income()))
    run()
    renewal = Renewal.objects.get(previous=old)
    assert renewal.told == Renewal.Told.FRONT_OFFICE and renewal.message is None
    assert not Message.objects.filter(case=renewal.case).exists()

    client.force_login(world.clerk_a)
    page = client.get(reverse("frontoffice:home")).content.decode()
    assert 'id="renewals-needing-person"' in page and renewal.case.number in page
    # Another community's clerk does not see it.
    client.force_login(world.clerk_b)
    page = client.get(reverse("frontoffice:home")).content.decode()
    assert renewal.case.number not in page
    # The back office sees it in its queue, as a renewal, with the case it renews.
    client.force_login(world.specialist)
    page = client.get(reverse("backoffice:case", args=[renewal.case.pk])).content.decode()
    assert str(Case.Channel.RENEWAL.label) in page or "Продовження" in page
    assert old.number in page


def test_the_persons_data_access_log_shows_the_renewal_queries(rules, gateway):
    from registries.selectors import queries_for_the_person

    old = granted_low_income(rules, gateway, days_ago=160)
    run()
    new = Renewal.objects.get(previous=old).case
    rows = queries_for_the_person(cases=Case.objects.filter(pk=new.pk))
    assert rows and all(r["case"] == new.number for r in rows)
    assert all(str(r["purpose"]).startswith("продовження") for r in rows), rows[0]["purpose"]
    old_rows = queries_for_the_person(cases=Case.objects.filter(pk=old.pk))
    assert all(str(r["purpose"]).startswith("перевірка") for r in old_rows), old_rows[0]["purpose"]


def test_a_renewal_still_waiting_on_a_registry_goes_as_it_is_when_the_end_is_near(rules, gateway, settings):
    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    gateway.fault("drfo", "timeout", seconds=0)
    ends = old.grant_term.ends
    # The queries are opened but left waiting (no worker took them: as if the broker had lost the nudges).
    renewal = services.renewal_open(term=old.grant_term)
    RegistryQuery.objects.filter(case=renewal.case).update(status=RegistryQuery.Status.QUEUED)
    settings.RENEWAL_DECIDE_DAYS = (ends - clock.today()).days - 1
    assert run().submitted == 0
    renewal.case.refresh_from_db()
    assert renewal.case.status == S.DRAFT
    settings.RENEWAL_DECIDE_DAYS = (ends - clock.today()).days
    assert run().submitted == 1
    renewal.refresh_from_db()
    renewal.case.refresh_from_db()
    assert renewal.case.status == S.SUBMITTED and renewal.needs_person_at is not None


def test_only_the_system_sends_a_renewal_without_a_package(rules, gateway):
    from cases.exceptions import NotPermitted

    world = rules
    old = granted_low_income(world, gateway, days_ago=160)
    gateway.fault("drfo", "timeout", seconds=0)
    renewal = services.renewal_open(term=old.grant_term)
    with pytest.raises(NotPermitted):
        CASES.execute(renewal.case, Action.RENEWAL_SUBMIT, by=world.clerk_a)
    assert Action.RENEWAL_SUBMIT in CASES.available_actions(renewal.case, None)
