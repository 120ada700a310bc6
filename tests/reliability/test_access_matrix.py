"""The access matrix: every page and API endpoint x every role -> the expected answer.

Generated from the URLconf (including the API routers): a route without a row here fails
``test_every_route_has_a_row``, so a new endpoint cannot ship without someone deciding who may reach it.

Each object belongs to community A (served by back office 1). The roles: anonymous; the clerk of A and a clerk of
B (another community of the same back office); A's supervisor; a specialist and the head of back office 1 (the
right one) and of back office 2 (a wrong one); the ministry accountant and administrator.

Cells are the status code, or ``in`` for a redirect to the login page, or ``empty`` for an API list with nothing
in it. Each route's cells run in ROLES order on the same objects, so an action that succeeds for one role (200)
has changed the state the next role meets (typically 409): the answers are deterministic. Other tenants' objects
and other roles' areas are 404 (never 403, never a leak); 409 is a role or state the service refuses with a
reason; 401 is the anonymous API client; 403 an authenticated user on a resource that is not an object (e.g. the
back-office queue for a clerk).

Set ``ACCESS_MATRIX_PRINT=1`` to print the observed matrix instead of asserting (for writing new rows).
"""

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Case, InboxMessage
from config import celery_app
from frontoffice.batches.services.create import batch_create
from payments.models import Accrual
from payments.services.rates import fee_rate_create
from proactive.models import ProactiveOffer
from proactive.services import token_hash
from tests.conftest import cache_clear
from tests.factories import build_world, committed, fill_checklist, make_case, upload
from tests.frontoffice.batches.stacks import content, cover, stack_tiff

S = Case.Status
ROLES = ["anon", "clerk", "clerk_b", "supervisor", "reviewer", "head", "reviewer_c", "head_c", "accountant", "admin"]
USERS = {
    "clerk": "clerk_a",
    "clerk_b": "clerk_b",
    "supervisor": "supervisor_a",
    "reviewer": "specialist",
    "head": "head",
    "reviewer_c": "specialist_other",
    "head_c": "head_other",
    "accountant": "accountant",
    "admin": "admin",
}
# Routes outside the matrix: the Django admin (its own staff-only permission system, tested by Django).
EXCLUDED_PREFIXES = ("admin/",)


@dataclass
class Objects:
    draft: Case
    submitted: Case
    in_review: Case
    needs_info: Case
    pending: Case
    decided: Case
    inbox: InboxMessage
    accrual: Accrual
    statement: object
    rate: object
    batch: object
    batch_document_id: int
    offer: object = None

    @property
    def draft_page(self):
        return self.draft.documents.first().pages.first()

    @property
    def submitted_page(self):
        return self.submitted.documents.first().pages.first()


def build_objects(world) -> Objects:
    rate = fee_rate_create(by=world.accountant, amount=Decimal("20.00"), valid_from=date(2020, 1, 1))
    draft = make_case(world, S.DRAFT)
    fill_checklist(draft, world.clerk_a)
    decided = make_case(world, S.DECIDED)
    accrual = Accrual.objects.get(case=decided)
    needs_info = make_case(world, S.NEEDS_INFO)
    with committed():
        batch = batch_create(
            front_office=world.fo_a,
            files=[upload(stack_tiff([cover(draft), content(), content()]), "stack.tif")],
            by=world.clerk_a,
        )
    batch.refresh_from_db()
    document_id = batch.pages.exclude(document=None).values_list("document_id", flat=True).first()
    offer = ProactiveOffer.objects.create(
        applicant=draft.applicant,
        service_type=draft.service_type,
        community=draft.community,
        reason="ДРАЦС",
        status=ProactiveOffer.Status.OFFERED,
        offered_via=ProactiveOffer.Via.MESSAGE,
        expires_on=date(2030, 1, 1),
        token_hash=token_hash(OFFER_TOKEN),
    )
    return Objects(
        offer=offer,
        draft=draft,
        submitted=make_case(world, S.SUBMITTED),
        in_review=make_case(world, S.IN_REVIEW),
        needs_info=needs_info,
        pending=make_case(world, S.REFUSAL_PENDING),
        decided=decided,
        inbox=InboxMessage.objects.get(case=needs_info),
        accrual=accrual,
        statement=accrual.statement,
        rate=rate,
        batch=batch,
        batch_document_id=document_id,
    )


