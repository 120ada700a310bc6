from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as Base


def _whole_number(request, name: str, *, low: int, high: int | None, message) -> int | None:
    """The query parameter ``name`` as one whole number in [low, high], None when absent; anything else (a word,
    an empty value, a repeated parameter, out of range) is a 400 naming the parameter — never silently the default."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    raw = values[0]
    if len(values) > 1 or not raw.isascii() or not raw.isdigit():
        raise ValidationError({name: [message]})
    number = int(raw)
    if number < low or (high is not None and number > high):
        raise ValidationError({name: [message]})
    return number


class PageNumberPagination(Base):
    """Pages of ``page_size`` items (default 50, at most 500). ``page`` and ``page_size`` are whole numbers; a bad
    one is a 400 with the parameter named, a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def get_page_size(self, request):
        size = _whole_number(
            request,
            self.page_size_query_param,
            low=1,
            high=self.max_page_size,
            message=_("A whole number from 1 to %(max)d.") % {"max": self.max_page_size},
        )
        return self.page_size if size is None else size

    def get_page_number(self, request, paginator):
        number = _whole_number(request, self.page_query_param, low=1, high=None, message=_("A whole number from 1 on."))
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


def page_parameters():
    """``page`` and ``page_size`` for function views that paginate by hand (what the class-based lists get from
    ``get_schema_operation_parameters``)."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="A page number, from 1."),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
            description="Items per page (default 50, at most 500).",
        ),
    ]


def paginated(serializer_class, name: str):
    """The schema of a page of ``serializer_class`` items, for function views the schema generator cannot see
    paginating (``{"count", "next", "previous", "results"}``)."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
