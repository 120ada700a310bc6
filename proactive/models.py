"""Registry events read from the feed, the cursor that reads it, consent to proactive informing, and the offers made
from the events (docs/proactive.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock


class FeedCursor(models.Model):
    """Where the reader of one feed stands: the feed's sequence number of the last event stored. Moved in the same
    transaction that stores the events, so a killed worker re-reads exactly what it had not committed."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)
    last_error = models.CharField(max_length=300, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("feed cursor")
        verbose_name_plural = _("feed cursors")

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class RegistryEvent(models.Model):
    """One event of the feed, stored once (unique by the feed's event id: the same event delivered twice is one row).

    ``status``: ``processed`` (offers were looked for; ``offers`` made from it), or ``skipped`` with the reason
    (``unknown_person``, ``garbage``, ``duplicate``, ``out_of_order``, ``nothing_to_offer``)."""

    class Type(models.TextChoices):
        BIRTH = "birth_registered", _("Birth registered (ДРАЦС)")
        RESIDENCE = "residence_registered", _("Residence registered")
        DISABILITY = "disability_established", _("Disability established")
        PENSION = "pension_started", _("Pension started")
        UNKNOWN = "unknown", _("Not understood")

    class Status(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        SKIPPED = "skipped", _("Skipped")

    feed_id = models.CharField(_("event id"), max_length=100, unique=True)
    seq = models.BigIntegerField(_("feed position"))
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    rnokpp = models.CharField(max_length=10, blank=True)
    applicant = models.ForeignKey(
        "cases.Applicant", on_delete=models.PROTECT, null=True, blank=True, related_name="registry_events"
    )
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(_("received"), default=clock.now)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # The exchange's proof of the feed query that brought it.
    query_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["seq", "pk"]
        verbose_name = _("registry event")
        verbose_name_plural = _("registry events")
        indexes = [models.Index(fields=["applicant", "received_at"], name="regevent_applicant")]

    def __str__(self) -> str:
        return f"{self.seq} {self.type} {self.status}"


class ProactiveConsent(models.Model):
    """The person agreed to be told of measures they probably qualify for (proactive informing, Law No. 1689-IX),
    by message on their notifications contact. Without it, offers go to the front office's work list."""

    applicant = models.OneToOneField("cases.Applicant", on_delete=models.CASCADE, related_name="proactive_consent")
    given_at = models.DateTimeField(_("given"), default=clock.now)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent to proactive informing")
        verbose_name_plural = _("consents to proactive informing")

    def __str__(self) -> str:
        return f"{self.applicant_id} {'withdrawn' if self.withdrawn_at else 'given'}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class ProactiveOffer(models.Model):
    """A measure the person probably qualifies for, found from a registry event or the nightly sweep.

    detected → offered (a message with a link, or the work list) → accepted (consent: who, when, how; the
    application made) | declined (with the reason) | expired. Changed only through ``proactive.machine.OFFERS``."""

    class Status(models.TextChoices):
        DETECTED = "detected", _("Detected")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    class Via(models.TextChoices):
        MESSAGE = "message", _("Message to the person")
        WORK_LIST = "work_list", _("Front office's work list")

    class ConsentBy(models.TextChoices):
        APPLICANT = "applicant", _("The applicant")
        REPRESENTATIVE = "representative", _("A representative")

    class ConsentChannel(models.TextChoices):
        ONLINE = "online", _("Online (status page)")
        PHONE = "phone", _("By phone")
        VISIT = "visit", _("At a visit")
        OFFICE = "office", _("At the front office")

    OPEN = (Status.DETECTED, Status.OFFERED)

    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="proactive_offers")
    service_type = models.ForeignKey("cases.ServiceType", on_delete=models.PROTECT, related_name="+")
    # The community of residence whose front office works the offer (the applicant's).
    community = models.ForeignKey("cases.Community", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(RegistryEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="offers")
    source = models.CharField(max_length=10, default="event")  # "event" | "sweep"
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DETECTED)
    rules_version = models.CharField(_("rules version"), max_length=40, blank=True)
    explanation = models.JSONField(default=list, blank=True)  # the rule's conditions (as an evaluation keeps them)
    reason = models.CharField(_("why it is offered"), max_length=300)
    detected_at = models.DateTimeField(_("detected"), default=clock.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offered_via = models.CharField(max_length=10, choices=Via.choices, blank=True)
    expires_on = models.DateField(_("open until"))
    decided_at = models.DateTimeField(null=True, blank=True)
    consent_by = models.CharField(max_length=15, choices=ConsentBy.choices, blank=True)
    consent_channel = models.CharField(max_length=10, choices=ConsentChannel.choices, blank=True)
    consent_note = models.CharField(max_length=500, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("reason declined"), max_length=500, blank=True)
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="proactive_offers"
    )
    # The link in the message: only its SHA-256 is kept.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = _("proactive offer")
        verbose_name_plural = _("proactive offers")
        constraints = [
            # Never two offers of one service for one event, nor two open offers of one service for one person.
            models.UniqueConstraint(fields=["event", "service_type"], name="offer_one_per_event_service"),
            models.UniqueConstraint(
                fields=["applicant", "service_type"],
                condition=Q(status__in=["detected", "offered"]),
                name="offer_one_open_per_service",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="offer_community_status"),
            models.Index(fields=["detected_at"], name="offer_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.service_type_id} {self.status}"

    @property
    def end_reason(self) -> str:
        """Why the offer is closed to acceptance: the reason it was declined, or the day it expired."""
        if self.status == self.Status.DECLINED:
            return self.decline_reason
        if self.status == self.Status.EXPIRED:
            return str(_("Not accepted by %(date)s.") % {"date": self.expires_on.strftime("%d.%m.%Y")})
        return ""


class OfferEvent(models.Model):
    """One line of an offer's history. Append-only, written by the executor."""

    offer = models.ForeignKey(ProactiveOffer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("offer event")
        verbose_name_plural = _("offer events")

    def __str__(self) -> str:
        return f"{self.offer_id} {self.action}"
