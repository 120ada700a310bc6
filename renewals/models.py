"""The term of a fixed-term grant, and the renewal the product opens before it ends (docs/renewals.md).

Both live here, not in the kernel: a case knows nothing of terms; the renewals app records the term when a grant of a
fixed-term service is decided (``renewals.services.grant_term_record``) and opens the next case from it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock


class GrantTerm(models.Model):
    """The days a granted fixed-term benefit runs, ``starts`` to ``ends`` inclusive, for ``months`` months.

    A first grant runs from its filing date; a renewal from the day after the term it renews ends."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="grant_term", verbose_name=_("case")
    )
    service = models.CharField(_("service"), max_length=40)
    starts = models.DateField(_("term starts"))
    ends = models.DateField(_("term ends"))
    months = models.PositiveSmallIntegerField(_("months"))
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["ends", "case_id"]
        verbose_name = _("term of a grant")
        verbose_name_plural = _("terms of grants")
        indexes = [models.Index(fields=["ends"], name="grant_term_ends")]
        constraints = [
            models.CheckConstraint(name="grant_term_order", condition=models.Q(ends__gte=models.F("starts"))),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.starts}…{self.ends}"


class Renewal(models.Model):
    """A grant (``previous``) and the case the system opened to renew it (``case``, channel ``renewal``).

    One per grant, ever (the unique ``previous``): running the job twice opens one renewal. Where it stands is read
    from the case (a draft while the registries answer, then the robot's or a person's decision); what is kept here
    is what only the renewal knows: when it went to people, what the person must bring, and how they were told.
    """

    class Told(models.TextChoices):
        MESSAGE = "message", _("By a message")
        FRONT_OFFICE = "front_office", _("Through the front office (no consent to messages)")

    previous = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="renewal", verbose_name=_("renews")
    )
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="renewal_of", verbose_name=_("renewal case")
    )
    opened_at = models.DateTimeField(_("opened"), default=clock.now)
    needs_person_at = models.DateTimeField(_("passed to people"), null=True, blank=True)
    reason = models.CharField(_("why a person decides"), max_length=300, blank=True)
    what_to_bring = models.JSONField(_("what to bring"), default=list, blank=True, help_text=_("Document type codes."))
    told = models.CharField(_("the person was told"), max_length=20, choices=Told.choices, blank=True)
    message = models.ForeignKey(
        "notifications.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        indexes = [
            models.Index(
                fields=["told", "needs_person_at"], name="renewal_needs_person", condition=models.Q(told="front_office")
            )
        ]

    def __str__(self) -> str:
        return f"{self.previous_id} → {self.case_id}"
