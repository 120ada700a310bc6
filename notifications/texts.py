"""The words of each message, in the applicant's language. Short: one SMS segment where the facts allow."""

from django.utils import translation
from django.utils.translation import gettext as _

TEMPLATES = (
    "submitted",
    "info_requested",
    "decided",
    "status_code",
    "remote_link",
    "proactive_offer",
    "renewal_needs_person",
)


def render(template: str, language: str, context: dict) -> str:
    with translation.override(language):
        if template == "submitted":
            text = _("Hromada: application %(number)s accepted (%(service)s). Decision by %(due)s. Status: %(url)s")
        elif template == "info_requested":
            text = _(
                "Hromada: application %(number)s needs more documents: %(missing)s. "
                "Send photos by %(until)s: %(link)s or bring them to %(office)s."
            )
        elif template == "decided":
            text = _(
                "Hromada: application %(number)s is decided: %(decision)s. The decision notice is ready to collect "
                "at %(office)s and to download at %(url)s"
            )
        elif template == "remote_link":
            text = _(
                "Hromada: %(office)s is preparing your application (%(service)s). "
                "Send photos of your documents by %(until)s: %(link)s"
            )
        elif template == "proactive_offer":
            text = _(
                "Hromada: you may be entitled to %(service)s (%(reason)s). "
                "To apply without visiting an office, agree by %(until)s: %(link)s"
            )
        elif template == "renewal_needs_person":
            text = _(
                "Hromada: %(service)s is paid until %(ends)s. To renew it without a break, bring to %(office)s: "
                "%(what)s (case %(number)s)."
            )
        elif template == "status_code":
            text = _("Hromada: your code is %(code)s. It is valid for %(minutes)s minutes. Do not tell it to anyone.")
        else:
            raise ValueError(template)
        return text % context
