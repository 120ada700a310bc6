from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.validators import (
    unzr_birth_date,
    validate_id_card,
    validate_passport_booklet,
    validate_printable,
    validate_rnokpp,
    validate_rnokpp_matches_birth_date,
    validate_unzr,
)


class Applicant(models.Model):
    """A person applying for a benefit. One per RNOKPP; a person without one is identified by passport."""

    class PassportKind(models.TextChoices):
        BOOKLET = "booklet", _("Passport booklet")
        ID_CARD = "id_card", _("ID card")

    last_name = models.CharField(_("last name"), max_length=100, validators=[validate_printable])
    first_name = models.CharField(_("first name"), max_length=100, validators=[validate_printable])
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True, validators=[validate_printable])
    birth_date = models.DateField(_("date of birth"))
    rnokpp = models.CharField(
        _("RNOKPP"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_rnokpp],
        help_text=_("Taxpayer number. A person may lawfully have none (religious refusal): then give the passport."),
    )
    unzr = models.CharField(_("UNZR"), max_length=14, blank=True, validators=[validate_unzr])
    passport_kind = models.CharField(_("document"), max_length=10, choices=PassportKind.choices, blank=True)
    passport_number = models.CharField(_("document number"), max_length=9, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True, validators=[validate_printable])
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_printable])
    registered_at = models.ForeignKey(
        "cases.FrontOffice",
        on_delete=models.PROTECT,
        related_name="registered_applicants",
        verbose_name=_("registered at"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered"), default=clock.now)

    class Meta:
        ordering = ["last_name", "first_name", "birth_date"]
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.CheckConstraint(
                name="applicant_has_rnokpp_or_passport",
                condition=Q(rnokpp__isnull=False) | ~Q(passport_number=""),
            ),
            models.UniqueConstraint(
                fields=["passport_kind", "passport_number"],
                condition=~Q(passport_number=""),
                name="applicant_unique_passport",
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name", "birth_date"], name="applicant_name_birth")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.rnokpp:
            try:
                validate_rnokpp(self.rnokpp)
                if self.birth_date:
                    validate_rnokpp_matches_birth_date(self.rnokpp, self.birth_date)
            except ValidationError as e:
                errors.setdefault("rnokpp", []).extend(e.error_list)
        elif not self.passport_number:
            errors.setdefault("passport_number", []).append(
                ValidationError(_("Give the RNOKPP or, if the person has none, the passport."), code="identity")
            )
        if self.passport_number:
            try:
                if self.passport_kind == self.PassportKind.BOOKLET:
                    validate_passport_booklet(self.passport_number)
                elif self.passport_kind == self.PassportKind.ID_CARD:
                    validate_id_card(self.passport_number)
                else:
                    raise ValidationError(_("Say which document this number is from."), code="passport_kind")
            except ValidationError as e:
                errors.setdefault("passport_number", []).extend(e.error_list)
        if self.unzr and self.birth_date:
            try:
                validate_unzr(self.unzr)
                if unzr_birth_date(self.unzr) != self.birth_date:
                    raise ValidationError(_("The UNZR does not match the date of birth."), code="unzr_birth_date")
            except ValidationError as e:
                errors.setdefault("unzr", []).extend(e.error_list)
        if self.birth_date and self.birth_date > clock.today():
            errors.setdefault("birth_date", []).append(
                ValidationError(_("The date of birth is in the future."), code="birth_date_future")
            )
        if errors:
            raise ValidationError(errors)
