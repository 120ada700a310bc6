from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How an application and its cases came in."""

    IN_PERSON = "in_person", _("In person")
    REMOTE = "remote", _("Remote")
    # Opened from a registry event after the person accepted an offer, and a fixed-term benefit's renewal opened by
    # the product before the term ends.
    PROACTIVE = "proactive", _("Proactive")
    RENEWAL = "renewal", _("Renewal")
