"""Each booking names its equipment family's root (the parent asset, or the equipment itself),
filled in for existing rows; and bookings may name the funding codes they charge."""

import django.db.models.deletion
from django.db import migrations, models

FILL_ROOTS = """
UPDATE bookings_booking SET root_equipment_id = (
    SELECT COALESCE(e.parent_id, e.id) FROM equipment_equipment e WHERE e.id = bookings_booking.equipment_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_booking_equipment_index_with_lab"),
        ("equipment", "0002_equipment_booking_access_and_auto_approval"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="root_equipment",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="family_bookings",
                to="equipment.equipment",
            ),
        ),
        migrations.RunSQL(FILL_ROOTS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="booking",
            name="root_equipment",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="family_bookings",
                to="equipment.equipment",
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["root_equipment", "start_time"], name="booking_family_start"),
        ),
        migrations.AddField(
            model_name="booking",
            name="funding_codes",
            field=models.ManyToManyField(blank=True, related_name="bookings", to="projects.fundingcode"),
        ),
    ]
