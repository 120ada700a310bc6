"""The back office's API: the queue, claim-next and one explicit route per transition (docs/api-backoffice.md).

Thin: parse the input, find the case through the scoped selectors (another tenant's case is 404), call the same
service the pages call, answer with the case in full. Refusals come from the services as named errors: 409 when the
state, the holder or the role does not allow it, 400 with the field at fault when the input is wrong.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from backoffice import selectors, services
from backoffice.filters import QueueFilter
from backoffice.serializers import (
    DecideInputSerializer,
    ErrorSerializer,
    NoteInputSerializer,
    QueueCaseSerializer,
    QueueCountsSerializer,
    ReasonInputSerializer,
    ReassignInputSerializer,
    RequestInfoInputSerializer,
    RequiredReasonInputSerializer,
)
from cases.access import access_for
from cases.api.pagination import PageNumberPagination
from cases.api.serializers import CaseDetailSerializer
from cases.exceptions import InvalidInput
from cases.models import Case, ChecklistItem, RefusalGround
from cases.selectors import case_detail_queryset, case_list

TAGS = ["back office"]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input: `code` invalid_input and the `field` at fault."),
    403: OpenApiResponse(ErrorSerializer, description="Not a back-office user."),
    404: OpenApiResponse(ErrorSerializer, description="No such case among those you may see."),
    409: OpenApiResponse(
        ErrorSerializer, description="The state, the holder or your role does not allow it (`code` says which)."
    ),
}


class IsBackOffice(permissions.BasePermission):
    message = gettext_lazy("Only back-office specialists and heads use the queue.")

    def has_permission(self, request, view) -> bool:
        return access_for(request.user).is_back


def _invalid(field: str, message) -> InvalidInput:
    return InvalidInput(f"{message}", field=field)


def _parse(serializer_class, data) -> dict:
    """Validate input; the first problem becomes a 400 ``{"code": "invalid_input", "detail", "field"}``."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, problems = next(iter(serializer.errors.items()))
        first = problems[0] if isinstance(problems, list) else next(iter(problems.values()))[0]
        raise _invalid(field, first)
    return serializer.validated_data


def _from_django(error: DjangoValidationError) -> InvalidInput:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return _invalid(field, " ".join(messages))
    return _invalid("non_field_errors", " ".join(error.messages))


# --- The queue ----------------------------------------------------------------------------------------------------


class QueueFilterBackend(DjangoFilterBackend):
    """django-filter, but a bad filter value answers like every other bad input of this API."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "today": view.today}

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            field, problems = next(iter(filterset.form.errors.as_data().items()))
            if problems[0].code == "invalid_choice" and field in ("community", "front_office"):
                # A well-formed id of a community or office outside my back offices: not one I may see.
                unseen = {
                    "community": _("No such community among those you may see."),
                    "front_office": _("No such front office among those you may see."),
                }
                raise NotFound(unseen[field])
            raise _invalid(field, problems[0].messages[0])
        return filterset.qs


class QueuePagination(PageNumberPagination):
    """Pages of the queue, with the queue's counts beside them."""

    counts: dict | None = None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["counts"] = self.counts
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["counts"] = {
            "type": "object",
            "properties": {name: {"type": "integer"} for name in QueueCountsSerializer().fields},
        }
        return result


