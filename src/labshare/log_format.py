"""LOG_FORMAT=json: every log record as one JSON object a line (python-json-logger, with orjson)."""

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter


class JsonLineFormatter(OrjsonFormatter):
    """time, level, logger and message, then the record's extra fields (a request line's, say).
    The request object Django attaches to its own records is left out: its repr holds the query."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "request"],
        )
