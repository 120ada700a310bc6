"""Serializers shared by the offices' APIs: the catalog, and cases as both offices see them."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.explanation import decision_explained, explanation_lines, robot_review
from cases.lifecycle import available_actions
from cases.models import Applicant, Case, CaseEvent, ChecklistItem, Document, DocumentType, Page, ServiceType


class DocumentTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = DocumentType
        fields = ["code", "name", "name_uk", "name_ru", "name_en"]


class ChecklistItemSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    document_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "title", "document_types", "min_pages", "required"]


class RefusalGroundSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    refusal_grounds = RefusalGroundSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceType
        fields = [
            "code",
            "name",
            "legal_basis",
            "decision_days",
            "decision_in_working_days",
            "refusal_needs_approval",
            "pause_clock_on_info_request",
            "decision_mode",
            "checklist",
            "refusal_grounds",
        ]


class ApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Applicant
        fields = [
            "id",
            "last_name",
            "first_name",
            "patronymic",
            "birth_date",
            "rnokpp",
            "unzr",
            "passport_kind",
            "passport_number",
            "address",
            "phone",
        ]
        # Uniqueness is checked by the model's full_clean in the service, with the same messages as the UI.
        validators = []
        extra_kwargs = {"rnokpp": {"validators": []}}


class PageSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Page
        fields = [
            "id",
            "status",
            "failure_reason",
            "position",
            "rotation",
            "width",
            "height",
            "thumbnail_url",
            "image_url",
        ]

    def get_thumbnail_url(self, page: Page) -> str | None:
        return reverse("page-thumbnail", args=[page.pk]) if page.thumbnail else None

    def get_image_url(self, page: Page) -> str | None:
        return reverse("page-image", args=[page.pk]) if page.image else None


class DocumentSerializer(serializers.ModelSerializer):
    document_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    pages = PageSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "document_type", "position", "pages"]


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]


class CaseSerializer(serializers.ModelSerializer):
    """A case in lists."""

    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    front_office = serializers.SlugRelatedField(slug_field="code", read_only=True)
    community = serializers.SlugRelatedField(slug_field="katottg", read_only=True)
    back_office = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Described exactly for the schema: no assignee is null, no decision yet is "".
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decision = serializers.ChoiceField(choices=Case.Decision.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "applicant",
            "service_type",
            "channel",
            "front_office",
            "community",
            "back_office",
            "assignee",
            "due_date",
            "created_at",
            "submitted_at",
            "accepted_at",
            "decision",
            "decided_at",
        ]
        read_only_fields = fields


class ExplanationLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    result = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    text = serializers.CharField()
    actual = serializers.CharField(allow_blank=True, allow_null=True)
    expected = serializers.CharField(allow_blank=True, allow_null=True)
    reference = serializers.CharField(allow_blank=True)


class DecidedBySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["robot", "person"])
    name = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Case.Decision.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    decided_by = DecidedBySerializer(allow_null=True)
    rules_version = serializers.CharField(allow_null=True)
    explanation = ExplanationLineSerializer(many=True)


class RobotReviewSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="Always `needs_person`: the robot passed the case to people.")
    explanation = ExplanationLineSerializer(many=True)


class CaseDetailSerializer(CaseSerializer):
    """A case with its documents, pages and timeline (load it with ``selectors.case_detail_queryset``).

    ``decision`` and ``robot_review`` are read from the timeline: the robot writes its explanation into the data of
    its ``decide`` row (or of a ``robot_review`` row when it passes the case to people), so the kernel shows the
    explanation without importing the rules."""

    applicant = ApplicantSerializer(read_only=True)
    # Its own documents and those shared with the other cases of its application (evidence once).
    documents = DocumentSerializer(many=True, read_only=True, source="package_documents")
    events = CaseEventSerializer(many=True, read_only=True)
    refusal_grounds = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="What the requesting user may do with the case now (the lifecycle table's actions and acts)."
    )
    decision = serializers.SerializerMethodField(help_text="The decision with its explanation; null before one.")
    robot_review = serializers.SerializerMethodField(
        help_text="For a case the robot passed to people: why (each condition), else null."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "decision_reason",
            "refusal_grounds",
            "duplicate_reason",
            "documents",
            "events",
            "actions",
            "robot_review",
        ]
        read_only_fields = fields

    def get_actions(self, case) -> list[str]:
        return sorted(available_actions(case, self.context["request"].user))

    def _language(self) -> str:
        from django.utils.translation import get_language

        return (get_language() or "uk")[:2]

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, case) -> dict | None:
        explained = decision_explained(case, self._language())
        if explained is None:
            return None
        explained.pop("steps")
        return explained

    @extend_schema_field(RobotReviewSerializer(allow_null=True))
    def get_robot_review(self, case) -> dict | None:
        review = robot_review(case)
        if review is None:
            return None
        return {"outcome": "needs_person", "explanation": explanation_lines(review.data, self._language())}


class ErrorSerializer(serializers.Serializer):
    """Every API error that is not a field-by-field validation error: ``{"code", "detail"}``."""

    code = serializers.CharField(help_text="Machine-readable, e.g. transition_not_allowed, file_rejected.")
    detail = serializers.CharField(help_text="A message for people, in the user's language.")
    field = serializers.CharField(required=False, help_text="The input field at fault (some 400s).")
