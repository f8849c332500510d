"""Signing secrets: `whsec_` + base64 of a key derived with HMAC from SECRET_KEY and the
endpoint's random salt, so that only the salt is stored (changing SECRET_KEY changes every
endpoint's secret). Signatures follow Standard Webhooks, by its reference library."""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from django.conf import settings
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_salt() -> str:
    return secrets.token_hex(16)


def signing_key(salt: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"labshare.webhooks.secret:{salt}".encode(), hashlib.sha256
    ).digest()


def secret_of(salt: str) -> str:
    """The secret as its owner is shown it, once."""
    return PREFIX + base64.b64encode(signing_key(salt)).decode()


def signature(salts: list[str], message_id: str, timestamp: int, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per key, space-separated (while a rotation overlaps)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return " ".join(Webhook(signing_key(salt)).sign(message_id, moment, body) for salt in salts)
