"""The webhook actions, one transaction each: the owner's (register, rotate, enable, delete,
replay, ping) and the worker's (fan an endpoint's new changes out into deliveries, claim due
deliveries, record an attempt)."""

import logging
import random
import uuid
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from labshare.accounts.models import User
from labshare.api.queries import fetch_all
from labshare.api.timestamps import utc_time
from labshare.changes import feed
from labshare.changes.recording import SCOPE_OF_TYPE, TYPES
from labshare.oauth.models import Application
from labshare.webhooks import signing
from labshare.webhooks.models import Delivery, Endpoint, Kind, Status
from labshare.webhooks.transport import Answer, Refused, checked_url

logger = logging.getLogger(__name__)

# The change types an endpoint may ask for (a user's own record needs a token: not sent).
EVENT_TYPES: tuple[str, ...] = tuple(t for t in TYPES if t != "users")
FAN_OUT_LIMIT = 500


def ensure_owner(application: Application, by: User) -> None:
    if application.user_id != by.pk:
        raise PermissionDenied("Only the application's owner manages its webhooks.")


def allowed_event_types(application: Application) -> list[str]:
    """The types the application's scopes let it read, each with its /v1/changes scope."""
    return [t for t in EVENT_TYPES if SCOPE_OF_TYPE[t] in application.scope_list]


def clean_event_types(event_types: list[str], application: Application) -> list[str]:
    allowed = allowed_event_types(application)
    if not event_types or not set(event_types) <= set(allowed):
        raise ValidationError({"event_types": f"Choose one or more of: {', '.join(allowed)}."})
    return [t for t in allowed if t in event_types]


def clean_url(url: str) -> str:
    """The URL as given, once it may be delivered to (its name is resolved at each attempt)."""
    try:
        checked_url(url)
    except Refused as refused:
        raise ValidationError({"url": str(refused)}) from None
    return url


