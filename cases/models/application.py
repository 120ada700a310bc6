from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models.catalog import translated
from cases.models.channel import Channel as CaseChannel


class Bundle(models.Model):
    """A life event offered as one application (birth of a child, low income, …): the services it names, and who
    may apply for it. Catalog data, kept in the admin and loaded with the service catalog (``cases.catalog``)."""

    class Role(models.TextChoices):
        PARENT = "parent", _("A parent")
        BOTH_PARENTS = "both_parents", _("Both parents")
        GUARDIAN = "guardian", _("A guardian")
        ANY = "any", _("Anyone entitled")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    roles = models.JSONField(
        _("who may apply"), default=list, help_text=_("Codes of the roles allowed to apply: parent, both_parents, …")
    )
    min_applicant_age = models.PositiveSmallIntegerField(_("minimum age of the applicant"), default=18)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("bundle of services")
        verbose_name_plural = _("bundles of services")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


class BundleService(models.Model):
    """One service of a bundle. ``chosen_by_default`` services are ticked when the clerk picks the bundle; the others
    apply only where they apply (``applies_when``, in plain words), and the applicant chooses."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    service_type = models.ForeignKey("cases.ServiceType", on_delete=models.PROTECT, related_name="+")
    chosen_by_default = models.BooleanField(_("ticked by default"), default=True)
    applies_when = models.CharField(_("applies when"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["bundle", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["bundle", "service_type"], name="bundle_service_unique")]
        verbose_name = _("service of a bundle")
        verbose_name_plural = _("services of a bundle")

    def __str__(self) -> str:
        return f"{self.bundle_id}: {self.service_type_id}"


class Application(models.Model):
    """One visit of an applicant: the services they chose, each its own case with its own checklist, back office,
    deadline, decision and fee. Evidence scanned into the application counts for every case of it that needs it.

    ``number`` is the number of its first case with ``A`` before the sequence (``<KATOTTG>-<year>-A<seq>``): unique
    because case numbers are, and an application of one reads like its case. ``status`` is derived from the cases.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PARTLY_SUBMITTED = "partly_submitted", _("Partly submitted")
        SUBMITTED = "submitted", _("Submitted")

    number = models.CharField(_("number"), max_length=40, unique=True)
    applicant = models.ForeignKey(
        "cases.Applicant", on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    front_office = models.ForeignKey(
        "cases.FrontOffice", on_delete=models.PROTECT, related_name="applications", verbose_name=_("front office")
    )
    community = models.ForeignKey(
        "cases.Community", on_delete=models.PROTECT, related_name="applications", verbose_name=_("community")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CaseChannel.choices, default=CaseChannel.IN_PERSON)
    bundle = models.ForeignKey(
        Bundle, on_delete=models.PROTECT, null=True, blank=True, related_name="applications", verbose_name=_("bundle")
    )
    role = models.CharField(_("applies as"), max_length=20, choices=Bundle.Role.choices, blank=True)
    # The applicant's choice, as offered and as chosen (service codes), kept as it was at the desk.
    offered_services = models.JSONField(_("services offered"), default=list, blank=True)
    chosen_services = models.JSONField(_("services chosen"), default=list, blank=True)
    consent_at = models.DateTimeField(_("consent to process personal data given"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opened"), default=clock.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["applicant", "created_at"], name="application_applicant")]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def number_for(case_number: str) -> str:
        head, seq = case_number.rsplit("-", 1)
        return f"{head}-A{seq}"

    @property
    def status(self) -> str:
        """Draft while no case has gone; submitted when none is left in draft; partly submitted in between."""
        from cases.models.case import Case

        statuses = [c.status for c in self.cases.all()]
        drafts = sum(s == Case.Status.DRAFT for s in statuses)
        if drafts == len(statuses):
            return self.Status.DRAFT
        if drafts == 0:
            return self.Status.SUBMITTED
        return self.Status.PARTLY_SUBMITTED

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class ApplicationSignature(models.Model):
    """A person who signed the application: the applicant, and every other adult who must (the second parent of a
    bundle for both parents)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="signatures")
    full_name = models.CharField(_("full name"), max_length=300)
    rnokpp = models.CharField(_("RNOKPP"), max_length=10, blank=True)
    role = models.CharField(_("signs as"), max_length=20, choices=Bundle.Role.choices, blank=True)
    is_applicant = models.BooleanField(default=False)
    signed_at = models.DateTimeField(_("signed"), default=clock.now)

    class Meta:
        ordering = ["application", "-is_applicant", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return self.full_name
