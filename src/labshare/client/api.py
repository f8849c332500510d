"""`Client`: one method per API read, lists as iterators over every page."""

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

import orjson

from labshare.client import models
from labshare.client.config import checked_url
from labshare.client.errors import ApiError, ReconnectRequired
from labshare.client.pagination import PageWalk
from labshare.client.session import Session
from labshare.client.tokens import Credentials, TokenStore

FAR_FUTURE = "2999-01-01T00:00:00Z"
CHANGES_LIMIT = 1000  # the most /v1/changes answers at once
# Fields of a booking's details that its list item lacks: a page item with them is a detail.
DETAIL_ONLY_FIELDS = ("cost", "requester_lab", "projects")


def iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


class CursorExpired(Exception):
    """/v1/changes answered 410 `cursor_expired`: read the lists again, then follow from `cursor`."""

    def __init__(self, cursor: str) -> None:
        super().__init__("The changes after the stored cursor were pruned by the server.")
        self.cursor = cursor


class Client:
    """The API for one saved connection.

    List methods return every record (all pages, fetched `concurrency` at a time, each id
    once); `walk(...)` gives the underlying PageWalk when its consistency matters.
    """

    def __init__(self, session: Session, concurrency: int = 8) -> None:
        self.session = session
        self.concurrency = concurrency
        self._supports_updated_since: dict[str, bool] = {}
        self._supports_detail_view: dict[str, bool] = {}

    @classmethod
    def from_store(cls, store: TokenStore | None = None, concurrency: int = 8) -> "Client":
        store = store or TokenStore()
        credentials = store.load()
        if credentials is None:
            raise ReconnectRequired(f"No saved connection in {store.path}.")
        if os.environ.get("LABSHARE_API_URL"):  # the same connection, read from another API host
            api_url = checked_url(os.environ["LABSHARE_API_URL"], "LABSHARE_API_URL")
            credentials = replace(credentials, api_url=api_url.rstrip("/") + "/")
        return cls(Session(credentials, store, concurrency=concurrency), concurrency)

    @classmethod
    def from_credentials(cls, credentials: Credentials, concurrency: int = 8) -> "Client":
        return cls(Session(credentials, concurrency=concurrency), concurrency)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def walk(self, path: str, **params: Any) -> PageWalk:
        return PageWalk(self.session, path, params, self.concurrency)

    # --- the reads of the v0.1.5 reference -------------------------------------------------

    def user(self) -> models.User:
        return cast(models.User, self.session.get_json("user"))

    def accounts(self, updated_since: datetime | str | None = None) -> Iterator[models.AccountSummary]:
        return cast(
            Iterator[models.AccountSummary], self.walk("accounts", updated_since=iso(updated_since)).records()
        )

    def account(self, account_id: int) -> models.Account:
        return cast(models.Account, self.session.get_json(f"accounts/{account_id}"))

    def bookings(
        self,
        provider_account: int | None = None,
        updated_since: datetime | str | None = None,
        start_after: datetime | str | None = None,
        start_before: datetime | str | None = None,
        status: str | None = None,
    ) -> Iterator[models.BookingSummary]:
        walk = self.walk(
            "bookings",
            provider_account=provider_account,
            updated_since=iso(updated_since),
            start_after=iso(start_after),
            start_before=iso(start_before),
            status=status,
        )
        return cast(Iterator[models.BookingSummary], walk.records())

    def booking(self, booking_id: int) -> models.Booking:
        return cast(models.Booking, self.session.get_json(f"bookings/{booking_id}"))

    def equipment_list(
        self,
        account: int | None = None,
        exclude_parents: bool = False,
        updated_since: datetime | str | None = None,
    ) -> Iterator[models.EquipmentSummary]:
        walk = self.walk(
            "equipment",
            account=account,
            exclude_parents="true" if exclude_parents else None,
            updated_since=iso(updated_since),
        )
        return cast(Iterator[models.EquipmentSummary], walk.records())

    def equipment(self, equipment_id: int) -> models.Equipment:
        return cast(models.Equipment, self.session.get_json(f"equipment/{equipment_id}"))

    def equipment_bookings(
        self,
        equipment_id: int,
        updated_since: datetime | str | None = None,
        start_after: datetime | str | None = None,
        start_before: datetime | str | None = None,
        status: str | None = None,
    ) -> Iterator[models.EquipmentBooking]:
        walk = self.walk(
            f"equipment/{equipment_id}/bookings",
            updated_since=iso(updated_since),
            start_after=iso(start_after),
            start_before=iso(start_before),
            status=status,
        )
        return cast(Iterator[models.EquipmentBooking], walk.records())

    def projects(
        self, account_id: int, updated_since: datetime | str | None = None
    ) -> Iterator[models.ProjectSummary]:
        walk = self.walk(f"accounts/{account_id}/projects", updated_since=iso(updated_since))
        return cast(Iterator[models.ProjectSummary], walk.records())

    def project(self, account_id: int, project_id: int) -> models.Project:
        return cast(models.Project, self.session.get_json(f"accounts/{account_id}/projects/{project_id}"))

    def groups(
        self, account: int | None = None, updated_since: datetime | str | None = None
    ) -> Iterator[models.GroupSummary]:
        walk = self.walk("groups", account=account, updated_since=iso(updated_since))
        return cast(Iterator[models.GroupSummary], walk.records())

    def group(self, group_id: int) -> models.Group:
        return cast(models.Group, self.session.get_json(f"groups/{group_id}"))

    def custom_form_response(self, response_id: int) -> models.CustomFormResponse:
        return cast(models.CustomFormResponse, self.session.get_json(f"custom_form_response/{response_id}"))

    # --- the record of changes (a Labshare extension) --------------------------------------

    def changes_cursor(self) -> str | None:
        """The cursor of now from `/v1/changes`, or None when the server does not offer it.

        The real service has no such path: it answers 404 (or 400), and so does a server whose
        answer is not a change feed.
        """
        try:
            answer = self.session.get_json("changes")
        except ApiError as exc:
            if exc.status not in (400, 404, 405, 422):
                raise
            return None
        cursor = answer.get("cursor") if isinstance(answer, dict) else None
        return cursor if isinstance(cursor, str) and "changes" in answer else None

    def changes(self, after: str, types: list[str], limit: int = CHANGES_LIMIT) -> dict[str, Any]:
        """One page of `/v1/changes` after `after`: `changes`, `cursor`, `has_more`.
        Raises CursorExpired when the server has pruned the changes after `after`."""
        params = {"after": after, "types": ",".join(types), "limit": limit}
        try:
            return cast(dict[str, Any], self.session.get_json("changes", params))
        except ApiError as exc:
            if exc.status == 410:
                try:
                    body = orjson.loads(exc.body or "{}")
                except orjson.JSONDecodeError:
                    body = None
                if isinstance(body, dict) and body.get("error") == "cursor_expired":
                    raise CursorExpired(str(body["cursor"])) from exc
            raise

    # --- server capabilities ---------------------------------------------------------------

    def supports_updated_since(self, path: str) -> bool:
        """Whether the list at `path` honours `updated_since` (a Labshare extension).

        Probed with a date far in the future: a server that filters answers 0 records, the
        real service ignores the parameter and answers the full count (or rejects it).
        """
        if path not in self._supports_updated_since:
            try:
                response = self.session.get(path, {"updated_since": FAR_FUTURE, "per_page": 1})
                total = response.headers.get("X-Total-Records")
                self._supports_updated_since[path] = total is not None and int(total) == 0
            except ApiError as exc:
                if exc.status not in (400, 422):
                    raise
                self._supports_updated_since[path] = False
        return self._supports_updated_since[path]

    def supports_detail_view(self, path: str) -> bool:
        """Whether the booking list at `path` answers `view=detail` (a Labshare extension)
        with each booking in the shape of its details.

        Probed with a page of one: the real service ignores the parameter (a list item, without
        `cost`) or rejects it. An empty list says nothing, and needs no details either.
        """
        if path not in self._supports_detail_view:
            try:
                response = self.session.get(path, {"view": "detail", "page": 1, "per_page": 1})
                items = orjson.loads(response.content)
                self._supports_detail_view[path] = (
                    isinstance(items, list)
                    and len(items) > 0
                    and isinstance(items[0], dict)
                    and all(field in items[0] for field in DETAIL_ONLY_FIELDS)
                )
            except ApiError as exc:
                if exc.status not in (400, 422):
                    raise
                self._supports_detail_view[path] = False
        return self._supports_detail_view[path]
