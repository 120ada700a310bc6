"""Every case opened before applications existed becomes an application of one, numbered after its case."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Application = apps.get_model("cases", "Application")
    Signature = apps.get_model("cases", "ApplicationSignature")
    while True:
        cases = list(
            Case.objects.filter(application__isnull=True)
            .select_related("applicant", "service_type")
            .order_by("pk")[:BATCH]
        )
        if not cases:
            return
        made = Application.objects.bulk_create(
            [
                Application(
                    number=_number(case.number),
                    applicant_id=case.applicant_id,
                    front_office_id=case.front_office_id,
                    community_id=case.community_id,
                    channel=case.channel,
                    chosen_services=[case.service_type.code],
                    offered_services=[case.service_type.code],
                    created_by_id=case.created_by_id,
                    created_at=case.created_at,
                )
                for case in cases
            ]
        )
        by_number = {a.number: a.pk for a in made if a.pk} or dict(
            Application.objects.filter(number__in=[_number(c.number) for c in cases]).values_list("number", "pk")
        )
        for case in cases:
            case.application_id = by_number[_number(case.number)]
        Case.objects.bulk_update(cases, ["application"])
        Signature.objects.bulk_create(
            [
                Signature(
                    application_id=case.application_id,
                    full_name=" ".join(
                        p for p in (case.applicant.last_name, case.applicant.first_name, case.applicant.patronymic) if p
                    ),
                    rnokpp=case.applicant.rnokpp or "",
                    is_applicant=True,
                    signed_at=case.created_at,
                )
                for case in cases
            ]
        )


def _number(case_number: str) -> str:
    head, seq = case_number.rsplit("-", 1)
    return f"{head}-A{seq}"


def backwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.update(application=None)
    apps.get_model("cases", "Application").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_application")]

    operations = [migrations.RunPython(forwards, backwards)]
