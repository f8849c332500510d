"""An experiment, not the shipped configuration: the server's settings with two changes
proposed for PostgreSQL, measured with `bench/run.py --api-settings tuned_settings`.

- server_side_binding: psycopg binds parameters on the server, so it prepares a statement
  after its fifth run and PostgreSQL stops planning it again (planning a ten-way join with
  hundreds of lab ids costs more than running it).
- CONN_HEALTH_CHECKS off: Django otherwise sends `SELECT 1` before a request's first query.
"""

from labshare.settings import *  # noqa: F403
from labshare.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "server_side_binding": True}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
