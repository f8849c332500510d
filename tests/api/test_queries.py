"""The lab filter every statement carries: on PostgreSQL the token's lab ids are written into
the statement, so they must be integers and nothing else."""

import pytest
from django.db import connection

from labshare.api import queries


def test_it_writes_ids_as_an_integer_array():
    assert queries.id_array([3, 17, 250]) == "'{3,17,250}'::bigint[]"
    assert queries.id_array([]) == "'{}'::bigint[]"


def test_it_refuses_anything_but_an_integer():
    with pytest.raises(ValueError):
        queries.id_array([1, "2); DROP TABLE bookings_booking; --"])


@pytest.mark.django_db
@pytest.mark.parametrize("labs", [[], [1], [1, 2, 3]])
def test_a_membership_test_matches_exactly_the_ids(labs):
    test, parameters = queries.among(labs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n FROM (SELECT 1 AS n UNION SELECT 2 UNION SELECT 4) t WHERE n {test} ORDER BY n",
            parameters,
        )
        assert [row[0] for row in cursor.fetchall()] == [n for n in (1, 2, 4) if n in labs]
