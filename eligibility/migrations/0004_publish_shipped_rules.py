from datetime import date

from django.conf import settings
from django.db import migrations

# The rule versions that were in code (and so in force) when publication became a workflow. Each is published
# with a baseline dry-run row (nothing replayed: it was already the rule) as the system user, so nothing changes for
# existing cases. Listed here, not read from eligibility.rules: a migration must not follow later code.
SHIPPED = [
    ("childbirth", "childbirth/2026.1", date(2021, 1, 1)),
    ("low_income", "low_income/2026.1", date(2021, 1, 1)),
    ("disability", "disability/2026.1", date(2021, 1, 1)),
    ("idp_living", "idp_living/2026.1", date(2022, 3, 20)),
]
NOTE = "Shipped before the publication workflow; published by migration."


def publish(apps, schema_editor):
    DryRun = apps.get_model("eligibility", "DryRun")
    RulePublication = apps.get_model("eligibility", "RulePublication")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    robot = User.objects.filter(username="robot").first()
    for service, version, valid_from in SHIPPED:
        if RulePublication.objects.filter(version=version, status="published").exists():
            continue
        run = DryRun.objects.create(service=service, rules_version=version, months=0, run_by=robot)
        RulePublication.objects.create(
            service=service,
            version=version,
            valid_from=valid_from,
            dry_run=run,
            status="published",
            proposed_by=None,
            approved_by=robot,
            approved_at=run.run_at,
            note=NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0003_rule_publication")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
