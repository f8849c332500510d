"""The local store: DuckDB's cache is capped, so a pull's memory does not grow with its records."""

from labshare.client.store import MEMORY_LIMIT, Store


def test_it_caps_duckdbs_memory(tmp_path):
    store = Store(tmp_path / "labs.duckdb")
    try:
        setting = store.db.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        store.close()
    # DuckDB reports the limit in its own units (256 MB is "244.1 MiB").
    assert setting == f"{int(MEMORY_LIMIT.removesuffix('MB')) * 10**6 / 2**20:.1f} MiB"
