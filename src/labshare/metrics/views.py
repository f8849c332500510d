import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from labshare import metrics
from labshare.api.errors import json_response


def token_matches(given: str, expected: str) -> bool:
    # Digests of equal length, compared in constant time: nothing to learn from the timing.
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


@never_cache
@require_safe
def metrics_page(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape: 404 while metrics are off, 401 without `Authorization: Bearer <token>`."""
    if not metrics.enabled():
        return json_response({"error": "not_found", "error_description": "Metrics are off."}, 404)
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token_matches(given.strip(), settings.LABSHARE_METRICS_TOKEN):
        response = json_response(
            {
                "error": "invalid_token",
                "error_description": "The Authorization header must carry the metrics bearer token.",
            },
            401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