def _case(attr):
    return lambda o: {"pk": getattr(o, attr).pk}


# route name -> (method, kwargs from the objects, request data, expected cells in ROLES order)
MATRIX: dict[str, tuple] = {
    # kernel
    "home": ("GET", None, None, "in 302 302 302 302 302 302 302 302 302"),
    "login": ("GET", None, None, "200 302 302 302 302 302 302 302 302 302"),
    "logout": ("POST", None, None, "in in in in in in in in in in"),
    "access-log": ("GET", None, None, "in 404 404 200 404 200 404 200 404 404"),
    "healthz": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "set_language": ("POST", None, {"language": "uk", "next": "/"}, "302 302 302 302 302 302 302 302 302 302"),
    "page-image": ("GET", lambda o: {"pk": o.submitted_page.pk}, None, "in 200 404 200 200 200 404 404 404 404"),
    "page-thumbnail": ("GET", lambda o: {"pk": o.submitted_page.pk}, None, "in 200 404 200 200 200 404 404 404 404"),
    "source-file": (
        "GET",
        lambda o: {"pk": o.submitted_page.source_id},
        None,
        "in 200 404 200 200 200 404 404 404 404",
    ),
    "case-package-pdf": ("GET", _case("submitted"), None, "in 200 404 200 200 200 404 404 404 404"),
    # front office pages
    "frontoffice:home": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:inbox-read": ("POST", lambda o: {"pk": o.inbox.pk}, None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:applicant-search": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:applicant-new": ("GET", None, None, "in 200 200 404 404 404 404 404 404 404"),
    "frontoffice:applicant-detail": (
        "GET",
        lambda o: {"pk": o.draft.applicant_id},
        None,
        "in 200 404 200 404 404 404 404 404 404",
    ),
    "frontoffice:service-checklist": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:case-list": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:case-detail": ("GET", _case("draft"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:case-package": ("GET", _case("draft"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:document-upload": ("POST", _case("draft"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:case-submit": ("POST", _case("draft"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:case-resubmit": ("POST", _case("needs_info"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:case-withdraw": ("POST", _case("submitted"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:case-hand-over": ("POST", _case("decided"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:case-receipt": ("GET", _case("submitted"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:case-receipt-page": ("GET", _case("submitted"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:case-submit-print": ("POST", _case("draft"), None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:applicant-edit": (
        "GET",
        lambda o: {"pk": o.draft.applicant_id},
        None,
        "in 200 404 404 404 404 404 404 404 404",
    ),
    "frontoffice:applicant-contact": (
        "GET",
        lambda o: {"pk": o.draft.applicant_id},
        None,
        "in 200 404 404 404 404 404 404 404 404",
    ),
    "frontoffice:inbox-read-all": ("POST", None, None, "in 302 302 302 404 404 404 404 404 404"),
    "frontoffice:case-decision-notice": ("GET", _case("decided"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:case-cover-sheet": ("GET", _case("draft"), None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:page-action": (
        "POST",
        lambda o: {"pk": o.draft_page.pk, "action": "rotate"},
        None,
        "in 302 404 302 404 404 404 404 404 404",
    ),
    "frontoffice:document-set-type": (
        "POST",
        lambda o: {"pk": o.draft_page.document_id},
        None,
        "in 302 404 302 404 404 404 404 404 404",
    ),
    "frontoffice:transfer-register": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:batch-list": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:batch-upload": ("POST", None, None, "in 400 400 400 404 404 404 404 404 404"),
    "frontoffice:separator-sheets": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
    "frontoffice:batch-detail": ("GET", lambda o: {"pk": o.batch.pk}, None, "in 200 404 200 404 404 404 404 404 404"),
    "frontoffice:batch-progress": ("GET", lambda o: {"pk": o.batch.pk}, None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:batch-assign": ("POST", lambda o: {"pk": o.batch.pk}, None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:batch-discard": ("POST", lambda o: {"pk": o.batch.pk}, None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:batch-retry": ("POST", lambda o: {"pk": o.batch.pk}, None, "in 302 404 302 404 404 404 404 404 404"),
    "frontoffice:batch-document-label": (
        "POST",
        lambda o: {"pk": o.batch.pk, "document_id": o.batch_document_id},
        None,
        "in 302 404 302 404 404 404 404 404 404",
    ),
    "frontoffice:batch-page-thumbnail": (
        "GET",
        lambda o: {"pk": o.batch.pk, "number": 2},
        None,
        "in 200 404 200 404 404 404 404 404 404",
    ),
    # back office pages
    "backoffice:home": ("GET", None, None, "in 404 404 404 200 200 200 200 404 404"),
    "backoffice:mine": ("GET", None, None, "in 404 404 404 200 200 200 200 404 404"),
    "backoffice:refusals": ("GET", None, None, "in 404 404 404 404 200 404 200 404 404"),
    "backoffice:dashboard": ("GET", None, None, "in 404 404 404 404 200 404 200 404 404"),
    "backoffice:claim-next": ("POST", None, None, "in 404 404 404 302 302 302 302 404 404"),
    "backoffice:bulk": ("POST", None, None, "in 404 404 404 302 302 302 302 404 404"),
    "backoffice:case": ("GET", _case("submitted"), None, "in 404 404 404 200 200 404 404 404 404"),
    "backoffice:case-act": (
        "POST",
        lambda o: {"pk": o.in_review.pk, "action": "accept"},
        None,
        "in 404 404 404 302 409 404 404 404 404",
    ),
    # registries pages
    "registries:health": ("GET", None, None, "in 404 404 404 404 200 404 200 404 200"),
    "registries:case-ask": (
        "POST",
        lambda o: {"pk": o.draft.pk, "code": "dracs"},
        None,
        "in 302 404 404 404 404 404 404 404 404",
    ),
    "registries:applicant-data-access": (
        "GET",
        lambda o: {"pk": o.submitted.applicant_id},
        None,
        "in 200 404 200 200 200 404 404 404 404",
    ),
    "registries:desk-check": (
        "POST",
        lambda o: {"pk": o.draft.applicant_id},
        None,
        "in 302 404 404 404 404 404 404 404 404",
    ),
    # payments pages
    "payments:home": ("GET", None, None, "in 404 404 200 404 404 404 404 200 200"),
    "payments:statement": ("GET", lambda o: {"pk": o.statement.pk}, None, "in 404 404 200 404 404 404 404 200 200"),
    "payments:statement-act": (
        "POST",
        lambda o: {"pk": o.statement.pk, "action": "confirm"},
        None,
        "in 404 404 302 404 404 404 404 302 302",
    ),
    "payments:statement-pdf": ("GET", lambda o: {"pk": o.statement.pk}, None, "in 404 404 200 404 404 404 404 200 200"),
    "payments:statement-lines": (
        "GET",
        lambda o: {"pk": o.statement.pk, "fmt": "csv"},
        None,
        "in 404 404 200 404 404 404 404 200 200",
    ),
    "payments:issue-month": ("POST", None, None, "in 404 404 404 404 404 404 404 302 302"),
    "payments:export": ("GET", None, {"period": "2026-01", "format": "csv"}, "in 404 404 200 404 404 404 404 200 200"),
    "payments:accrual-reverse": (
        "POST",
        lambda o: {"pk": o.accrual.pk},
        None,
        "in 404 404 404 404 404 404 404 302 302",
    ),
    "payments:reconcile": ("GET", None, None, "in 404 404 404 404 404 404 404 200 200"),
    "payments:rates": ("GET", None, None, "in 404 404 404 404 404 404 404 200 200"),
    "payments:rate-end": ("POST", lambda o: {"pk": o.rate.pk}, None, "in 404 404 404 404 404 404 404 302 302"),
    "payments:budget": ("GET", None, None, "in 404 404 404 404 404 404 404 200 200"),
    "payments:dashboard": ("GET", None, None, "in 404 404 404 404 404 404 404 200 200"),
    # eligibility: the dry-run page and endpoint for heads and the ministry administrator; the rules in force for all.
    "rules-dry-run-page": ("GET", None, None, "in 404 404 404 404 200 404 200 404 200"),
    "rules-list": ("GET", None, None, "401 200 200 200 200 200 200 200 200 200"),
    "rules-dry-run": ("POST", lambda o: {"service": "childbirth"}, None, "401 403 403 403 403 201 403 201 403 201"),
    # API: kernel
    "api-token": ("POST", None, None, "400 400 400 400 400 400 400 400 400 400"),
    "api-schema": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "api-docs": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "service-type-list": ("GET", None, None, "401 200 200 200 200 200 200 200 200 200"),
    "service-type-detail": ("GET", lambda o: {"code": "low_income"}, None, "401 200 200 200 200 200 200 200 200 200"),
    "document-type-list": ("GET", None, None, "401 200 200 200 200 200 200 200 200 200"),
    "document-type-detail": ("GET", lambda o: {"code": "passport"}, None, "401 200 200 200 200 200 200 200 200 200"),
    # API: front office
    "applicant-list": ("GET", None, None, "401 200 empty 200 200 200 empty empty empty empty"),
    "applicant-detail": (
        "GET",
        lambda o: {"pk": o.draft.applicant_id},
        None,
        "401 200 404 200 404 404 404 404 404 404",
    ),
    "case-list": ("GET", None, None, "401 200 empty 200 200 200 empty empty empty empty"),
    "case-detail": ("GET", _case("submitted"), None, "401 200 404 200 200 200 404 404 404 404"),
    "case-documents": ("POST", _case("draft"), None, "401 415 404 415 404 404 404 404 404 404"),
    "case-submit": ("POST", _case("draft"), None, "401 200 404 409 409 409 404 404 404 404"),
    "case-resubmit": ("POST", _case("needs_info"), None, "401 200 404 409 409 409 404 404 404 404"),
    "case-withdraw": ("POST", _case("submitted"), None, "401 400 404 409 409 409 404 404 404 404"),
    "case-hand-over": ("POST", _case("decided"), None, "401 200 404 409 409 409 404 404 404 404"),
    "case-receipt": ("GET", _case("submitted"), None, "401 200 404 200 200 200 404 404 404 404"),
    "case-decision-notice": ("GET", _case("decided"), None, "401 200 404 200 200 200 404 404 404 404"),
    "api-registry-list": ("GET", None, None, "401 200 200 200 200 200 200 200 200 200"),
    "api-case-registry-queries": ("GET", _case("submitted"), None, "401 200 404 200 200 200 404 404 404 404"),
    "api-applicant-data-access": (
        "GET",
        lambda o: {"pk": o.submitted.applicant_id},
        None,
        "401 200 404 200 200 200 404 404 404 404",
    ),
    "api-case-cover-sheet": ("GET", _case("draft"), None, "401 200 404 200 404 404 404 404 404 404"),
    "api-separator-sheets": ("GET", None, None, "401 200 200 200 200 200 200 200 200 200"),
    "api-scan-batches": ("GET", None, None, "401 200 empty 200 empty empty empty empty empty empty"),
    "api-scan-batch": ("GET", lambda o: {"pk": o.batch.pk}, None, "401 200 404 200 404 404 404 404 404 404"),
    "api-scan-batch-assign": ("POST", lambda o: {"pk": o.batch.pk}, None, "401 400 404 400 404 404 404 404 404 404"),
    "api-scan-batch-discard": ("POST", lambda o: {"pk": o.batch.pk}, None, "401 400 404 400 404 404 404 404 404 404"),
    "api-scan-batch-retry": ("POST", lambda o: {"pk": o.batch.pk}, None, "401 200 404 409 404 404 404 404 404 404"),
    # API: back office
    "api-queue": ("GET", None, None, "401 403 403 403 200 200 empty empty 403 403"),
    "api-queue-claim-next": ("POST", None, None, "401 403 403 403 200 204 204 204 403 403"),
    "api-case-claim": ("POST", _case("submitted"), None, "401 409 404 409 200 409 404 404 404 404"),
    # The reviewer releases first; the head's release is then no repeat of theirs: the case is no longer in review.
    "api-case-release": ("POST", _case("in_review"), None, "401 409 404 409 200 409 404 404 404 404"),
    "api-case-reassign": ("POST", _case("in_review"), None, "401 400 404 400 400 400 404 404 404 404"),
    "api-case-accept": ("POST", _case("in_review"), None, "401 409 404 409 200 409 404 404 404 404"),
    "api-case-request-info": ("POST", _case("in_review"), None, "401 400 404 400 400 400 404 404 404 404"),
    "api-case-decide": ("POST", _case("in_review"), None, "401 400 404 400 400 400 404 404 404 404"),
    "api-case-approve-refusal": ("POST", _case("pending"), None, "401 409 404 409 409 200 404 404 404 404"),
    "api-case-return-refusal": ("POST", _case("pending"), None, "401 409 404 409 409 400 404 404 404 404"),
    "api-case-reject-intake": ("POST", _case("in_review"), None, "401 400 404 400 400 400 404 404 404 404"),
    # API: payments
    "fee-rate-list": ("GET", None, None, "401 403 403 200 403 403 403 403 200 200"),
    "fee-rate-detail": ("GET", lambda o: {"pk": o.rate.pk}, None, "401 403 403 200 403 403 403 403 200 200"),
    "fee-rate-end": ("POST", lambda o: {"pk": o.rate.pk}, None, "401 403 403 400 403 403 403 403 400 400"),
    "accrual-list": ("GET", None, None, "401 403 403 200 403 403 403 403 200 200"),
    "accrual-detail": ("GET", lambda o: {"pk": o.accrual.pk}, None, "401 403 403 200 403 403 403 403 200 200"),
    "accrual-reverse": ("POST", lambda o: {"pk": o.accrual.pk}, None, "401 403 403 400 403 403 403 403 400 400"),
    "statement-list": ("GET", None, None, "401 403 403 200 403 403 403 403 200 200"),
    "statement-detail": ("GET", lambda o: {"pk": o.statement.pk}, None, "401 403 403 200 403 403 403 403 200 200"),
    "statement-export": (
        "GET",
        None,
        {"period": "2026-01", "format": "csv"},
        "401 403 403 200 403 403 403 403 200 200",
    ),
    "statement-reconcile": ("POST", None, None, "401 403 403 415 403 403 403 403 415 415"),
    "statement-issue": ("POST", lambda o: {"pk": o.statement.pk}, None, "401 403 403 409 403 403 403 403 409 409"),
    "statement-confirm": ("POST", lambda o: {"pk": o.statement.pk}, None, "401 403 403 409 403 403 403 403 409 409"),
    "statement-dispute": ("POST", lambda o: {"pk": o.statement.pk}, None, "401 403 403 400 403 403 403 403 400 400"),
    "statement-approve": ("POST", lambda o: {"pk": o.statement.pk}, None, "401 403 403 409 403 403 403 403 409 409"),
    "statement-pay": ("POST", lambda o: {"pk": o.statement.pk}, None, "401 403 403 400 403 403 403 403 400 400"),
    "budget-list": ("GET", None, None, "401 403 403 200 403 403 403 403 200 200"),
    # Issue 14: messages, the applicant's status page, the phone link, tus uploads. The public pages answer
    # everyone alike: staff sign-in means nothing there (the code is the key).
    "notification-list": ("GET", None, None, "401 400 400 400 400 400 400 400 400 400"),
    "notification-contact": (
        "GET",
        lambda o: {"applicant_id": o.draft.applicant_id},
        None,
        "401 200 404 200 404 404 404 404 404 404",
    ),
    "notifications:outbox": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "notifications:outbox-json": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "public-status": ("GET", None, None, "401 401 401 401 401 401 401 401 401 401"),
    "public-remote-link": ("POST", None, None, "401 400 400 400 400 400 400 400 400 400"),
    "public-status-code": ("POST", None, None, "400 400 400 400 400 400 400 400 400 400"),
    "public-status-session": ("POST", None, None, "400 400 400 400 400 400 400 400 400 400"),
    "public:start": ("GET", None, None, "200 200 200 200 200 200 200 200 200 200"),
    "public:code": ("GET", None, None, "302 302 302 302 302 302 302 302 302 302"),
    "public:cases": ("GET", None, None, "302 302 302 302 302 302 302 302 302 302"),
    "public:notice": ("GET", lambda o: {"number": o.decided.number}, None, "302 302 302 302 302 302 302 302 302 302"),
    "public:leave": ("POST", None, None, "302 302 302 302 302 302 302 302 302 302"),
    "public:upload": ("GET", lambda o: {"token": "forged"}, None, "404 404 404 404 404 404 404 404 404 404"),
    "tus-uploads": ("GET", None, None, "405 405 405 405 405 405 405 405 405 405"),
    "tus-upload": (
        "GET",
        lambda o: {"guid": "00000000-0000-4000-8000-000000000000"},
        None,
        "412 412 412 412 412 412 412 412 412 412",
    ),
}


def _application(attr):
    return lambda o: {"pk": getattr(o, attr).application_id}


# One application for several services (issue 13): community A's application (of one) of the draft case.
MATRIX.update(
    {
        "frontoffice:application-open": (
            "POST",
            lambda o: {"pk": o.draft.applicant_id},
            {"services": ["funeral"]},
            "in 302 404 404 404 404 404 404 404 404",
        ),
        "frontoffice:application-detail": (
            "GET",
            _application("draft"),
            None,
            "in 200 404 200 404 404 404 404 404 404",
        ),
        "frontoffice:applicant-suggestions-part": (
            "GET",
            lambda o: {"pk": o.draft.applicant_id},
            None,
            "in 200 404 200 404 404 404 404 404 404",
        ),
        "frontoffice:application-documents": (
            "POST",
            _application("draft"),
            None,
            "in 302 404 302 404 404 404 404 404 404",
        ),
        "frontoffice:application-add-service": (
            "POST",
            _application("draft"),
            {"service": "funeral"},
            "in 302 404 302 404 404 404 404 404 404",
        ),
        "frontoffice:application-submit": (
            "POST",
            _application("submitted"),
            None,
            "in 302 404 302 404 404 404 404 404 404",
        ),
        "frontoffice:application-receipt": (
            "GET",
            _application("submitted"),
            None,
            "in 200 404 200 404 404 404 404 404 404",
        ),
        "application-list": (
            "POST",
            None,
            {"applicant": 0, "services": ["funeral"]},
            "401 404 404 404 404 404 404 404 404 404",
        ),
        "application-documents": ("POST", _application("draft"), None, "401 415 404 415 404 404 404 404 404 404"),
        "application-services": (
            "POST",
            _application("draft"),
            {"service": "funeral"},
            "401 201 404 409 404 404 404 404 404 404",
        ),
        "application-submit": ("POST", _application("submitted"), None, "401 200 404 409 404 404 404 404 404 404"),
        "application-receipt": ("GET", _application("submitted"), None, "401 200 404 200 404 404 404 404 404 404"),
        "applicant-suggestions": (
            "GET",
            lambda o: {"pk": o.draft.applicant_id},
            None,
            "401 200 404 200 404 404 404 404 404 404",
        ),
    }
)


OFFER_TOKEN = "matrix-offer-link"
_offer = lambda o: {"pk": o.offer.pk}  # noqa: E731

# proactive offers: the clerk's work list and acts (front-office staff of the community), the person's page by the
# link in their message (anyone holding the link), the ministry's channels dashboard, the stand-in's nudge.
MATRIX.update(
    {
        "proactive:list": ("GET", None, None, "in 200 200 200 404 404 404 404 404 404"),
        "proactive:accept": ("POST", _offer, None, "in 302 404 302 404 404 404 404 404 404"),
        "proactive:decline": ("POST", _offer, None, "in 302 404 302 404 404 404 404 404 404"),
        "proactive:dashboard": ("GET", None, None, "in 404 404 404 404 404 404 404 200 200"),
        "proactive:feed-read": ("POST", None, None, "204 204 204 204 204 204 204 204 204 204"),
        "proactive:public-offer": (
            "GET",
            lambda o: {"token": OFFER_TOKEN},
            None,
            "200 200 200 200 200 200 200 200 200 200",
        ),
        "offers-list": ("GET", None, None, "401 200 empty 200 empty empty empty empty empty empty"),
        "offers-accept": ("POST", _offer, None, "401 400 404 400 404 404 404 404 404 404"),
        "offers-decline": ("POST", _offer, {"reason": "no"}, "401 200 404 409 404 404 404 404 404 404"),
    }
)


def all_routes() -> dict[str, str]:
    """Every named route of the URLconf: name -> pattern."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith(EXCLUDED_PREFIXES):
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern)

    return dict(walk(get_resolver().url_patterns))


def classify(response) -> str:
    """The cell for one answer: ``in`` for the login page, ``empty`` for an API list with nothing in it (what a
    user outside every scope must see), otherwise the status code."""
    status = response.status_code
    if status == 302 and "/accounts/login/" in response.get("Location", ""):
        return "in"
    if status == 200 and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if (isinstance(body, dict) and body.get("count") == 0 and body.get("results") == []) or (
            body == [] and response.get("X-Total-Count") == "0"  # a paged array (the offers' contract)
        ):
            return "empty"
    return str(status)


def observe(world, objects, name: str) -> list[str]:
    method, kwargs, data, _ = MATRIX[name]
    url = reverse(name, kwargs=kwargs(objects) if kwargs else None)
    api = url.startswith("/api/")
    cells = []
    for role in ROLES:
        client = Client()
        if role != "anon":
            client.force_login(getattr(world, USERS[role]))
        call = client.get if method == "GET" else client.post
        response = call(url, data or {}, **({"content_type": "application/json"} if api and method == "POST" else {}))
        cells.append(classify(response))
    return cells


def test_every_route_has_a_row():
    routes = all_routes()
    missing = sorted(set(routes) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes))
    assert not missing, f"routes without a row in the access matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def _media(tmp_path_factory):
    return tmp_path_factory.mktemp("access-matrix-media")


def _storages(media) -> dict:
    default = {"BACKEND": "cases.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(media)}}
    return {**settings.STORAGES, "default": default}


@pytest.fixture(autouse=True)
def _isolated(_media):
    """As tests/conftest.py's, but every test of the module reads the files of the one set of objects below."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with override_settings(
        STORAGES=_storages(_media),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SECURE_SSL_REDIRECT=False,
    ):
        cache_clear()
        yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, _media):
    """The world and the objects, made once for the module (they take seconds: cases through every status, a
    scanned batch). Each test runs in a savepoint inside this module's transaction and rolls back to it, so every
    route meets the objects as they were made, as if they had been made for it alone."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=_storages(_media),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            world = build_world()
            objects = build_objects(world)
            yield world, objects
        finally:
            celery_app.conf.task_always_eager = eager
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(shared, name):
    world, objects = shared
    observed = observe(world, objects, name)
    expected = MATRIX[name][3].split()
    if os.environ.get("ACCESS_MATRIX_PRINT"):
        print(f"\nMATRIX {name!r}: {' '.join(observed)}")
        return
    assert dict(zip(ROLES, observed, strict=True)) == dict(zip(ROLES, expected, strict=True))
