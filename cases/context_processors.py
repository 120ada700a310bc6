from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.access import access_for


def navigation(request) -> dict:
    """The areas the signed-in user may open, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    areas = []
    if access.is_front:
        areas.append((reverse("frontoffice:home"), _("Front office")))
    if access.is_back:
        areas.append((reverse("backoffice:home"), _("Back office")))
    if access.is_ministry or access.supervisor_community_ids:
        areas.append((reverse("payments:home"), _("Fees")))
    if access.supervisor_community_ids or access.head_back_office_ids:
        areas.append((reverse("access-log"), _("Access log")))
    return {"access": access, "nav_areas": areas}
