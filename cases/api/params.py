"""Query parameters that name an object by id: one schema and one check for every view that takes them.

An id is a whole number from 1 to the largest the database keeps (BigAutoField); anything else — a word, an empty
value, a repeated parameter, a number no row can have — is a 400 naming the parameter, never a server error and
never silently "no filter". An id that is well-formed but not among those the user may see is the view's 404.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def id_parameter(name: str, *, description: str = "", required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, ID_SCHEMA, required=required, description=description)


def query_id(request, name: str, *, required: bool = False) -> int | None:
    """``?name=<id>`` as an int, None when absent (and not required); a 400 otherwise."""
    values = request.query_params.getlist(name)
    if not values and not required:
        return None
    raw = values[0] if len(values) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID):
        raise ValidationError({name: [_("Give the id: a whole number from 1.")]})
    return int(raw)
