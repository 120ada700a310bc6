from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class CasesConfig(AppConfig):
    default = True  # this module also holds LoginThrottlingConfig: say which one "cases" means
    name = "cases"
    verbose_name = _("Cases (shared kernel)")


class LoginThrottlingConfig(AxesAppConfig):
    """django-axes under a name the admin can show in Ukrainian (the app label stays ``axes``: no migration)."""

    verbose_name = _("Login throttling")


# django-axes names its models and fields in English and ships no Ukrainian catalog. Its strings are listed here so
# that makemessages keeps their translations in ours (Django looks up every app's strings in one catalog).
AXES_STRINGS = (
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
)
