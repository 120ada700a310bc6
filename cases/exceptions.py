"""Named domain errors. Services raise them; the UI shows ``message``, the API answers ``status`` with
``{"code", "detail"}``. 409: the state, the holder or the role does not allow it. 400: the input is wrong. 401: a
credential (a one-time code) that signs nobody in."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 409
    default_message = _("This action is not allowed now.")

    def __init__(self, message=None, **extra):
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(str(self.message))


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    default_message = _("The case is not in a state that allows this.")


class NotPermitted(DomainError):
    code = "not_permitted"
    default_message = _("Your role does not allow this action on this case.")


class SeparationOfDuties(NotPermitted):
    code = "separation_of_duties"
    default_message = _("The same person may not both propose and approve this.")


class CaseHeldByAnother(DomainError):
    code = "case_held_by_another"
    default_message = _("Another specialist is working on this case.")


class ChecklistIncomplete(DomainError):
    code = "checklist_incomplete"
    default_message = _("The package is incomplete: some checklist items have no documents yet.")


class PagesNotReady(DomainError):
    code = "pages_not_ready"
    default_message = _("Some pages are still processing or failed; wait for them or remove them.")


class PackageNotAccepted(DomainError):
    code = "package_not_accepted"
    default_message = _("Accept the package as complete before deciding.")


class DuplicateOpenCase(DomainError):
    code = "duplicate_open_case"
    default_message = _("The applicant already has an open case for this service; give a reason to open another.")


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400
    default_message = _("The request is not valid.")


class FileRejected(InvalidInput):
    code = "file_rejected"
    default_message = _("This file cannot be accepted.")


class DuplicateFile(InvalidInput):
    code = "duplicate_file"
    default_message = _("This file is already in the case.")


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = _("Too many requests; try again later.")


class InvalidCode(DomainError):
    """A one-time code that signs nobody in: the API answers 401 with a challenge for the token it would give."""

    code = "invalid_code"
    status = 401
    www_authenticate = "Bearer"
    default_message = _("The code is wrong or no longer valid. Ask for a new code.")


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 404
    default_message = _("This link is not valid.")


class ServiceChosenTwice(InvalidInput):
    code = "service_chosen_twice"
    default_message = _("The same service is chosen twice in one application.")


class BundleNotAllowed(InvalidInput):
    code = "bundle_not_allowed"
    default_message = _("This person may not apply for this bundle of services.")


class DocumentTypeNotNeeded(InvalidInput):
    code = "document_type_not_needed"
    default_message = _("No service of this application needs a document of this type.")
