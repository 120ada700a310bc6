from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.validators import validate_katottg


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, never from flags on the user
    (``is_staff`` only opens the Django admin for catalog and organisation data)."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Region(models.Model):
    """An oblast: the level the ministry reports fees by."""

    code = models.CharField(_("KATOTTG code"), max_length=19, unique=True, validators=[validate_katottg])
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class BackOffice(models.Model):
    """A district social-protection department: decides the cases of the communities it serves."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="back_offices", verbose_name=_("region"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("back office")
        verbose_name_plural = _("back offices")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A hromada. Its front offices take intakes; the ministry owes it a fee for each; its back office decides."""

    katottg = models.CharField(_("KATOTTG code"), max_length=19, unique=True, validators=[validate_katottg])
    name = models.CharField(_("name"), max_length=200)
    back_office = models.ForeignKey(
        BackOffice, on_delete=models.PROTECT, related_name="communities", verbose_name=_("back office")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class FrontOffice(models.Model):
    """An intake point of a community: its administrative service centre (CNAP) or a remote workplace."""

    class Kind(models.TextChoices):
        CNAP = "cnap", _("Administrative service centre")
        REMOTE = "remote", _("Remote workplace")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CNAP)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="front_offices", verbose_name=_("community")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    scan_inbox = models.CharField(
        _("scan inbox folder"),
        max_length=500,
        blank=True,
        help_text=_("Folder a network scanner writes to; empty means var/scan-inbox/<code>/."),
    )

    class Meta:
        ordering = ["community__name", "name"]
        verbose_name = _("front office")
        verbose_name_plural = _("front offices")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A role a user holds in one place: the unit of access. One person may hold several."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Front-office clerk")
        SUPERVISOR = "supervisor", _("Community supervisor")
        SPECIALIST = "specialist", _("Back-office specialist")
        HEAD = "head", _("Back-office head")
        ACCOUNTANT = "accountant", _("Ministry accountant")
        MINISTRY_ADMIN = "ministry_admin", _("Ministry administrator")

    FRONT_OFFICE_ROLES = (Role.CLERK,)
    COMMUNITY_ROLES = (Role.SUPERVISOR,)
    BACK_OFFICE_ROLES = (Role.SPECIALIST, Role.HEAD)
    MINISTRY_ROLES = (Role.ACCOUNTANT, Role.MINISTRY_ADMIN)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    front_office = models.ForeignKey(
        FrontOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    back_office = models.ForeignKey(
        BackOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Each role is held in exactly the kind of place it belongs to.
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role="clerk", front_office__isnull=False, community__isnull=True, back_office__isnull=True)
                    | Q(role="supervisor", front_office__isnull=True, community__isnull=False, back_office__isnull=True)
                    | Q(
                        role__in=["specialist", "head"],
                        front_office__isnull=True,
                        community__isnull=True,
                        back_office__isnull=False,
                    )
                    | Q(
                        role__in=["accountant", "ministry_admin"],
                        front_office__isnull=True,
                        community__isnull=True,
                        back_office__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "front_office"],
                condition=Q(front_office__isnull=False),
                name="membership_unique_front_office",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=Q(community__isnull=False),
                name="membership_unique_community",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "back_office"],
                condition=Q(back_office__isnull=False),
                name="membership_unique_back_office",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(front_office__isnull=True, community__isnull=True, back_office__isnull=True),
                name="membership_unique_ministry",
            ),
        ]

    def __str__(self) -> str:
        place = self.front_office or self.community or self.back_office or _("Ministry")
        return f"{self.user} · {self.get_role_display()} · {place}"
