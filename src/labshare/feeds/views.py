"""/feeds/<token>.ics (the calendar a calendar program subscribes to) and the POSTs that
give, replace and revoke a feed's URL (from the equipment, lab and "my bookings" pages)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from labshare.accounts.models import Account, AccountType
from labshare.api.errors import json_response
from labshare.api.parameters import ID_DIGITS
from labshare.bookings import rules
from labshare.bookings.views.access import back
from labshare.feeds import services
from labshare.feeds.access import feed_view
from labshare.feeds.models import CalendarFeed, FeedKind
from labshare.feeds.selectors import Window, events, feed_state, feed_title
from labshare.feeds.services import FeedError, NotFound
from labshare.feeds.tokens import MAX_ID, parse_token, token_matches
from labshare.rfc5545 import calendar

READ_METHODS = ("GET", "HEAD")


def _error(status: int, error: str, description: str, parameter: str) -> HttpResponse:
    return json_response(
        {"error": error, "error_description": description, "parameter": parameter}, status=status
    )


def _no_feed() -> HttpResponse:
    # Unknown, revoked, replaced, or its user no longer a member: all look alike.
    return _error(404, "not_found", "No calendar feed answers to this token.", "token")


def _readable_feed(token: str) -> CalendarFeed | None:
    parsed = parse_token(token)
    if parsed is None:
        return None
    feed_id, mac = parsed
    feed = (
        CalendarFeed.objects.select_related("user", "equipment", "lab")
        .filter(pk=feed_id, active=True)
        .first()
    )
    return feed if feed is not None and token_matches(feed, mac) else None


@csrf_exempt  # the token in the URL is the credential: there is no cookie to forge a request with
def feed(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in READ_METHODS:
        response = _error(405, "method_not_allowed", f"{request.method} is not allowed; use GET.", "method")
        response["Allow"] = ", ".join(READ_METHODS)
        return response
    subscription = _readable_feed(token)
    view = feed_view(subscription) if subscription is not None else None
    if view is None:
        return _no_feed()
    window = Window.around(timezone.now())
    state = feed_state(subscription, view, window)
    modified_at = int(state.last_modified.timestamp())  # HTTP dates have whole seconds
    etag, last_modified = quote_etag(state.etag), http_date(modified_at)
    headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "private, no-cache"}
    unchanged = get_conditional_response(request, etag=etag, last_modified=modified_at)
    if unchanged is not None:
        for name, value in headers.items():
            unchanged[name] = value
        return unchanged
    body = calendar(
        feed_title(subscription),
        events(subscription, view, window),
        settings.LABSHARE_ICS_DOMAIN,
        state.last_modified,
        product="labshare feeds",
        refresh=timedelta(minutes=settings.LABSHARE_FEEDS_REFRESH_MINUTES),
    )
    response = HttpResponse(
        b"" if request.method == "HEAD" else body, content_type="text/calendar; charset=utf-8"
    )
    response["Content-Length"] = str(len(body))
    for name, value in headers.items():
        response[name] = value
    return response


def _integer(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    if (
        not value.isascii()
        or not value.isdigit()
        or len(value.lstrip("0")) > ID_DIGITS
        or int(value) > MAX_ID
    ):
        raise FeedError(f"{name} must be an id.", name)
    return int(value)


def _target(request: HttpRequest, kind: str) -> dict:
    if kind == FeedKind.EQUIPMENT:
        equipment_id = _integer(request, "equipment")
        equipment = (
            rules.bookable_equipment(request.user).select_related("lab").filter(pk=equipment_id).first()
        )
        if equipment is None:
            raise NotFound(f"No equipment with id {equipment_id}.", "equipment")
        return {"equipment": equipment}
    if kind == FeedKind.LAB:
        lab_id = _integer(request, "lab")
        lab = Account.objects.filter(pk=lab_id, account_type=AccountType.LAB).first()
        if lab is None:
            raise NotFound(f"No lab with id {lab_id}.", "lab")
        return {"lab": lab}
    return {}


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    try:
        if kind not in FeedKind.values:
            raise FeedError(f"kind must be one of {', '.join(FeedKind.values)}.", "kind")
        services.subscribe(user=request.user, kind=kind, **_target(request, kind))
    except FeedError as error:
        return _error(error.status, "invalid_parameter", error.message, error.field)
    messages.success(request, "Your calendar feed's URL is below: add it to your calendar program.")
    return redirect(back(request, "/bookings"))


def _change(request: HttpRequest, feed_id: int, action, done: str) -> HttpResponse:
    try:
        action(feed=CalendarFeed(pk=feed_id), by=request.user)
    except FeedError as error:
        return _error(error.status, "invalid_parameter", error.message, error.field)
    messages.success(request, done)
    return redirect(back(request, "/bookings"))


@login_required
@require_POST
def replace(request: HttpRequest, feed_id: int) -> HttpResponse:
    return _change(request, feed_id, services.replace_feed, "A new URL replaces the feed's old one.")


@login_required
@require_POST
def revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    return _change(request, feed_id, services.revoke_feed, "The feed's URL no longer answers.")
