from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontofficeConfig(AppConfig):
    name = "frontoffice"
    verbose_name = _("Front office")

    def ready(self) -> None:
        from cases.areas import Area, area_register
        from frontoffice.batches import resumable

        resumable.register()  # scanned stacks by tus (the uploads app stores what it is told to)
        from frontoffice.prescreen import connect_catalogue_signals

        connect_catalogue_signals()

        area_register(
            Area(
                url_name="frontoffice:home",
                label=_("Front office"),
                order=10,
                shown=lambda access: access.is_front,
                home=lambda access: access.is_front,
            )
        )
