"""Named errors of the registries app, in the kernel's DomainError family (the API answers them with a code)."""

from django.utils.translation import gettext_lazy as _

from cases.exceptions import DomainError


class RegistryUnavailable(DomainError):
    code = "registry_unavailable"
    status = 400
    default_message = _("This registry cannot be asked (unknown or switched off).")


class NoIdentifier(DomainError):
    code = "no_identifier"
    status = 400
    default_message = _("The person has neither an RNOKPP nor a document number to ask a registry about.")
