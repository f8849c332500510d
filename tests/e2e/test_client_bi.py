"""BI-ready files: polars, pandas and DuckDB read the pulled Parquet and CSV with no conversions,
as flat typed tables with child tables, local times, exact decimals and no bookkeeping columns;
`--schema star` makes a fact table whose keys all land in its dimensions."""

from datetime import datetime
from decimal import Decimal

import duckdb
import pandas as pd
import polars as pl
import pytest

from labshare.client import Client, TokenStore
from tests.client.support import connect, load_demo, run_cli

pytestmark = pytest.mark.e2e
RESOURCES = "accounts,equipment,projects,bookings,custom_form_responses"


def local_wall_clock(reference_time: str) -> datetime:
    """`2026-08-11T09:00:00.000+02:00` as the lab's clock shows it: 2026-08-11 09:00."""
    return datetime.fromisoformat(reference_time).replace(tzinfo=None)


def test_parquet_and_csv_open_flat_and_typed_and_the_star_schema_joins(server, tmp_path):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    folder = tmp_path / "bi"
    run_cli(home, "pull", str(folder), "--resources", RESOURCES)
    run_cli(home, "pull", str(tmp_path / "csv"), "--format", "csv", "--resources", "bookings", "--no-details")

    files = {path.stem for path in folder.glob("*.parquet")}
    assert {"bookings", "booking_projects", "booking_funding_codes", "form_answers", "equipment"} <= files
    for path in [*folder.glob("*.parquet"), *(tmp_path / "csv").glob("*.csv")]:
        columns = duckdb.sql(f"SELECT * FROM '{path}' LIMIT 0").columns
        assert not [name for name in columns if name.startswith("_")], path.name

    bookings = pl.read_parquet(folder / "bookings.parquet")
    assert pl.Binary not in bookings.schema.values()
    assert bookings.schema["provider_lab_name"] == pl.String
    assert bookings.schema["cost"] == pl.Decimal(14, 2)
    assert bookings.schema["start_time"] == pl.Datetime("us", "UTC")
    assert bookings.schema["start_time_local"] == pl.Datetime("us")
    with_projects = bookings.filter(pl.col("projects") != "[]")
    assert with_projects.select(pl.col("projects").str.json_path_match("$[0].name")).null_count().item() == 0

    answered = pd.read_parquet(folder / "form_answers.parquet")
    frame = pd.read_parquet(folder / "bookings.parquet").set_index("id")
    projects = pd.read_parquet(folder / "booking_projects.parquet")
    funding = pd.read_parquet(folder / "booking_funding_codes.parquet")
    booking_id = int(projects["booking_id"].iloc[0])
    response_id = int(answered["custom_form_response_id"].iloc[0])
    with Client.from_store(TokenStore(home)) as client:
        reference = client.booking(booking_id)
        form = client.custom_form_response(response_id)
    row = frame.loc[booking_id]
    assert row["cost"] == Decimal(reference["cost"]) and isinstance(row["cost"], Decimal)
    assert row["provider_lab_id"] == reference["provider_lab"]["id"]
    assert row["requester_email"] == reference["requester"]["email"]
    assert row["start_time_local"].to_pydatetime() == local_wall_clock(reference["start_time"])
    assert row["time_zone"] and str(row["start_time"].tz) == "UTC"
    assert projects[projects.booking_id == booking_id]["id"].tolist() == [
        p["id"] for p in reference["projects"]
    ]
    assert funding[funding.booking_id == booking_id]["code"].tolist() == [
        code["code"] for project in reference["projects"] for code in project["funding_codes"]
    ]
    fields = answered[answered.custom_form_response_id == response_id].sort_values("position")
    assert fields["text"].tolist() == [field["text"] for field in form["form_response"]]
    assert fields["type"].tolist() == [field["type"] for field in form["form_response"]]

    run_cli(home, "pull", str(folder), "--resources", RESOURCES, "--schema", "star")

    star = duckdb.connect()
    for name in (
        "fact_bookings",
        "fact_booking_projects",
        "dim_equipment",
        "dim_lab",
        "dim_user",
        "dim_project",
        "dim_date",
    ):
        star.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder / name}.parquet'")
    assert star.execute("SELECT count(*) FROM fact_bookings").fetchone()[0] == len(bookings)
    orphans = star.execute(
        """SELECT
             (SELECT count(*) FROM fact_bookings WHERE equipment_id NOT IN (SELECT equipment_id FROM dim_equipment)),
             (SELECT count(*) FROM fact_bookings WHERE provider_lab_id NOT IN (SELECT lab_id FROM dim_lab)
                                                    OR requester_lab_id NOT IN (SELECT lab_id FROM dim_lab)),
             (SELECT count(*) FROM fact_bookings WHERE user_id NOT IN (SELECT user_id FROM dim_user)),
             (SELECT count(*) FROM fact_bookings WHERE date NOT IN (SELECT date FROM dim_date)),
             (SELECT count(*) FROM fact_booking_projects WHERE project_id NOT IN (SELECT project_id FROM dim_project))"""
    ).fetchone()
    assert orphans == (0, 0, 0, 0, 0)
    unshared = star.execute(
        """SELECT count(*) FROM (SELECT f.booking_id, any_value(b.cost) AS cost, sum(f.cost_share) AS shared
                                 FROM fact_booking_projects f JOIN fact_bookings b USING (booking_id) GROUP BY 1)
           WHERE abs(cost - shared) > 0.05"""
    ).fetchone()[0]
    assert unshared == 0
    assert star.execute("SELECT count(*) FROM dim_lab WHERE organisation_name IS NOT NULL").fetchone()[0] > 0
