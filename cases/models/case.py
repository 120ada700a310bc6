from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models.channel import Channel as CaseChannel


class Case(models.Model):
    """An application for one service by one applicant, taken at a front office and decided by a back office.

    Status changes only through the transition services (see ``cases.lifecycle``); never assign ``status``
    anywhere else.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        NEEDS_INFO = "needs_info", _("Needs information")
        REFUSAL_PENDING = "refusal_pending", _("Refusal awaiting approval")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        INTAKE_REJECTED = "intake_rejected", _("Intake rejected")

    OPEN_STATUSES = (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.REFUSAL_PENDING,
    )

    Channel = CaseChannel

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    number = models.CharField(_("number"), max_length=40, unique=True)
    applicant = models.ForeignKey(
        "cases.Applicant", on_delete=models.PROTECT, related_name="cases", verbose_name=_("applicant")
    )
    service_type = models.ForeignKey(
        "cases.ServiceType", on_delete=models.PROTECT, related_name="cases", verbose_name=_("service")
    )
    # The visit it was asked for in (cases.models.application); every case belongs to one, often an application of one.
    application = models.ForeignKey(
        "cases.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("application"),
    )
    # True once its application has another case: only then are the others' documents looked for (cases.checklist),
    # so a case alone in its application costs no extra query.
    shares_evidence = models.BooleanField(default=False, editable=False)
    front_office = models.ForeignKey(
        "cases.FrontOffice", on_delete=models.PROTECT, related_name="cases", verbose_name=_("front office")
    )
    # The community (whose fee this intake earns) and the back office (which decides) are fixed when the case
    # is opened, so later changes to the organisation never move a case or its fee.
    community = models.ForeignKey(
        "cases.Community", on_delete=models.PROTECT, related_name="cases", verbose_name=_("community")
    )
    back_office = models.ForeignKey(
        "cases.BackOffice", on_delete=models.PROTECT, related_name="cases", verbose_name=_("back office")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.IN_PERSON)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    duplicate_reason = models.TextField(
        _("reason for a second open case"),
        blank=True,
        help_text=_("Why the clerk opened it although the applicant already had an open case for the service."),
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opened"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("package accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("decision due"), null=True, blank=True)
    clock_paused_at = models.DateTimeField(_("decision clock paused since"), null=True, blank=True)

    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)
    refusal_grounds = models.ManyToManyField(
        "cases.RefusalGround", blank=True, related_name="cases", verbose_name=_("refusal grounds")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    package_pdf = models.FileField(_("package PDF"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The shared queue: waiting cases of one back office by due date, then arrival.
            models.Index(
                fields=["back_office", "due_date", "submitted_at", "id"],
                condition=Q(status="submitted"),
                name="case_queue",
            ),
            models.Index(fields=["community", "status"], name="case_community_status"),
            models.Index(fields=["front_office", "status"], name="case_front_office_status"),
            models.Index(fields=["back_office", "status"], name="case_back_office_status"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["applicant", "service_type"], name="case_applicant_service"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_in_review_has_assignee",
                condition=~Q(status__in=["in_review", "refusal_pending"]) | Q(assignee__isnull=False),
            ),
            models.CheckConstraint(
                name="case_decided_has_decision",
                condition=~Q(status__in=["decided", "closed"]) | ~Q(decision=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def awaits_information(self) -> bool:
        """The back office asked the front office for something; nothing is the reviewer's until it comes."""
        return self.status == self.Status.NEEDS_INFO

    @property
    def refusal_awaits_approval(self) -> bool:
        """A specialist proposed a refusal; it is not a decision until the head approves it."""
        return self.status == self.Status.REFUSAL_PENDING

    @property
    def package_documents(self) -> list:
        """Its own documents and those it shares with the other cases of its application (cases.checklist)."""
        from cases.checklist import documents_for

        return documents_for(self)


class CaseNumberSequence(models.Model):
    """The last case number given per community and year; locked while a number is taken."""

    community = models.ForeignKey("cases.Community", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "year"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.year}: {self.last}"


class CaseEvent(models.Model):
    """One line of a case's timeline. Append-only: written by the transition services, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Case.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for a write, so a repeated request returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    action = models.CharField(max_length=30)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"


class InfoRequest(models.Model):
    """The back office asking the front office for what is missing; answered by a resubmission."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="info_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("message"))
    items = models.ManyToManyField("cases.ChecklistItem", blank=True, related_name="+", verbose_name=_("missing"))
    created_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.message[:40]}"


class InboxMessage(models.Model):
    """An entry in a front office's in-app inbox: the back office needs something, or a case was decided."""

    class Kind(models.TextChoices):
        NEEDS_INFO = "needs_info", _("Information requested")
        DECIDED = "decided", _("Decision made")
        INTAKE_REJECTED = "intake_rejected", _("Intake rejected")

    front_office = models.ForeignKey("cases.FrontOffice", on_delete=models.CASCADE, related_name="inbox")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inbox_messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["front_office", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"


class AccessLogEntry(models.Model):
    """Who looked at which of an applicant's files, and when (docs/product.md §8; shown to supervisors and heads)."""

    at = models.DateTimeField(default=clock.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_log")
    what = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["case", "at"], name="access_log_case_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.what} {self.case_id}"
