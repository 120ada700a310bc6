"""API errors. Domain errors: ``{"code", "detail"}`` with their status (409 state/role/holder, 400 input).
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
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and isinstance(exc, exceptions.APIException)
        and not isinstance(exc, exceptions.ValidationError)
        and isinstance(response.data, dict)
    ):
        response.data.setdefault("code", exc.default_code)
    return response
