from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    """State registries asked through the exchange gateway (Trembita / X-Road); between the kernel and the offices."""

    name = "registries"
    verbose_name = _("Registries")
