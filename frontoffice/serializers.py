"""The front office's API input and output shapes. Input serializers only parse; the services decide."""

from rest_framework import serializers

from cases.api.serializers import ApplicantSerializer, CaseDetailSerializer, CaseSerializer
from cases.checklist import checklist_for, documents_for
from cases.lifecycle import package_complete
from cases.models import Case


class ApplicantCreateSerializer(ApplicantSerializer):
    front_office = serializers.CharField(
        required=False,
        write_only=True,
        help_text="Code of the front office registering the person; defaults to the clerk's own.",
    )

    class Meta(ApplicantSerializer.Meta):
        fields = [*ApplicantSerializer.Meta.fields, "front_office"]
        extra_kwargs = {
            **ApplicantSerializer.Meta.extra_kwargs,
            "id": {"read_only": True},
            # Filled in by the service from the RNOKPP / the number's shape when not given.
            "birth_date": {"required": False, "allow_null": True},
            "passport_kind": {"required": False},
        }


class CaseCreateSerializer(serializers.Serializer):
    applicant = serializers.IntegerField(help_text="The applicant's id.")
    service_type = serializers.CharField(help_text="The service's code (see /api/v1/service-types/).")
    front_office = serializers.CharField(required=False, help_text="Front office code; defaults to the clerk's.")
    channel = serializers.ChoiceField(choices=Case.Channel.choices, required=False)
    duplicate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required when the applicant already has an open case of the same service (else 409).",
    )
    identifier = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The applicant's RNOKPP or document number, needed when the person was registered in another "
        "community and has no case here yet.",
    )


class FrontCaseSerializer(CaseSerializer):
    """A case in lists."""

    class Meta(CaseSerializer.Meta):
        pass


class ChecklistLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    title = serializers.CharField(source="item.title")
    document_types = serializers.SerializerMethodField()
    min_pages = serializers.IntegerField(source="item.min_pages")
    required = serializers.BooleanField(source="item.required")
    page_count = serializers.IntegerField()
    satisfied = serializers.BooleanField()
    satisfied_by = serializers.ChoiceField(
        choices=["registry", "documents"],
        allow_null=True,
        help_text="registry: a registry's answer stands in for the papers; documents: enough pages were brought.",
    )

    def get_document_types(self, line) -> list[str]:
        return [t.code for t in line.item.document_types.all()]


class FrontCaseDetailSerializer(CaseDetailSerializer):
    """The kernel's case detail plus what the clerk needs to know before submitting."""

    checklist = serializers.SerializerMethodField()
    ready_to_submit = serializers.SerializerMethodField(
        help_text="The checklist is satisfied and every page is processed."
    )

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "checklist", "ready_to_submit"]
        read_only_fields = fields

    def _lines(self, case: Case):
        if not hasattr(case, "_checklist_lines"):
            case._checklist_lines = checklist_for(case, documents_for(case))
        return case._checklist_lines

    def get_checklist(self, case: Case) -> list[dict]:
        return ChecklistLineSerializer(self._lines(case), many=True).data

    def get_ready_to_submit(self, case: Case) -> bool:
        return package_complete(case)


class DocumentUploadSerializer(serializers.Serializer):
    document_type = serializers.CharField(
        required=False, allow_blank=True, help_text="Document type code; empty leaves the pages unsorted."
    )
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), help_text="One or more files: the pages of one document."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")
