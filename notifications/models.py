"""The outbox: every message to an applicant, and the contacts they agreed to be reached at."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    VIBER = "viber", _("Viber (SMS if not delivered)")
    EMAIL = "email", _("E-mail")


class Contact(models.Model):
    """How an applicant agreed to be told about their cases. The phone is stored in E.164 (+380…), checked with
    ``phonenumbers``; nothing is sent without ``consent_at``, and nothing after ``opted_out_at``."""

    applicant = models.OneToOneField(
        "cases.Applicant", on_delete=models.CASCADE, related_name="contact", verbose_name=_("applicant")
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="uk")
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("applicant contact")
        verbose_name_plural = _("applicant contacts")
        indexes = [models.Index(fields=["phone"], name="contact_phone")]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.channel}"

    @property
    def reachable(self) -> bool:
        return self.consent_at is not None and self.opted_out_at is None


class Message(models.Model):
    """One message in the outbox. Append-only: the text, recipient and channel are written once; only the
    delivery fields move forward (queued → sent → delivered | failed). The row is the record of what is pending:
    a queued message whose nudge was lost is sent again by the sweeper."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="messages", verbose_name=_("case")
    )
    # The timeline event that called for it: one message per event, however often the receiver runs.
    event = models.ForeignKey("cases.CaseEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipient = models.CharField(_("to"), max_length=254)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=5, default="uk")
    text = models.TextField(_("text"))
    # One-time codes: never shown to staff, and pointless once they expire.
    secret = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    # When sending was last asked for; a queued message long past this never reached a worker.
    queued_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(event__isnull=False), name="message_one_per_event")
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="message_case_created"),
            models.Index(fields=["queued_at"], name="message_queued", condition=Q(status="queued")),
            models.Index(fields=["sent_at"], name="message_sent", condition=Q(status="sent")),
        ]

    def __str__(self) -> str:
        return f"{self.template} {self.channel} {self.status}"
