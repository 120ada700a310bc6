from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = _("Renewals of fixed-term benefits")

    def ready(self) -> None:
        from renewals import receivers  # noqa: F401  (terms of grants, the registries' answers, the robot's verdict)
