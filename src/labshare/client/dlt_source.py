"""`labshare` as a dlt source: every resource, loaded incrementally, deletions applied.

    import dlt
    from labshare.client.dlt_source import labshare_source

    pipeline = dlt.pipeline("labshare", destination="duckdb", dataset_name="labshare")
    pipeline.run(labshare_source())

The source reads the server as `labshare pull` does, through the same sync (`Puller`) into a
local state file in the pipeline's working folder: a Labshare server is read from the last
watermark with `updated_since` (the real service in full, with details only for what
changed), with the same sign-in (`labshare login`'s saved connection, refreshed and rotated as
the toolkit does). Each load then hands dlt only the records that pull wrote, to be merged by
primary key, and a `_deleted` row (a dlt hard delete) for each record that pull removed. Nested
objects and lists are dlt's to normalise (`bookings__projects`, ...).
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import dlt
import orjson

from labshare.client.api import Client
from labshare.client.store import Store
from labshare.client.sync import Puller
from labshare.client.tables import DAY, FLAG, ID, JSON, MONEY, NUMBER, RESOURCES, TABLES, TEXT, TIME
from labshare.client.tokens import TokenStore

STATE_FILE = "labshare-sync.duckdb"
DELETED = "_deleted"


class Changes:
    """One pull into the state file, then what it wrote and removed, table by table."""

    def __init__(
        self, state_path: Path, home: Path | None, resources: tuple[str, ...], concurrency: int
    ) -> None:
        self.state_path = state_path
        self.home = home
        self.resources = resources
        self.concurrency = concurrency

    @cache  # noqa: B019 (one pull per source instance, whichever resource asks first)
    def pull(self) -> dict[str, tuple[list[dict[str, Any]], list[int]]]:
        with Client.from_store(TokenStore(self.home) if self.home else None, self.concurrency) as client:
            store = Store(self.state_path)
            try:
                before = {name: self._keys(store, name) for name in self.resources}
                started = datetime.now(UTC)
                Puller(client, store).pull(self.resources)
                return {
                    name: (
                        self._written_since(store, name, started),
                        sorted(before[name] - self._keys(store, name)),
                    )
                    for name in self.resources
                }
            finally:
                store.close()

    @staticmethod
    def _keys(store: Store, name: str) -> set[int]:
        table = TABLES[name]
        return {row[0] for row in store.db.execute(f'SELECT "{table.key}" FROM "{name}"').fetchall()}  # noqa: S608 (our own names)

    @staticmethod
    def _written_since(store: Store, name: str, started: datetime) -> list[dict[str, Any]]:
        table = TABLES[name]
        kinds = dict(table.columns)
        columns = table.data_columns
        names = ", ".join(f'"{column}"' for column in columns)
        cursor = store.db.execute(f'SELECT {names} FROM "{name}" WHERE _synced_at >= ?', [started])  # noqa: S608 (our own names; values are parameters)
        return [
            {
                column: orjson.loads(value) if kinds[column] == JSON and value is not None else value
                for column, value in zip(columns, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


# dlt's types for the contract's scalar columns (nested objects and lists are dlt's to unpack).
DLT_TYPES = {
    ID: {"data_type": "bigint"},
    TEXT: {"data_type": "text"},
    TIME: {"data_type": "timestamp", "timezone": True},
    DAY: {"data_type": "date"},
    MONEY: {"data_type": "decimal", "precision": 14, "scale": 2},
    NUMBER: {"data_type": "double"},
    FLAG: {"data_type": "bool"},
}


def _resource(changes: Changes, name: str) -> Any:
    table = TABLES[name]
    key = table.key
    # A dict of its own for each column: dlt fills in the column's name and nullability.
    hints = {
        column: dict(DLT_TYPES[kind])
        for column, kind in table.columns
        if kind in DLT_TYPES and column in table.data_columns
    }

    def records() -> Iterator[dict[str, Any]]:
        written, deleted = changes.pull()[name]
        yield from written
        yield from ({key: record_id, DELETED: True} for record_id in deleted)

    return dlt.resource(
        records,
        name=name,
        primary_key=key,
        write_disposition="merge",
        columns={**hints, DELETED: {"data_type": "bool", "hard_delete": True}},
    )


@dlt.source(name="labshare")
def labshare_source(
    resources: tuple[str, ...] = RESOURCES,
    client_home: str | None = None,
    state_path: str | None = None,
    concurrency: int = 8,
) -> Any:
    """Every Labshare resource (or those named), from the connection `labshare login` saved in
    `client_home` (default: LABSHARE_CLIENT_HOME or the user's config folder)."""
    path = Path(state_path) if state_path else Path(dlt.current.pipeline().working_dir) / STATE_FILE
    changes = Changes(path, Path(client_home) if client_home else None, tuple(resources), concurrency)
    return [_resource(changes, name) for name in changes.resources]