@transaction.atomic
def create_endpoint(
    *, application: Application, by: User, url: str, event_types: list[str]
) -> tuple[Endpoint, str]:
    """Register an endpoint, following the changes from now on. Answers it and its secret."""
    ensure_owner(application, by)
    endpoint = Endpoint(
        application=application,
        url=clean_url(url),
        event_types=" ".join(clean_event_types(event_types, application)),
        secret_salt=signing.new_salt(),
        cursor=feed.read([], after=None).cursor,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, signing.secret_of(endpoint.secret_salt)


@transaction.atomic
def rotate_secret(*, endpoint: Endpoint, by: User) -> str:
    """A new secret; the previous one still signs for LABSHARE_WEBHOOKS_SECRET_OVERLAP_HOURS."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    ensure_owner(endpoint.application, by)
    overlap = timedelta(hours=settings.LABSHARE_WEBHOOKS_SECRET_OVERLAP_HOURS)
    endpoint.previous_secret_salt, endpoint.secret_salt = endpoint.secret_salt, signing.new_salt()
    endpoint.previous_secret_until = timezone.now() + overlap
    endpoint.save(
        update_fields=["previous_secret_salt", "secret_salt", "previous_secret_until", "updated_at"]
    )
    return signing.secret_of(endpoint.secret_salt)


@transaction.atomic
def set_endpoint_enabled(*, endpoint: Endpoint, by: User, enabled: bool) -> Endpoint:
    """Turn deliveries off or on again; waiting deliveries and new changes go out once it is on."""
    ensure_owner(endpoint.application, by)
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason = ""
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    return endpoint


@transaction.atomic
def delete_endpoint(*, endpoint: Endpoint, by: User) -> None:
    ensure_owner(endpoint.application, by)
    endpoint.delete()


@transaction.atomic
def replay_delivery(*, delivery: Delivery, by: User) -> Delivery:
    """Send a delivery again, with the same webhook-id and body (receivers deduplicate on it)."""
    ensure_owner(delivery.endpoint.application, by)
    return Delivery.objects.create(
        endpoint=delivery.endpoint,
        kind=Kind.REPLAY,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        record_id=delivery.record_id,
        action=delivery.action,
        record_key=delivery.record_key,
        body=delivery.body,
        occurred_at=timezone.now(),
    )


@transaction.atomic
def send_ping(*, endpoint: Endpoint, by: User) -> Delivery:
    """A test message, attempted once, even while the endpoint is disabled."""
    ensure_owner(endpoint.application, by)
    now = timezone.now()
    message_id = new_message_id()
    body = {"type": "ping", "id": endpoint.pk, "action": "ping", "occurred_at": utc_time(now)}
    return Delivery.objects.create(
        endpoint=endpoint,
        kind=Kind.PING,
        message_id=message_id,
        event_type="ping",
        action="ping",
        record_key=f"ping:{message_id}",
        body=orjson.dumps(body).decode(),
        occurred_at=now,
    )


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


# The labs whose tokens the application holds: each authorisation's labs that its user is
# still a member of (as the bearer check reads them), service bindings included.
APPLICATION_LABS = """
SELECT DISTINCT al.account_id AS lab_id
FROM oauth_authorisation a
JOIN oauth_authorisation_labs al ON al.authorisation_id = a.id
JOIN accounts_membership m ON m.user_id = a.user_id AND m.lab_id = al.account_id
JOIN accounts_user u ON u.id = a.user_id AND u.is_active = %s
WHERE a.application_id = %s
ORDER BY al.account_id
"""


def application_labs(application_id: int) -> list[int]:
    return [row["lab_id"] for row in fetch_all(APPLICATION_LABS, [True, application_id])]


# The scopes each authorisation of the application was granted: those of its access tokens.
AUTHORISATION_SCOPES = """
SELECT a.id AS authorisation_id, t.scope
FROM oauth_authorisation a
JOIN oauth2_provider_accesstoken t ON t.user_id = a.user_id AND t.application_id = a.application_id
WHERE a.application_id = %s
"""


def granted_scopes(application: Application) -> set[str]:
    """The scopes every authorisation of the application was granted, within its own scopes.
    An authorisation with no token left reads nothing through the API and narrows nothing."""
    granted: dict[int, set[str]] = {}
    for row in fetch_all(AUTHORISATION_SCOPES, [application.pk]):
        granted.setdefault(row["authorisation_id"], set()).update(row["scope"].split())
    return set(application.scope_list).intersection(*granted.values())


def readable_types(endpoint: Endpoint) -> list[str]:
    """The endpoint's types that every token the application holds may read: no change of
    another type is sent, even to labs whose tokens could read it."""
    scopes = granted_scopes(endpoint.application)
    return [t for t in endpoint.type_list if SCOPE_OF_TYPE[t] in scopes]


def locked(queryset: QuerySet) -> QuerySet:
    """Rows no other worker holds: SKIP LOCKED on PostgreSQL (SQLite serialises writers)."""
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def fan_out(*, endpoint_id: int, limit: int = FAN_OUT_LIMIT) -> int:
    """Turn the endpoint's changes after its cursor into deliveries and move the cursor, in one
    transaction that holds the endpoint: two workers never fan one change out twice."""
    with transaction.atomic():
        endpoint = locked(Endpoint.objects.filter(pk=endpoint_id, enabled=True)).first()
        if endpoint is None:
            return 0
        try:
            page = feed.read(
                lambda: application_labs(endpoint.application_id),
                types=readable_types(endpoint),
                after=endpoint.cursor,
                limit=limit,
                reader=feed.ApplicationReader(endpoint.application_id),
            )
        except feed.CursorExpired as expired:
            logger.warning("webhook endpoint %s fell behind the retention: following from now", endpoint.pk)
            Endpoint.objects.filter(pk=endpoint.pk).update(cursor=expired.cursor)
            return 0
        if page.cursor == endpoint.cursor:
            return 0
        Delivery.objects.bulk_create([delivery_of(endpoint, change) for change in page.changes])
        # The cursor moves only from where this transaction read it (on SQLite, where the lock is a no-op).
        moved = Endpoint.objects.filter(pk=endpoint.pk, cursor=endpoint.cursor).update(cursor=page.cursor)
        if not moved:
            transaction.set_rollback(True)
            return 0
        return len(page.changes)


def delivery_of(endpoint: Endpoint, change: dict) -> Delivery:
    return Delivery(
        endpoint=endpoint,
        message_id=new_message_id(),
        event_type=change["type"],
        record_id=change["id"],
        action=change["action"],
        record_key=f"{change['type']}:{change['id']}",
        body=orjson.dumps(change).decode(),
        occurred_at=datetime.fromisoformat(change["occurred_at"]),
    )


def lease_seconds() -> float:
    # Longer than a batch can take: every attempt in it ends by the timeout, then it is recorded.
    return 3 * settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS + 5


def claim_due(*, limit: int) -> tuple[str, list[Delivery]]:
    """Lease up to `limit` due deliveries no other worker holds, none of them waiting for an
    earlier delivery of its record. Answers the lease's token and the deliveries."""
    now = timezone.now()
    token = uuid.uuid4().hex
    earlier = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        record_key=OuterRef("record_key"),
        status=Status.PENDING,
        id__lt=OuterRef("id"),
    )
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = (
        Delivery.objects.filter(free, status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(endpoint__enabled=True) | Q(kind=Kind.PING))
        .exclude(Exists(earlier))
        .order_by("id")
    )
    with transaction.atomic():
        ids = list(locked(due).values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        until = now + timedelta(seconds=lease_seconds())
        # The lease condition again: on SQLite another worker may have leased them meanwhile.
        Delivery.objects.filter(free, pk__in=ids).update(leased_until=until, lease_token=token)
    claimed = Delivery.objects.filter(pk__in=ids, lease_token=token).select_related("endpoint").order_by("id")
    return token, list(claimed)


def still_readable(batch: list[Delivery]) -> list[Delivery]:
    """The deliveries of a leased batch whose record the application may still read; the
    others are withdrawn, unsent: a body is sent only while one of the application's labs shows
    it (a lab that left sends its records deleted instead, from the record of changes)."""
    visibilities: dict[int, feed.Visibility] = {}
    kept, withdrawn = [], []
    for delivery in batch:
        body = orjson.loads(delivery.body)
        if "record" not in body:  # a deletion or a ping: nothing of the record in it
            kept.append(delivery)
            continue
        application_id = delivery.endpoint.application_id
        if application_id not in visibilities:
            visibilities[application_id] = feed.Visibility(
                application_labs(application_id), EVENT_TYPES, feed.ApplicationReader(application_id)
            )
        readable = visibilities[application_id].record(body["type"], body["id"]) is not None
        (kept if readable else withdrawn).append(delivery)
    if withdrawn:
        Delivery.objects.filter(
            pk__in=[d.pk for d in withdrawn], lease_token=withdrawn[0].lease_token
        ).update(
            status=Status.WITHDRAWN,
            leased_until=None,
            lease_token="",
            error="Not sent: the application can no longer read this record.",
        )
    return kept


def retry_delay(attempts: int) -> float | None:
    """The wait after the attempts-th failed attempt, with ±20 % jitter; None when none is left."""
    schedule = settings.LABSHARE_WEBHOOKS_RETRY_SCHEDULE
    if attempts > len(schedule):
        return None
    return schedule[attempts - 1] * random.uniform(0.8, 1.2)


@transaction.atomic
def record_attempts(*, lease_token: str, attempts: list[tuple[Delivery, Answer]]) -> None:
    """Record the attempts of a leased batch, in one transaction: each delivered, retried later,
    or failed for good, which disables its endpoint and tells the owner. A delivery whose lease
    was lost meanwhile (it expired, another worker took it) is left to that worker."""
    held = Delivery.objects.select_for_update().filter(
        pk__in=[delivery.pk for delivery, _ in attempts], lease_token=lease_token
    )
    current = {delivery.pk: delivery for delivery in held}
    for delivery, answer in attempts:
        if delivery.pk in current:
            record_attempt(current[delivery.pk], answer)


def record_attempt(current: Delivery, answer: Answer) -> None:
    current.attempts += 1
    current.response_code = answer.status_code
    current.error = answer.error
    current.duration_ms = answer.duration_ms
    current.leased_until, current.lease_token = None, ""
    if answer.ok:
        current.status = Status.DELIVERED
        current.delivered_at = answer.received_at
        current.latency_ms = (answer.received_at - current.occurred_at).total_seconds() * 1000
    elif current.kind == Kind.PING:
        current.status = Status.FAILED
    else:
        delay = retry_delay(current.attempts)
        if delay is None:
            current.status = Status.FAILED
            disable_failing(current)
        else:
            current.next_attempt_at = answer.received_at + timedelta(seconds=delay)
    current.save()


def disable_failing(delivery: Delivery) -> None:
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = (
        f"Disabled after {delivery.attempts} failed attempts to deliver {delivery.message_id}"
        f" (last: {delivery.error or 'no answer'})."
    )[:300]
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    transaction.on_commit(lambda: tell_owner_disabled(endpoint.pk))


def tell_owner_disabled(endpoint_id: int) -> None:
    endpoint = Endpoint.objects.select_related("application__user").get(pk=endpoint_id)
    owner = endpoint.application.user
    if owner is None or not owner.email:
        return
    body = (
        f"The webhook endpoint {endpoint.url} of your application {endpoint.application.name}"
        f" is disabled: {endpoint.disabled_reason}\n"
        "Fix the receiver, then enable the endpoint again on the application's page: waiting"
        " deliveries and the changes since then will follow.\n"
    )
    try:
        EmailMessage(f"Webhook endpoint disabled: {endpoint.url}", body, to=[owner.email]).send()
    except OSError:  # the endpoint stays disabled; a mail server that is down must not undo it
        logger.exception("could not tell the owner of webhook endpoint %s", endpoint_id)


def prune_deliveries(*, now: datetime | None = None) -> int:
    """Delete the finished deliveries (delivered or failed) older than the record of changes'
    retention (LABSHARE_CHANGES_RETENTION_DAYS): the log keeps as long as the record does, and a
    pending delivery stays until it is finished. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHANGES_RETENTION_DAYS)
    deleted, _ = Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Status.PENDING).delete()
    return deleted
