"""API errors. Domain errors: ``{"code", "detail"}`` with their status (409 state/role/holder, 400 input, 401 a
credential that signs nobody in, with its ``WWW-Authenticate`` challenge).
Validation errors (DRF's or a service's Django ``ValidationError``): 400 ``{field: [messages]}``, as DRF does.
Other DRF errors (401, 403, 404, 405, 429) keep ``detail`` and gain a ``code``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.exceptions import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": str(exc.message)}
        body.update({k: v for k, v in exc.extra.items() if isinstance(v, str | int | list)})
        headers = {"WWW-Authenticate": exc.www_authenticate} if getattr(exc, "www_authenticate", "") else None
        return Response(body, status=exc.status, headers=headers)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError) or not isinstance(response.data, dict):
        return response
    # Django's Http404 and PermissionDenied reach here as themselves; DRF answers them as NotFound/PermissionDenied.
    code = getattr(exc, "default_code", None) or STATUS_CODES.get(response.status_code, "error")
    response.data.setdefault("code", code)
    return response


STATUS_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}
