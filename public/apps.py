from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = _("Applicant's status page")

    def ready(self) -> None:
        from notifications.services import register_context
        from public.links import info_request_link_context

        register_context("info_requested", info_request_link_context)
