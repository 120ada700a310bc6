from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments to communities")

    def ready(self) -> None:
        from cases.areas import Area, area_register

        # Supervisors see their community's statements from the header; the ministry lands here.
        area_register(
            Area(
                url_name="payments:home",
                label=_("Fees"),
                order=30,
                shown=lambda access: access.is_ministry or bool(access.supervisor_community_ids),
                home=lambda access: access.is_ministry,
            )
        )
