"""Feed URLs carry their token, the feed's only credential: logs write the path without it."""

import logging
import re

TOKEN_IN_PATH = re.compile(r"/feeds/[^/\s\"]+\.ics")
REDACTED_PATH = "/feeds/[token].ics"


def _redacted(value: object) -> object:
    return TOKEN_IN_PATH.sub(REDACTED_PATH, value) if isinstance(value, str) else value


class RedactFeedTokens(logging.Filter):
    """For Django's request log ("Not Found: <path>") and the server's access log (Granian's
    `granian.access` logger, whose records carry the request as a dict, its `path` among it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True


def redact_feed_tokens_in_access_log() -> None:
    logging.getLogger("granian.access").addFilter(RedactFeedTokens())
