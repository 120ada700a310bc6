from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    """State registries asked through the exchange gateway (Trembita / X-Road); between the kernel and the offices."""

    name = "registries"
    verbose_name = _("Registries")

    def ready(self) -> None:
        from cases.areas import Area, area_register
        from cases.models import Membership

        area_register(
            Area(
                url_name="registries:health",
                label=_("Registries"),
                order=90,  # after the offices' own areas: a panel the head and the ministry admin look at
                shown=lambda access: (
                    bool(access.head_back_office_ids) or Membership.Role.MINISTRY_ADMIN in access.ministry_roles
                ),
                home=lambda access: False,
            )
        )
