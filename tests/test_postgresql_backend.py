"""The health check of labshare/postgresql: no round trip on a quiet connection, a new
connection for one the server has ended."""

import select

import psycopg
import pytest
from django.db import close_old_connections, connection

from tests.e2e.conftest import test_database_url as suite_database_url

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() /* before the health check */")
        return cursor.fetchone()[0]


def last_statement(pid: int) -> str:
    with psycopg.connect(suite_database_url(), autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_it_is_our_backend_for_every_postgresql_database(settings):
    engines = {database["ENGINE"] for database in settings.DATABASES.values()}
    assert engines == {"labshare.postgresql"}
    assert connection.health_check_enabled


def test_a_quiet_connection_is_checked_without_a_statement(transactional_db):
    pid = backend_pid()
    close_old_connections()  # what a request's start does
    connection.close_if_health_check_failed()  # what its first statement does
    assert last_statement(pid) == "SELECT pg_backend_pid() /* before the health check */"
    assert backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_before_the_next_statement(transactional_db):
    pid = backend_pid()
    with psycopg.connect(suite_database_url(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    assert poller.poll(10_000), "the server said nothing"
    assert not connection.is_usable()
    close_old_connections()
    assert backend_pid() != pid
