"""Enforce the account hierarchy in the database, beyond what check constraints can see.

The check constraints in 0001 cover each row alone; these triggers cover the rules that
look at another row: an organisation link points at an organisation, a department link
at a department, a lab in a department sits in that department's organisation, and an
account that others hang from keeps its type.
"""

from django.db import migrations

ORGANISATION = "An account's organisation must be an account of type organisation."
DEPARTMENT = "A lab's department must be an account of type department."
SAME_ORGANISATION = "A lab in a department belongs to that department's organisation."
KEEPS_TYPE = "An account that has departments or labs under it cannot change its type."
DEPARTMENT_MOVE = "A department with labs cannot move to another organisation."

SQLITE_CHECKS = f"""
    SELECT RAISE(ABORT, "{ORGANISATION}") WHERE NEW.organisation_id IS NOT NULL
        AND (SELECT account_type FROM accounts_account WHERE id = NEW.organisation_id) <> 'organisation';
    SELECT RAISE(ABORT, "{DEPARTMENT}") WHERE NEW.department_id IS NOT NULL
        AND (SELECT account_type FROM accounts_account WHERE id = NEW.department_id) <> 'department';
    SELECT RAISE(ABORT, "{SAME_ORGANISATION}") WHERE NEW.department_id IS NOT NULL
        AND (SELECT organisation_id FROM accounts_account WHERE id = NEW.department_id) IS NOT NEW.organisation_id;
"""

SQLITE_FORWARD = [
    f"CREATE TRIGGER account_hierarchy_insert BEFORE INSERT ON accounts_account BEGIN {SQLITE_CHECKS} END;",
    f"""CREATE TRIGGER account_hierarchy_update BEFORE UPDATE ON accounts_account BEGIN {SQLITE_CHECKS}
    SELECT RAISE(ABORT, "{KEEPS_TYPE}") WHERE NEW.account_type <> OLD.account_type
        AND EXISTS (SELECT 1 FROM accounts_account
                    WHERE organisation_id = NEW.id OR department_id = NEW.id);
    SELECT RAISE(ABORT, "{DEPARTMENT_MOVE}") WHERE NEW.organisation_id IS NOT OLD.organisation_id
        AND EXISTS (SELECT 1 FROM accounts_account WHERE department_id = NEW.id);
    END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS account_hierarchy_insert;",
    "DROP TRIGGER IF EXISTS account_hierarchy_update;",
]

POSTGRES_FORWARD = [
    f"""
CREATE FUNCTION account_hierarchy_check() RETURNS trigger AS $$
BEGIN
    IF NEW.organisation_id IS NOT NULL AND (SELECT account_type FROM accounts_account
            WHERE id = NEW.organisation_id) <> 'organisation' THEN
        RAISE EXCEPTION '{ORGANISATION.replace("'", "''")}' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.department_id IS NOT NULL AND (SELECT account_type FROM accounts_account
            WHERE id = NEW.department_id) <> 'department' THEN
        RAISE EXCEPTION '{DEPARTMENT.replace("'", "''")}' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.department_id IS NOT NULL AND (SELECT organisation_id FROM accounts_account
            WHERE id = NEW.department_id) IS DISTINCT FROM NEW.organisation_id THEN
        RAISE EXCEPTION '{SAME_ORGANISATION.replace("'", "''")}' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.account_type <> OLD.account_type AND EXISTS (
            SELECT 1 FROM accounts_account WHERE organisation_id = NEW.id OR department_id = NEW.id) THEN
        RAISE EXCEPTION '{KEEPS_TYPE}' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.organisation_id IS DISTINCT FROM OLD.organisation_id AND EXISTS (
            SELECT 1 FROM accounts_account WHERE department_id = NEW.id) THEN
        RAISE EXCEPTION '{DEPARTMENT_MOVE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    """CREATE TRIGGER account_hierarchy BEFORE INSERT OR UPDATE ON accounts_account
       FOR EACH ROW EXECUTE FUNCTION account_hierarchy_check();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS account_hierarchy ON accounts_account;",
    "DROP FUNCTION IF EXISTS account_hierarchy_check();",
]


def run(statements_by_vendor: dict[str, list[str]]):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_group_equipment")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
