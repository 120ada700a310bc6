from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back office")

    def ready(self) -> None:
        from cases.areas import Area, area_register

        area_register(
            Area(
                url_name="backoffice:home",
                label=_("Back office"),
                order=20,
                shown=lambda access: access.is_back,
                home=lambda access: access.is_back,
            )
        )