class QueueView(generics.ListAPIView):
    """The shared queue of my back offices: cases waiting to be taken, oldest due date first, then arrival."""

    serializer_class = QueueCaseSerializer
    pagination_class = QueuePagination
    filter_backends = [QueueFilterBackend]
    filterset_class = QueueFilter
    permission_classes = [permissions.IsAuthenticated, IsBackOffice]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = selectors.Today.now()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.queue_base(user=self.request.user).select_related("back_office")  # the serializer shows it

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": getattr(self, "today", None) or selectors.Today.now()}

    def list(self, request, *args, **kwargs):
        self.paginator.counts = QueueCountsSerializer(selectors.queue_counts(user=request.user, today=self.today)).data
        queue = self.filter_queryset(self.get_queryset())
        # The page's ids from the index alone, then the rows by id (a deep page stays cheap; see the queue page).
        ids = list(self.paginate_queryset(queue.values_list("pk", flat=True)))
        rows = {case.pk: case for case in queue.order_by().filter(pk__in=ids)}
        return self.get_paginated_response(self.get_serializer([rows[pk] for pk in ids], many=True).data)

    @extend_schema(tags=TAGS, operation_id="queue_list", responses={200: QueueCaseSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _detail(request, pk: int) -> Response:
    case = case_detail_queryset(user=request.user).get(pk=pk)
    return Response(CaseDetailSerializer(case, context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    operation_id="queue_claim_next",
    request=None,
    responses={
        200: CaseDetailSerializer,
        204: OpenApiResponse(description="Nothing waits in the queue."),
        **ERRORS,
    },
)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, IsBackOffice])
def claim_next(request):
    """Take the next case of my back office's queue: it comes back `in_review`, assigned to me."""
    case = services.case_claim_next(by=request.user)
    if case is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return _detail(request, case.pk)


# --- One route per transition -------------------------------------------------------------------------------------


def _case(request, pk: int) -> Case:
    """The case if the user may see it (a clerk may see it and still not act: that is a 409 from the service)."""
    case = case_list(user=request.user).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def _run(request, pk: int, input_serializer, call) -> Response:
    case = _case(request, pk)
    data = _parse(input_serializer, request.data) if input_serializer else {}
    try:
        call(case, data)
    except DjangoValidationError as error:
        raise _from_django(error) from error
    return _detail(request, case.pk)


def _action(slug: str, doc: str, input_serializer=None):
    """Decorate a transition endpoint: its schema (request, the case back, the errors) and POST only."""

    def wrap(view):
        view.__doc__ = doc
        return extend_schema(
            tags=TAGS,
            operation_id=f"cases_{slug.replace('-', '_')}",
            request=input_serializer,
            responses={200: CaseDetailSerializer, **ERRORS},
            description=doc,
        )(api_view(["POST"])(view))

    return wrap


@_action("claim", "Take this case from the queue (in_review, assigned to me). Repeating it is a no-op.")
def claim(request, pk: int):
    return _run(request, pk, None, lambda case, data: services.case_claim(case=case, by=request.user))


@_action(
    "release",
    "Put the case back in the queue: the holder, or the head for anyone (the head gives a reason).",
    ReasonInputSerializer,
)
def release(request, pk: int):
    return _run(
        request,
        pk,
        ReasonInputSerializer,
        lambda case, data: services.case_release(case=case, by=request.user, reason=data["reason"]),
    )


def _colleague(request, ref: str):
    people = selectors.colleagues(back_office_ids=access_for(request.user).back_office_ids)
    match = Q(username=ref) | Q(pk=int(ref)) if ref.isdigit() else Q(username=ref)
    person = people.filter(match).first()
    if person is None:
        raise _invalid("to", _("No specialist of your back office has this id or username."))
    return person


@_action(
    "reassign",
    "The head gives the case (waiting or in review) to a specialist of its back office, with a reason.",
    ReassignInputSerializer,
)
def reassign(request, pk: int):
    def call(case, data):
        services.case_reassign(case=case, by=request.user, to=_colleague(request, data["to"]), reason=data["reason"])

    return _run(request, pk, ReassignInputSerializer, call)


@_action("accept", "The holder confirms the package is complete. The first acceptance makes the intake billable.")
def accept(request, pk: int):
    return _run(request, pk, None, lambda case, data: services.case_accept(case=case, by=request.user))


@_action(
    "request-info",
    "Ask the front office for what is missing (a message, and the checklist items by id). The case leaves the queue "
    "until resubmitted; the decision clock pauses where the service says so.",
    RequestInfoInputSerializer,
)
def request_info(request, pk: int):
    def call(case, data):
        wanted = set(data["items"])
        items = list(ChecklistItem.objects.filter(service_type_id=case.service_type_id, pk__in=wanted))
        if len(items) != len(wanted):
            raise _invalid("items", _("Some of these are not checklist items of this case's service."))
        services.case_request_info(case=case, by=request.user, message=data["message"], items=items)

    return _run(request, pk, RequestInfoInputSerializer, call)


@_action(
    "decide",
    "Grant, or refuse citing at least one of the service's refusal grounds (codes) with written reasons. A refusal on "
    "a service that needs four eyes goes to refusal_pending for the head.",
    DecideInputSerializer,
)
def decide(request, pk: int):
    def call(case, data):
        codes = set(data["grounds"])
        grounds = list(RefusalGround.objects.filter(service_type_id=case.service_type_id, code__in=codes))
        if len(grounds) != len(codes):
            raise _invalid("grounds", _("Some of these are not refusal grounds of this case's service."))
        services.case_decide(
            case=case, by=request.user, decision=data["decision"], grounds=grounds, reason=data["reason"]
        )

    return _run(request, pk, DecideInputSerializer, call)


@_action("approve-refusal", "The head signs a specialist's refusal (never their own).", NoteInputSerializer)
def approve_refusal(request, pk: int):
    return _run(
        request,
        pk,
        NoteInputSerializer,
        lambda case, data: services.case_approve_refusal(case=case, by=request.user, note=data["note"]),
    )


@_action("return-refusal", "The head sends a refusal back to the specialist, saying why.", NoteInputSerializer)
def return_refusal(request, pk: int):
    return _run(
        request,
        pk,
        NoteInputSerializer,
        lambda case, data: services.case_return_refusal(case=case, by=request.user, note=data["note"]),
    )


@_action(
    "reject-intake",
    "Not a valid intake (duplicate, wrong office, incomplete personal data): not a refusal, never billable.",
    RequiredReasonInputSerializer,
)
def reject_intake(request, pk: int):
    return _run(
        request,
        pk,
        RequiredReasonInputSerializer,
        lambda case, data: services.case_reject_intake(case=case, by=request.user, reason=data["reason"]),
    )


urlpatterns = [
    path("queue/", QueueView.as_view(), name="api-queue"),
    path("queue/claim-next/", claim_next, name="api-queue-claim-next"),
    path("cases/<int:pk>/claim/", claim, name="api-case-claim"),
    path("cases/<int:pk>/release/", release, name="api-case-release"),
    path("cases/<int:pk>/reassign/", reassign, name="api-case-reassign"),
    path("cases/<int:pk>/accept/", accept, name="api-case-accept"),
    path("cases/<int:pk>/request-info/", request_info, name="api-case-request-info"),
    path("cases/<int:pk>/decide/", decide, name="api-case-decide"),
    path("cases/<int:pk>/approve-refusal/", approve_refusal, name="api-case-approve-refusal"),
    path("cases/<int:pk>/return-refusal/", return_refusal, name="api-case-return-refusal"),
    path("cases/<int:pk>/reject-intake/", reject_intake, name="api-case-reject-intake"),
]
