from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination as Base


class PageNumberPagination(Base):
    """Pages of ``page_size`` items (default 50, at most 500)."""

    page_size_query_param = "page_size"
    max_page_size = 500


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
