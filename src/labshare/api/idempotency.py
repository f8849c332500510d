"""Idempotency-Key on the write API (IETF httpapi draft): the first answer to a key is kept
for a day and replayed for a retry with the same request; the same key with another request
is a 422. The key's row is written in the same transaction as the action, so a retry never
books twice, and two requests racing with one key end with one action and one replayed answer.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from labshare.api.errors import ApiError, BadParameter
from labshare.api.models import IdempotentRequest

KEY_HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class Raced(Exception):
    """Another request with the same key stored its answer first."""


class KeyReused(ApiError):
    status = 422
    error = "idempotency_key_reused"


class KeyInProgress(ApiError):
    status = 409
    error = "idempotency_key_in_progress"


def fingerprint(request: HttpRequest) -> str:
    return hashlib.sha256(
        b"\n".join([request.method.encode(), request.path.encode(), request.body])
    ).hexdigest()


def request_key(request: HttpRequest) -> str | None:
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise BadParameter(
            f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.", KEY_HEADER
        )
    return key


def replay(kept: IdempotentRequest, request_fingerprint: str) -> HttpResponse:
    if kept.fingerprint != request_fingerprint:
        raise KeyReused(
            f"This {KEY_HEADER} was used for another request; use a new key for a new request.", KEY_HEADER
        )
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type="application/json")
    if kept.location:
        response["Location"] = kept.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: HttpRequest, user_id: int, action: Callable[[], HttpResponse]) -> HttpResponse:
    """Run `action` once per (user, key); its answer, error or not, is what a retry gets."""
    key = request_key(request)
    if key is None:
        with transaction.atomic():
            return action()
    request_fingerprint = fingerprint(request)
    fresh = timezone.now() - KEPT_FOR
    kept = IdempotentRequest.objects.filter(user_id=user_id, key=key, created_at__gte=fresh)
    try:
        with transaction.atomic():
            earlier = kept.first()
            if earlier is not None:
                return replay(earlier, request_fingerprint)
            IdempotentRequest.objects.filter(user_id=user_id, key=key).delete()  # an expired one
            response = action()
            try:
                with transaction.atomic():
                    IdempotentRequest.objects.create(
                        user_id=user_id,
                        key=key,
                        fingerprint=request_fingerprint,
                        status=response.status_code,
                        body=response.content,
                        location=response.get("Location", ""),
                    )
            except IntegrityError:
                raise Raced from None
            return response
    except Raced:
        # Another request with this key committed first: this one's action is rolled back.
        earlier = kept.first()
        if earlier is None:
            raise KeyInProgress(
                f"A request with this {KEY_HEADER} is still in progress.", KEY_HEADER
            ) from None
        return replay(earlier, request_fingerprint)
