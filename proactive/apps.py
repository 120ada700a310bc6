from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProactiveConfig(AppConfig):
    name = "proactive"
    verbose_name = _("Proactive offers")

    def ready(self) -> None:
        from cases.areas import Area, area_register
        from proactive import receivers  # noqa: F401 - connects the registry-answer receiver

        area_register(
            Area(
                url_name="proactive:list",
                label=_("Offers"),
                order=15,
                shown=lambda access: bool(access.clerk_community_ids),
                home=lambda access: False,
            )
        )
        area_register(
            Area(
                url_name="proactive:dashboard",
                label=_("Channels"),
                order=35,
                shown=lambda access: access.is_ministry,
                home=lambda access: False,
            )
        )
