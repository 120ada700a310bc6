from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations


def create_system_user(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    # The user renewals are opened by: an unusable password (it never signs in) and no membership (no role), so the
    # robot, which may not decide a case it opened, may decide these; and a fee rule can tell them from an intake.
    User.objects.get_or_create(
        username="renewals",
        defaults={"first_name": "Продовження", "is_active": True, "password": make_password(None)},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_system_user, migrations.RunPython.noop)]
