"""The registries catalogue (data, edited in the admin) and every question asked of a registry (docs/registries.md).

A ``RegistryQuery`` is the record of one question: the database, not the broker, says what is pending. Its rows are
never deleted or re-used: asking again makes a new row, so the list of queries is the history of who looked at a
person's data, with the proof (query id and request hash) the exchange gave.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models.catalog import translated


class Registry(models.Model):
    """A state registry reached through the exchange, with the identifier of its service and what it stands in for.

    The service identifier is ``<instance>/<member class>/<member code>/<subsystem>/<service code>[/<version>]`` as
    published in the exchange's catalogue; ``stands_for`` are the document types an answer replaces in a package.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=40, help_text=_("As clerks say it, e.g. ДРАЦС."))
    instance = models.CharField(_("instance"), max_length=40, default="SEVDEIR-TEST")
    member_class = models.CharField(_("member class"), max_length=10, default="GOV")
    member_code = models.CharField(_("member code (ЄДРПОУ)"), max_length=20)
    subsystem = models.CharField(_("subsystem"), max_length=60)
    service_code = models.CharField(_("service code"), max_length=60)
    service_version = models.CharField(_("service version"), max_length=20, blank=True)
    purpose_id = models.CharField(_("purpose id"), max_length=100)
    answer_due_working_days = models.PositiveSmallIntegerField(_("answer due in, working days"), default=5)
    enabled = models.BooleanField(_("enabled"), default=True)
    stands_for = models.ManyToManyField(
        "cases.DocumentType", blank=True, related_name="registries", verbose_name=_("an answer stands in for")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("registry")
        verbose_name_plural = _("registries")

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def name(self) -> str:
        return translated(self, "name")

    @property
    def service_id_parts(self) -> list[str]:
        parts = [self.instance, self.member_class, self.member_code, self.subsystem, self.service_code]
        return [*parts, self.service_version] if self.service_version else parts

    @property
    def service_id(self) -> str:
        return "/".join(self.service_id_parts)


class RegistryQueryQuerySet(models.QuerySet):
    def for_case(self, case) -> "RegistryQueryQuerySet":
        """The queries whose answer serves ``case``: those of its application (one question for every case of the
        visit) and, for rows from before applications shared them, those asked for the case itself."""
        q = models.Q(case_id=case.pk)
        if case.application_id is not None:
            q |= models.Q(application_id=case.application_id)
        return self.filter(q)


class RegistryQuery(models.Model):
    """One question to one registry about one person, for an application's cases (or at the desk), with its answer
    and proof.

    A query asked for an application (``application``) serves every case of it: a second case needing the same
    registry about the same subject (``subject_key``) reuses a pending or fresh answer instead of asking again
    (``registries.services.registry_queries_for_new_case``). ``case`` is the case it was first asked for, if any.

    queued → sent → answered | not_found | failed | overdue. ``sent`` rows are claimed with a fresh ``attempt_token``;
    an answer is applied only by the attempt that holds the token (compare-and-set), so a query sent twice after a
    worker died is answered once. A late or missing answer never extends a deadline or refuses anything.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        NOT_FOUND = "not_found", _("Not found")
        FAILED = "failed", _("Failed")
        OVERDUE = "overdue", _("Overdue")

    class Trigger(models.TextChoices):
        CASE_OPEN = "case_open", _("Case opened")
        MANUAL = "manual", _("Asked again")
        DESK_CHECK = "desk_check", _("Check at the desk")
        RENEWAL = "renewal", _("Renewal of a fixed-term benefit")
        PRESCREEN = "prescreen", _("Pre-screening at the desk")

    PENDING = (Status.QUEUED, Status.SENT)
    FINISHED = (Status.ANSWERED, Status.NOT_FOUND, Status.FAILED, Status.OVERDUE)

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="queries")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="registry_queries"
    )
    application = models.ForeignKey(
        "cases.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="registry_queries"
    )
    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="registry_queries")
    # A keyed hash of the identifier asked about (``services.subject_key``): an answer is reused only for the same
    # identifier, so a corrected RNOKPP asks again and an answer about the old one is never attached.
    subject_key = models.CharField(max_length=64, blank=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=100)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.CASE_OPEN)
    # Who asked: a person (the clerk who opened the case, or asked again) or, when empty, the system.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The office on whose behalf it was asked (shown to the person: "who looked at my data").
    front_office = models.ForeignKey(
        "cases.FrontOffice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_token = models.UUIDField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)
    asked_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A queued row is (re)sent once this has passed: the backoff after a transient failure.
    next_attempt_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateField(_("answer due"))
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    answer = models.JSONField(null=True, blank=True, help_text="The normalised answer (only when answered).")
    # Proof: our query id (the same on every attempt: the exchange logs it) and the request hash.
    query_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request_hash = models.CharField(max_length=200, blank=True)
    dialect = models.CharField(max_length=10, blank=True)
    documents = models.ManyToManyField("cases.Document", blank=True, related_name="registry_queries")

    objects = RegistryQueryQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("registry query")
        verbose_name_plural = _("registry queries")
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="regquery_pending",
                condition=models.Q(status__in=["queued", "sent"]),
            ),
            models.Index(fields=["registry", "answered_at"], name="regquery_registry_answered"),
            models.Index(fields=["case", "registry"], name="regquery_case_registry"),
            models.Index(fields=["applicant", "asked_at"], name="regquery_applicant"),
            models.Index(fields=["application", "registry"], name="regquery_application_registry"),
        ]

    def __str__(self) -> str:
        return f"{self.registry_id}:{self.query_id} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def is_answered(self) -> bool:
        return self.status == self.Status.ANSWERED

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OVERDUE

    @property
    def is_not_found(self) -> bool:
        return self.status == self.Status.NOT_FOUND

    @property
    def needs_paper(self) -> bool:
        """Not found, failed or overdue: the registry will not stand in; the paper certificate is the fallback."""
        return self.status in (self.Status.NOT_FOUND, self.Status.FAILED, self.Status.OVERDUE)


class DeskCheck(models.Model):
    """What the clerk typed compared with ЄДДР and РТГ while the person was still at the desk, kept on the case.

    ``differences`` is a list of ``{"field", "typed", "registry", "source"}``; empty means everything matched.
    ``unavailable`` names the registries that did not answer (a check that could not be made is not a match).
    """

    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="desk_checks")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="desk_checks")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=clock.now)
    differences = models.JSONField(default=list)
    unavailable = models.JSONField(default=list)
    queries = models.ManyToManyField(RegistryQuery, blank=True, related_name="+")

    class Meta:
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("check at the desk")
        verbose_name_plural = _("checks at the desk")

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.checked_at:%Y-%m-%d %H:%M} {len(self.differences)}"
