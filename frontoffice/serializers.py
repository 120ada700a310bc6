"""The front office's API input and output shapes. Input serializers only parse; the services decide."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from cases.api.schema import printable_text_component
from cases.api.serializers import ApplicantSerializer, CaseDetailSerializer, CaseSerializer
from cases.checklist import checklist_for, documents_for
from cases.lifecycle import package_complete
from cases.models import Case

# What the registration accepts, said in the schema as far as a pattern can say it (the service decides; these
# mirror cases.validators and the normalisation in cases.services.applicant_prepare). Rules between values — the
# RNOKPP's check digit and birth date, the UNZR's date against the birth date, the document kind against the
# number's shape, a date of birth not in the future, a person already on file — no pattern can say: 409.
_YEAR = r"(?:\d{3}[1-9]|\d{2}[1-9]\d|\d[1-9]\d{2}|[1-9]\d{3})"  # 0001-9999, as a date's year
_DAY = (
    r"(?:\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)0229"
    rf"|{_YEAR}(?:(?:0[13578]|1[02])(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)(?:0[1-9]|[12]\d|30)|02(?:0[1-9]|1\d|2[0-8]))"
)
_SEP = r"[\t\n\r ().-]"  # what phone_normalised drops (other white space is no printable character)
APPLICANT_PATTERNS = {
    "rnokpp": r"^\s*(?:\d{10})?\s*$",
    "unzr": rf"^\s*(?:(?:{_DAY})-\d{{5}})?\s*$",
    # Spaces and dashes are dropped, capitals made, a Latin look-alike series read as Cyrillic.
    "passport_number": r"^\s*(?:[А-ЯҐЄІЇа-яґєіїABCEHIKMOPTXYabcehikmoptxy]{2}[ -]?\d{6}|\d{9})?\s*$",
    # +380 XX XXX XX XX, 380…, 0XX XXX XX XX; spaces, brackets, dots and dashes anywhere.
    "phone": rf"^{_SEP}*(?:(?:\+{_SEP}*)?3{_SEP}*8{_SEP}*)?0(?:{_SEP}*\d){{9}}{_SEP}*$|^\s*$",
}
# The person is identified by an RNOKPP, or (lawfully without one) by a document and the date of birth.
APPLICANT_IDENTIFIED = [
    {"required": ["rnokpp"], "properties": {"rnokpp": {"type": "string", "pattern": r"\d{10}"}}},
    {
        "required": ["passport_number", "birth_date"],
        "properties": {"passport_number": {"type": "string", "pattern": r"\w"}, "birth_date": {"type": "string"}},
    },
]


PRINTABLE_FIELDS = {"last_name": True, "first_name": True, "patronymic": False, "address": False}  # name: required


class ApplicantCreateSchema(OpenApiSerializerExtension):
    """The registration's request schema: the patterns above, printable text (``PrintableText``, and something
    besides white space where the field is required) and the identity rule (``anyOf``)."""

    target_class = "frontoffice.serializers.ApplicantCreateSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            properties = schema["properties"]
            for name, pattern in APPLICANT_PATTERNS.items():
                properties[name]["pattern"] = pattern
            printable = printable_text_component(auto_schema.registry)
            for name, required in PRINTABLE_FIELDS.items():
                properties[name]["allOf"] = [printable.ref]
                if required:
                    properties[name]["pattern"] = r"\S"
            schema["anyOf"] = APPLICANT_IDENTIFIED
        return schema


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
