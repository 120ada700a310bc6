from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def translated(obj: models.Model, field: str) -> str:
    """``obj.<field>_<lang>`` for the active language, falling back to Ukrainian."""
    lang = (get_language() or "uk")[:2]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_uk")


class DocumentType(models.Model):
    """A kind of document a package may hold: application form, passport, income certificate, …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["name_uk"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


class ServiceType(models.Model):
    """A social benefit a person can apply for, with its legal basis, deadline and required documents."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    decision_days = models.PositiveSmallIntegerField(_("decision deadline, days"), default=10)
    decision_in_working_days = models.BooleanField(_("deadline counts working days"), default=True)
    refusal_needs_approval = models.BooleanField(
        _("refusal needs the head's approval"),
        default=True,
        help_text=_("Four eyes: a specialist's refusal waits for the head of the back office."),
    )
    pause_clock_on_info_request = models.BooleanField(
        _("decision clock pauses while waiting for documents"), default=True
    )

    class DecisionMode(models.TextChoices):
        MANUAL = "manual", _("Manual: a person decides")
        AUTOMATIC = "automatic", _("Automatic: the robot grants when every condition passes")

    decision_mode = models.CharField(
        _("decision mode"),
        max_length=10,
        choices=DecisionMode.choices,
        default=DecisionMode.MANUAL,
        help_text=_(
            "Automatic: the robot grants a case whose every condition passes on registry facts; never refuses."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


class ChecklistItem(models.Model):
    """One line of a service's checklist: documents of any of its types, with at least ``min_pages`` pages."""

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("service type")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    document_types = models.ManyToManyField(
        DocumentType, related_name="checklist_items", verbose_name=_("document types (any one satisfies)")
    )
    min_pages = models.PositiveSmallIntegerField(_("minimum pages"), default=1)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["service_type", "position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        own = translated(self, "title")
        if own:
            return own
        # Without a title of its own, an item is named by its document types ("Passport / ID card").
        return " / ".join(t.name for t in self.document_types.all())


class RefusalGround(models.Model):
    """A legal ground on which a service may be refused; a refusal must cite at least one."""

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="refusal_grounds", verbose_name=_("service type")
    )
    code = models.SlugField(_("code"), max_length=40)
    text_uk = models.CharField(_("text (Ukrainian)"), max_length=500)
    text_ru = models.CharField(_("text (Russian)"), max_length=500, blank=True)
    text_en = models.CharField(_("text (English)"), max_length=500, blank=True)

    class Meta:
        ordering = ["service_type", "code"]
        verbose_name = _("refusal ground")
        verbose_name_plural = _("refusal grounds")
        constraints = [models.UniqueConstraint(fields=["service_type", "code"], name="refusal_ground_unique_code")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return translated(self, "text")


class Holiday(models.Model):
    """A public holiday: not a working day for deadlines counted in working days."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name}".strip()
