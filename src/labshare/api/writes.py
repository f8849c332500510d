"""The write API (an extension): request, cancel, approve and decline bookings, add notes.

Each endpoint parses and authorises, then calls the booking's domain function
(bookings/services.py); its answer is the booking as `GET /v1/bookings/{id}` shows it.
Every POST honours Idempotency-Key.
"""

import zoneinfo
from collections.abc import Callable
from datetime import datetime

import orjson
from django.http import HttpResponse

from labshare.accounts.models import Group, User
from labshare.api import details
from labshare.api.auth import ApiRequest, api_write_view
from labshare.api.errors import ApiError, BadParameter, NotFound, json_response
from labshare.api.idempotency import idempotent
from labshare.api.parameters import MAX_ID, record_id
from labshare.api.timestamps import local_time as lab_time
from labshare.bookings import rules, services
from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.projects.models import FundingCode, Project

WRITE_SCOPES = ("write_bookings",)
# The domain functions' names for what they check, and the API's names for the same.
PARAMETERS = {
    "equipment": "equipment_id",
    "start": "start_time",
    "start_time": "start_time",
    "end": "end_time",
    "end_time": "end_time",
    "group": "group_id",
    "requester_lab": "requester_lab_id",
    "projects": "project_ids",
    "funding_codes": "funding_code_ids",
    "answers": "custom_form_answers",
}


class Forbidden(ApiError):
    status = 403
    error = "forbidden"


class Conflict(ApiError):
    status = 409
    error = "slot_taken"

    def __init__(self, description: str, conflict: dict | None) -> None:
        super().__init__(description, "start_time")
        self.conflict = conflict

    def body(self) -> dict:
        # None while the winner's transaction has not committed: nothing to show of it yet.
        return {**super().body(), **({"conflict": self.conflict} if self.conflict else {})}


class Unprocessable(ApiError):
    """422: every invalid field, each {"parameter", "message"} (and "field", a custom form
    question's label)."""

    status = 422
    error = "invalid_booking"

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors[0]["message"], errors[0]["parameter"])
        self.errors = errors

    def body(self) -> dict:
        return {**super().body(), "errors": self.errors}


def invalid(parameter: str, message: str) -> Unprocessable:
    return Unprocessable([{"parameter": parameter, "message": message}])


# Input ----------------------------------------------------------------------------------


def json_body(request: ApiRequest) -> dict:
    if request.content_type != "application/json":
        raise BadParameter("Send a JSON object with Content-Type: application/json.", "body")
    try:
        body = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        raise BadParameter("The body is not valid JSON.", "body") from None
    if not isinstance(body, dict):
        raise BadParameter("The body must be a JSON object.", "body")
    return body


def integer(body: dict, name: str, required: bool = False) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, f"{name} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise invalid(name, f"{name} must be a positive integer id.")
    return value


def integers(body: dict, name: str) -> list[int]:
    values = body.get(name) or []
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_ID for v in values
    ):
        raise invalid(name, f"{name} must be a list of positive integer ids.")
    return values


def text(body: dict, name: str, limit: int = 5000) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise invalid(name, f"{name} must be a string of at most {limit} characters.")
    return value


def local_time(body: dict, name: str, zone: zoneinfo.ZoneInfo) -> datetime:
    """An ISO 8601 date-time; one without an offset is the lab's wall-clock time, and a time
    the clocks skip (a spring-forward gap) or repeat (autumn) without an offset is refused."""
    value = body.get(name)
    if not isinstance(value, str):
        raise invalid(name, f"{name} is required: an ISO 8601 date-time such as 2026-03-02T09:00:00+01:00.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(name, f"{name} must be an ISO 8601 date-time, not {value!r}.") from None
    if moment.tzinfo is not None:
        return moment
    early, late = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        raise invalid(
            name, f"{value} is skipped or repeated by a clock change in {zone.key}: give its offset."
        )
    return early


def visible(model, pk: int | None, parameter: str, thing: str, **rules_):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, **rules_).first()
    if found is None:
        raise invalid(parameter, f"No {thing} with id {pk} that you may use.")
    return found


# Output ---------------------------------------------------------------------------------


def booking_body(booking_pk: int, lab_id: int) -> dict:
    return details.booking(booking_pk, frozenset([lab_id]))


def booking_answer(request: ApiRequest, booking: Booking, status: int = 200) -> HttpResponse:
    response = json_response(booking_body(booking.pk, booking.provider_lab_id), status=status)
    if status == 201:
        response["Location"] = request.build_absolute_uri(f"/v1/bookings/{booking.pk}")
    return response


def domain_error(error: services.BookingError, answers_labels: list[str] | None = None) -> ApiError:
    if isinstance(error, services.SlotTaken):
        held = error.conflict
        return Conflict(
            error.message,
            {
                "booking_id": held.pk,
                "equipment_id": held.equipment_id,
                "start_time": lab_time(held.start_time, held.provider_lab.timezone),
                "end_time": lab_time(held.end_time, held.provider_lab.timezone),
            },
        )
    if type(error) is services.BookingError and error.field == "start":  # raced: taken meanwhile
        return Conflict(error.message, None)
    if isinstance(error, services.NotAllowed):
        return Forbidden(error.message, PARAMETERS.get(error.field or "", error.field))
    if isinstance(error, services.InvalidAnswers):
        labels = answers_labels or []
        return Unprocessable(
            [
                {"parameter": "custom_form_answers", "message": message}
                | ({"field": labels[index]} if index is not None and index < len(labels) else {})
                for index, message in error.by_index.items()
            ]
        )
    if isinstance(error, services.InvalidBooking):
        return Unprocessable(
            [
                {"parameter": PARAMETERS.get(field, field), "message": message}
                for field, messages in error.errors.items()
                for message in messages
            ]
        )
    return Unprocessable([{"parameter": PARAMETERS.get(error.field or "", "body"), "message": error.message}])


