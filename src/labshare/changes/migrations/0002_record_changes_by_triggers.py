"""Record every write of the served tables in changes_change, by triggers made from the one
table of labshare.changes.recording, for SQLite and PostgreSQL alike."""

from django.db import migrations

from labshare.changes.recording import triggers


def run(forward: bool):
    def apply(apps, schema_editor):
        create, drop = triggers(schema_editor.connection.vendor)
        for statement in create if forward else drop:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0001_initial"),
        ("accounts", "0003_account_hierarchy_triggers"),
        ("equipment", "0002_equipment_booking_access_and_auto_approval"),
        ("projects", "0001_initial"),
        ("bookings", "0006_booking_updated_with_lab_index"),
        ("oauth", "0003_authorisation_service"),
    ]

    operations = [migrations.RunPython(run(forward=True), run(forward=False))]
