"""/api/v1/ routes of the registries (issue 11's contract): the catalogue with health, a case's queries (and asking
again), and who looked at a person's data."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases.access import access_for
from cases.api.serializers import ErrorSerializer
from registries import selectors, services
from registries.serializers import (
    DataAccessSerializer,
    RegistryHealthSerializer,
    RegistryQueryAskSerializer,
    RegistryQuerySerializer,
)


def _staff(user) -> None:
    access = access_for(user)
    if not (access.is_front or access.is_back or access.is_ministry):
        raise NotFound()


@extend_schema(
    summary="The registries the product asks, with their health",
    responses={200: RegistryHealthSerializer(many=True)},
    tags=["registries"],
)
@api_view(["GET"])
def registry_list(request):
    _staff(request.user)
    return Response(RegistryHealthSerializer(selectors.registry_health(), many=True).data)


@extend_schema(
    methods=["GET"],
    summary="A case's registry queries, newest first",
    responses={200: RegistryQuerySerializer(many=True), 404: ErrorSerializer},
    tags=["registries"],
)
@extend_schema(
    methods=["POST"],
    summary="Ask a registry (again) for the case",
    description="202: the query is queued; its outcome appears in the list. 400 `registry_unavailable` or "
    "`no_identifier`.",
    request=RegistryQueryAskSerializer,
    responses={202: RegistryQuerySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    tags=["registries"],
)
@api_view(["GET", "POST"])
def case_registry_queries(request, pk: int):
    case = selectors.case_for_registries(user=request.user, pk=pk)
    if request.method == "POST":
        data = RegistryQueryAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        query = services.registry_query_ask(case=case, registry_code=data.validated_data["registry"], by=request.user)
        query.refresh_from_db()
        return Response(RegistryQuerySerializer(query).data, status=202)
    return Response(RegistryQuerySerializer(selectors.case_queries(case=case), many=True).data)


@extend_schema(
    summary="Who looked at the person's data: every registry query and every file view",
    responses={200: DataAccessSerializer, 404: ErrorSerializer},
    tags=["registries"],
)
@api_view(["GET"])
def applicant_data_access(request, pk: int):
    applicant, queries, views = selectors.applicant_data_access(user=request.user, pk=pk)
    return Response(
        DataAccessSerializer({"applicant": applicant.pk, "registry_queries": queries, "file_views": views}).data
    )


urlpatterns = [
    path("registries/", registry_list, name="api-registry-list"),
    path("cases/<int:pk>/registry-queries/", case_registry_queries, name="api-case-registry-queries"),
    path("applicants/<int:pk>/data-access/", applicant_data_access, name="api-applicant-data-access"),
]