def acting(request: ApiRequest, run: Callable[[User], HttpResponse]) -> HttpResponse:
    """Run a write once per Idempotency-Key as the token's user; errors are answers too."""

    def action() -> HttpResponse:
        try:
            return run(User.objects.get(pk=request.token.user_id))
        except ApiError as error:
            return error.response(request)

    return idempotent(request, request.token.user_id, action)


# Endpoints ------------------------------------------------------------------------------


@api_write_view(scopes=WRITE_SCOPES)
def create_booking(request: ApiRequest) -> HttpResponse:
    body = json_body(request)

    def run(user: User) -> HttpResponse:
        equipment_pk = integer(body, "equipment_id", required=True)
        equipment = Equipment.objects.select_related("lab").filter(pk=equipment_pk).first()
        if equipment is None or not (
            equipment.lab_id in request.token.labs
            or rules.bookable_equipment(user).filter(pk=equipment_pk).exists()
        ):
            raise invalid("equipment_id", f"No equipment with id {equipment_pk} that you may book.")
        zone = equipment.lab.zoneinfo
        lab = requester_lab(request, user, equipment, integer(body, "requester_lab_id"))
        version = rules.current_form_version(equipment.lab)
        labels = [field.get("text", "") for field in version.fields] if version else []
        try:
            booking = services.request_booking(
                equipment=equipment,
                start=local_time(body, "start_time", zone),
                end=local_time(body, "end_time", zone),
                requester=user,
                requester_lab=lab,
                group=visible(Group, integer(body, "group_id"), "group_id", "group", lab=lab),
                projects=[
                    visible(Project, pk, "project_ids", "project") for pk in integers(body, "project_ids")
                ],
                funding_codes=[
                    visible(FundingCode, pk, "funding_code_ids", "funding code")
                    for pk in integers(body, "funding_code_ids")
                ],
                answers=body.get("custom_form_answers"),
                note=text(body, "note"),
            )
        except services.BookingError as error:
            raise domain_error(error, labels) from None
        return booking_answer(request, booking, status=201)

    return acting(request, run)


def requester_lab(request: ApiRequest, user: User, equipment: Equipment, lab_id: int | None):
    """The lab the booking is made for: one the token may act for, and the user belongs to."""
    candidates = [lab_id] if lab_id is not None else [equipment.lab_id, *request.token.lab_ids]
    for candidate in candidates:
        if candidate not in request.token.labs:
            continue
        lab = rules.member_labs(user).filter(pk=candidate).first()
        if lab is not None and rules.lab_may_book(lab, equipment):
            return lab
    if lab_id is not None:
        raise Forbidden(f"This token may not book for lab {lab_id}.", "requester_lab_id")
    raise Forbidden(f"None of this token's labs may book {equipment.name}.", "equipment_id")


def booking_action(act: Callable[[Booking, User, dict], Booking], provider_only: bool = False):
    """An action on one booking the token can see: provided by its labs or, for the
    requester's own actions (and public notes), requested for them."""

    @api_write_view(scopes=WRITE_SCOPES)
    def view(request: ApiRequest, booking_id: str) -> HttpResponse:
        booking_pk = record_id(booking_id, "booking")
        body = json_body(request)

        def run(user: User) -> HttpResponse:
            booking = Booking.objects.select_related("provider_lab").filter(pk=booking_pk).first()
            labs = request.token.labs
            if booking is None or not (
                booking.provider_lab_id in labs or (not provider_only and booking.requester_lab_id in labs)
            ):
                raise NotFound("booking", booking_pk)
            if act is add_note and body.get("public") is False and booking.provider_lab_id not in labs:
                raise Forbidden("Private notes need a token for the providing lab.", "public")
            try:
                changed = act(booking, user, body)
            except services.BookingError as error:
                raise domain_error(error) from None
            return booking_answer(request, changed, status=201 if act is add_note else 200)

        return acting(request, run)

    return view


def cancel(booking: Booking, user: User, body: dict) -> Booking:
    return services.cancel_booking(booking=booking, by=user, reason=text(body, "reason"))


def approve(booking: Booking, user: User, body: dict) -> Booking:
    return services.approve_booking(booking=booking, by=user, note=text(body, "note"))


def decline(booking: Booking, user: User, body: dict) -> Booking:
    return services.decline_booking(booking=booking, by=user, note=text(body, "note"))


def add_note(booking: Booking, user: User, body: dict) -> Booking:
    public = body.get("public", True)
    if not isinstance(public, bool):
        raise invalid("public", "public must be true or false.")
    message = text(body, "message")
    if not message.strip():
        raise invalid("message", "message is required.")
    services.add_note(booking=booking, by=user, message=message, public=public)
    return booking


cancel_view = booking_action(cancel)
approve_view = booking_action(approve, provider_only=True)
decline_view = booking_action(decline, provider_only=True)
note_view = booking_action(add_note)
