"""booking_lab_status_newest: a status filter of a few labs' list reads its page at once.

On PostgreSQL, booking_start_day_newest: an index of bookings by the UTC day they start,
newest created first within a day, with what a list's filters test: a start_time window is
read day by day through it (api/queries.py, DAY_ROWS). SQLite reads windows through
booking_lab_start instead (an expression index there would need Django's date function)."""

from django.db import migrations, models

INDEX = "booking_start_day_newest"
ADD = f"""CREATE INDEX {INDEX} ON bookings_booking
    (((start_time AT TIME ZONE 'UTC')::date), created_at DESC, id DESC)
    INCLUDE (provider_lab_id, start_time, status, updated_at)"""
DROP = f"DROP INDEX {INDEX}"


def add(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0007_booking_indexes_cover_filters"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                fields=["provider_lab", "status", "-created_at", "-id"], name="booking_lab_status_newest"
            ),
        ),
        migrations.RunPython(add, drop),
    ]
