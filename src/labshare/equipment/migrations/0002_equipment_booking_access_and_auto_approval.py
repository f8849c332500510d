from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="equipment",
            name="booking_access",
            field=models.CharField(
                choices=[
                    ("lab", "Internal only: the lab's members"),
                    ("organisation", "The lab's organisation"),
                    ("external", "External users too"),
                ],
                default="organisation",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="auto_approve_lab_members",
            field=models.BooleanField(
                default=False, help_text="Requests by the lab's own members are Booked at once."
            ),
        ),
    ]
