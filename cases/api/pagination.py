from rest_framework.pagination import PageNumberPagination as Base


class PageNumberPagination(Base):
    """Pages of ``page_size`` items (default 50, at most 500)."""

    page_size_query_param = "page_size"
    max_page_size = 500
