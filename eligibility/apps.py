from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = _("Automatic decisions")

    def ready(self) -> None:
        from eligibility import receivers  # noqa: F401  (connects the robot's triggers)
