"""On PostgreSQL, no two Requested or Booked bookings overlap in one equipment family: an
exclusion constraint over the family's root and the time range (btree_gist for the `=`).

SQLite has no such constraint; there the domain functions check before they insert, inside a
BEGIN IMMEDIATE transaction that no other writer can interleave with (services.py).
"""

from django.db import migrations

CONSTRAINT = "booking_no_overlap_in_family"
ADD = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (root_equipment_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&)
    WHERE (status IN ('Requested', 'Booked'))""",
)
DROP = f"ALTER TABLE bookings_booking DROP CONSTRAINT {CONSTRAINT};"


def add(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD:
            schema_editor.execute(statement)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_booking_root_equipment_and_funding_codes"),
    ]

    operations = [migrations.RunPython(add, drop)]
