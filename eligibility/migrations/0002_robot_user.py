from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations


def create_robot(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    # An unusable password: the robot never signs in; cases.lifecycle gives it the robot role by this very mark.
    User.objects.get_or_create(
        username="robot", defaults={"first_name": "Робот", "is_active": True, "password": make_password(None)}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_robot, migrations.RunPython.noop)]
