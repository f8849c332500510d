"""Django's PostgreSQL backend, with a health check that costs no round trip.

Django checks a persistent connection before a request's first statement (CONN_HEALTH_CHECKS)
by running `SELECT 1` on it: one more round trip on every request. A server that restarts,
or ends a backend, tells its clients so and closes the connection, which leaves the socket
readable; an idle connection has nothing to read otherwise. So the check looks at the socket
first, without waiting, and asks the server only when something has arrived.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        idle = connection.info.transaction_status == pq.TransactionStatus.IDLE
        if idle and not arrived(connection.fileno()):
            return True
        return super().is_usable()


def arrived(socket: int) -> bool:
    """Whether the socket has something to read, without waiting (poll, not select: a busy
    process's descriptors can be past select's limit of 1024)."""
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))
