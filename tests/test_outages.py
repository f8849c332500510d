"""The outage log: one line per outage and logger, without a traceback."""

import logging

from labshare.outages import OncePerOutage


def record(name: str, error: Exception) -> logging.LogRecord:
    return logging.LogRecord(
        name, logging.WARNING, __file__, 1, "The database is unavailable", (), (type(error), error, None)
    )


def test_it_lets_one_line_through_per_outage_and_logger():
    once = OncePerOutage(quiet_seconds=3600)
    error = ConnectionRefusedError("connection refused\nIs the server running?")
    first = record("labshare.outages.database", error)
    assert once.filter(first)
    assert first.getMessage() == "The database is unavailable (ConnectionRefusedError: connection refused)"
    assert first.exc_info is None
    assert not any(once.filter(record("labshare.outages.database", error)) for _ in range(100))
    assert once.filter(record("labshare.outages.redis", error))


def test_a_failure_after_the_quiet_time_is_a_new_outage():
    once = OncePerOutage(quiet_seconds=0)
    error = OSError("down")
    assert once.filter(record("labshare.outages.database", error))
    assert once.filter(record("labshare.outages.database", error))
