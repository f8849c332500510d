"""The DuckDB file a pull keeps its tables and sync state in; Parquet and CSV are written from it."""

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from labshare.client.flat import all_flat_tables, flat_tables
from labshare.client.star import STAR_TABLES
from labshare.client.tables import ID, JSON, NUMBER, RESOURCES, TABLES, Table

ARROW_TYPES = {ID: pa.int64(), NUMBER: pa.float64()}
MEMORY_LIMIT = "256MB"


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.blake2b(orjson.dumps(record, option=orjson.OPT_SORT_KEYS), digest_size=12).hexdigest()


def _cell(value: Any, column_type: str) -> Any:
    if value is None:
        return None
    if column_type == JSON or isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if column_type == ID:
        return int(value)
    if column_type == NUMBER:
        return float(value)
    return value if isinstance(value, str) else str(value)


def _column(values: list[Any], column_type: str) -> pa.Array:
    """One column for Arrow: as it is when Arrow takes it (most do), else cell by cell."""
    arrow_type = ARROW_TYPES.get(column_type, pa.string())
    if column_type != JSON:
        try:
            return pa.array(values, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array([_cell(value, column_type) for value in values], arrow_type)


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect(str(self.path))
        self.db.execute("SET TimeZone = 'UTC'")
        # DuckDB caches what it writes up to 80 % of the machine's memory by default: a pull's
        # memory would grow with the records it writes.
        self.db.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        for table in TABLES.values():
            columns = ", ".join(f'"{name}" {kind}' for name, kind in table.columns)
            self.db.execute(
                f'CREATE TABLE IF NOT EXISTS "{table.name}" ({columns}, PRIMARY KEY ("{table.key}"))'
            )
            for name, kind in table.columns:  # a field the contract gained since the last pull
                self.db.execute(f'ALTER TABLE "{table.name}" ADD COLUMN IF NOT EXISTS "{name}" {kind}')
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS _sync_state (resource VARCHAR PRIMARY KEY, watermark VARCHAR,"
            " mode VARCHAR, finished_at TIMESTAMPTZ)"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS _pull_info (key VARCHAR PRIMARY KEY, value VARCHAR)")

    def close(self) -> None:
        self.db.close()

    # --- rows ------------------------------------------------------------------------------

    def upsert(self, table_name: str, rows: Sequence[dict[str, Any]]) -> int:
        """Insert or update rows by key; only the columns the rows carry are updated."""
        if not rows:
            return 0
        table = TABLES[table_name]
        by_key = {row[table.key]: row for row in rows}  # one row per key in a statement
        present = [
            (name, kind) for name, kind in table.columns if any(name in row for row in by_key.values())
        ]
        arrays = {name: _column([row.get(name) for row in by_key.values()], kind) for name, kind in present}
        batch = pa.table(arrays)  # noqa: F841 (DuckDB reads the local variable by name)
        names = ", ".join(f'"{name}"' for name, _ in present)
        casts = ", ".join(f'CAST("{name}" AS {kind})' for name, kind in present)
        updates = ", ".join(f'"{name}" = excluded."{name}"' for name, _ in present if name != table.key)
        self.db.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {casts} FROM batch '  # noqa: S608 (our own names; values are parameters)
            f'ON CONFLICT ("{table.key}") DO UPDATE SET {updates}'
        )
        return len(by_key)

    def delete(self, table_name: str, keys: Iterable[int]) -> int:
        """Delete the rows with these keys; answer how many there were."""
        table = TABLES[table_name]
        gone = pa.table({"key": pa.array(list(keys), pa.int64())})  # noqa: F841
        # DuckDB reads `gone` by name from this frame: the statements stay here.
        condition = f'"{table.key}" IN (SELECT key FROM gone)'  # noqa: S608 (our own names)
        deleted = self.db.execute(f'SELECT count(*) FROM "{table.name}" WHERE {condition}').fetchone()[0]  # noqa: S608 (our own names; values are parameters)
        self.db.execute(f'DELETE FROM "{table.name}" WHERE {condition}')  # noqa: S608 (our own names; values are parameters)
        return int(deleted)

    def lab_ids(self, table_name: str, keys: Iterable[int]) -> dict[int, int | None]:
        """The stored `lab_id` of the rows with these keys (a per-lab table)."""
        table = TABLES[table_name]
        wanted = pa.table({"key": pa.array(list(keys), pa.int64())})  # noqa: F841
        rows = self.db.execute(
            f'SELECT t."{table.key}", t.lab_id FROM "{table.name}" t'  # noqa: S608 (our own names; values are parameters)
            f' JOIN wanted w ON t."{table.key}" = w.key'
        ).fetchall()
        return dict(rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One commit for what is written inside: rows and the cursor that says they are there."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def hashes(self, table_name: str, keys: Iterable[int]) -> dict[int, str | None]:
        table = TABLES[table_name]
        wanted = pa.table({"key": pa.array(list(keys), pa.int64())})  # noqa: F841
        rows = self.db.execute(
            f'SELECT t."{table.key}", t._list_hash FROM "{table.name}" t'  # noqa: S608 (our own names; values are parameters)
            f' JOIN wanted w ON t."{table.key}" = w.key'
        ).fetchall()
        return dict(rows)

    def count(self, table_name: str, where: str = "true") -> int:
        return self.db.execute(f'SELECT count(*) FROM "{table_name}" WHERE {where}').fetchone()[0]  # noqa: S608 (our own names; values are parameters)

    # --- deletion detection: keys seen during a full read ---------------------------------

    def begin_seen(self) -> None:
        self.db.execute("CREATE OR REPLACE TEMP TABLE _seen (key BIGINT)")

    def mark_seen(self, keys: Sequence[int]) -> None:
        seen = pa.table({"key": pa.array(list(keys), pa.int64())})  # noqa: F841
        self.db.execute("INSERT INTO _seen SELECT key FROM seen")

    def delete_unseen(self, table_name: str, where: str = "true") -> int:
        table: Table = TABLES[table_name]
        condition = f'{where} AND "{table.key}" NOT IN (SELECT key FROM _seen)'  # noqa: S608 (our own names; values are parameters)
        deleted = self.count(table.name, condition)
        self.db.execute(f'DELETE FROM "{table.name}" WHERE {condition}')  # noqa: S608 (our own names; values are parameters)
        return deleted

    # --- sync state ------------------------------------------------------------------------

    def watermark(self, resource: str) -> str | None:
        row = self.db.execute("SELECT watermark FROM _sync_state WHERE resource = ?", [resource]).fetchone()
        return row[0] if row else None

    def finish(self, resource: str, watermark: str | None, mode: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO _sync_state VALUES (?, ?, ?, now())", [resource, watermark, mode]
        )

    def set_info(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO _pull_info VALUES (?, ?)", [key, value])

    def info(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM _pull_info WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    # --- other formats ---------------------------------------------------------------------

    def export(
        self, folder: Path, file_format: str, tables: Iterable[str], schema: str = "flat"
    ) -> list[Path]:
        """Write BI-ready files, `folder/<table>.parquet|csv`, each replacing the old one atomically:
        the flat tables of `tables` with their child tables, or (`schema="star"`) the star schema.
        The client's bookkeeping stays in the state file beside them."""
        flat = all_flat_tables(RESOURCES)
        for table in flat:
            self.db.execute(f'CREATE OR REPLACE TEMP VIEW "flat_{table.name}" AS {table.sql}')
        if schema == "star":
            queries = dict(STAR_TABLES)
        else:
            chosen = set(tables)
            queries = {
                table.name: f'SELECT * FROM "flat_{table.name}"'  # noqa: S608 (our own names)
                for name in RESOURCES
                if name in chosen
                for table in flat_tables(name)
            }
        folder.mkdir(parents=True, exist_ok=True)
        options = (
            "FORMAT parquet, COMPRESSION zstd" if file_format == "parquet" else "FORMAT csv, HEADER true"
        )
        written = []
        for name, query in queries.items():
            target = folder / f"{name}.{file_format}"
            temporary = folder / f".{name}.{file_format}.tmp"
            quoted = str(temporary).replace("'", "''")
            self.db.execute(f"COPY (SELECT * FROM ({query}) ORDER BY ALL) TO '{quoted}' ({options})")  # noqa: S608 (our own SQL; the path is quoted)
            temporary.replace(target)
            written.append(target)
        return written
