"""A feed's URL token: `<feed id>-<HMAC>`, the HMAC (keyed from SECRET_KEY) of the feed's
kind, object, user and generation. The page can show it again without storing it, and a new
generation ends the old one. Changing SECRET_KEY ends every feed URL."""

import hmac
import re
from base64 import urlsafe_b64encode

from django.utils.crypto import salted_hmac

from labshare.feeds.models import CalendarFeed

KEY_SALT = "labshare.feeds.token"
MAX_ID = 2**63 - 1  # a bigint: a larger id would be an error in the database, not a miss
TOKEN = re.compile(r"(?P<feed_id>[1-9][0-9]{0,18})-(?P<mac>[A-Za-z0-9_-]{43})")


def _mac(kind: str, object_id: int, user_id: int, generation: int) -> str:
    digest = salted_hmac(KEY_SALT, f"{kind}:{object_id}:{user_id}:{generation}", algorithm="sha256").digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token(feed: CalendarFeed) -> str:
    return f"{feed.pk}-{_mac(feed.kind, feed.object_id, feed.user_id, feed.generation)}"


def parse_token(token: str) -> tuple[int, str] | None:
    """The feed id and the HMAC a token carries, or None for a token of no feed's shape."""
    match = TOKEN.fullmatch(token)
    if match is None or int(match["feed_id"]) > MAX_ID:
        return None
    return int(match["feed_id"]), match["mac"]


def token_matches(feed: CalendarFeed, mac: str) -> bool:
    expected = _mac(feed.kind, feed.object_id, feed.user_id, feed.generation)
    return hmac.compare_digest(expected.encode(), mac.encode())
