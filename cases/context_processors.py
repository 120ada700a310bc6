from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.access import access_for
from cases.areas import areas_for


def navigation(request) -> dict:
    """The areas the signed-in user may open, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    areas = [(reverse(area.url_name), area.label) for area in areas_for(user)]  # registered by the office apps
    if access.supervisor_community_ids or access.head_back_office_ids:
        areas.append((reverse("access-log"), _("Access log")))
    return {"access": access, "nav_areas": areas}
