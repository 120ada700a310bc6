from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_merge_0004_document_origin_0004_page_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicetype",
            name="decision_mode",
            field=models.CharField(
                choices=[
                    ("manual", "Manual: a person decides"),
                    ("automatic", "Automatic: the robot grants when every condition passes"),
                ],
                default="manual",
                help_text="Automatic: the robot grants a case whose every condition passes on registry facts; never refuses.",
                max_length=10,
                verbose_name="decision mode",
            ),
        ),
    ]
