"""The ordering guarantee: a transaction that began first and commits last is never skipped.

Two real PostgreSQL connections write: T1 first, then T2, which commits; a reader follows;
then T1 commits, and the reader, following from its cursor, still reads T1's change."""

import psycopg
import pytest
from django.db import connection

from labshare.changes import feed
from labshare.equipment.models import Equipment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers"),
]


def other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )


RENAME = "UPDATE equipment_equipment SET name = %s WHERE id = %s"


def test_a_change_committed_late_is_read_after_the_cursor_passed_a_later_one(graphene_lab):
    first = Equipment.objects.create(lab=graphene_lab, name="First")
    second = Equipment.objects.create(lab=graphene_lab, name="Second")
    cursor = feed.read([graphene_lab.pk]).cursor
    with other_connection() as t1, other_connection() as t2:
        t1.execute(RENAME, ["First, renamed by T1", first.pk])  # T1 writes first...
        t2.execute(RENAME, ["Second, renamed by T2", second.pk])
        t2.commit()  # ...T2 commits first
        page = feed.read([graphene_lab.pk], after=cursor)
        # T2's change waits behind T1, still running: nothing is read past it yet.
        assert page.changes == []
        cursor = page.cursor
        t1.commit()
    seen = []
    while True:
        page = feed.read([graphene_lab.pk], after=cursor)
        seen += page.changes
        cursor = page.cursor
        if not page.has_more:
            break
    assert [(c["id"], c["record"]["name"]) for c in seen] == [
        (first.pk, "First, renamed by T1"),
        (second.pk, "Second, renamed by T2"),
    ]
