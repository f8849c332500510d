"""`labshare report`: one self-contained HTML file from a pulled DuckDB file.

Definitions (also in the report itself):
- used hours: bookings with status Booked or Completed, maintenance excluded;
- utilisation: used hours inside the bookable hours (default Monday-Friday 08:00-18:00 in
  the provider lab's own time zone) divided by the bookable hours; a child asset's bookings
  count towards its parent (the top-level asset), so a parent with children can exceed 100 %
  when they are used at the same time;
- no-show: a Booked booking whose end is in the past (never marked Completed), as a share of
  the bookings that should have happened (Completed plus those no-shows);
- cost: Booked and Completed bookings, per currency (never summed across currencies); a
  booking linked to several projects (or a project with several funding codes) shares its
  cost equally among them.
"""

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from labshare.client import plots

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def used(alias: str = "") -> str:
    """The bookings that count as use: Booked or Completed, maintenance excluded."""
    prefix = f"{alias}." if alias else ""
    return f"{prefix}status IN ('Booked', 'Completed') AND {prefix}booking_type <> 'maintenance'"


@dataclass(frozen=True)
class Calendar:
    """When equipment can be booked, in each lab's local time."""

    days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays, Monday = 1
    opens: time = time(8, 0)
    closes: time = time(18, 0)

    @classmethod
    def parse(cls, days: str, hours: str) -> "Calendar":
        """`days` like "mon-fri" or "mon,wed,sat"; `hours` like "08:00-18:00"."""
        names = {name.lower(): number for number, name in enumerate(DAY_NAMES, start=1)}
        chosen: list[int] = []
        for part in days.lower().split(","):
            first, _, last = part.strip().partition("-")
            if first[:3] not in names or (last and last[:3] not in names):
                raise ValueError(f"days must look like mon-fri or mon,wed,sat, not {days!r}")
            start, end = names[first[:3]], names[(last or first)[:3]]
            chosen.extend(range(start, end + 1) if start <= end else [*range(start, 8), *range(1, end + 1)])
        try:
            opens, closes = (time.fromisoformat(value.strip()) for value in hours.split("-"))
        except ValueError:
            raise ValueError(f"hours must look like 08:00-18:00, not {hours!r}") from None
        if closes <= opens:
            raise ValueError(f"hours must close after they open: {hours!r}")
        return cls(tuple(sorted(set(chosen))), opens, closes)

    @property
    def hours_per_day(self) -> float:
        return (
            datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        ).seconds / 3600

    def describe(self) -> str:
        days = ", ".join(DAY_NAMES[day - 1] for day in self.days)
        return f"{days}, {self.opens:%H:%M}-{self.closes:%H:%M} local time"


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, a Monday
    end: date  # exclusive, a Monday

    @classmethod
    def weeks_until(cls, until: date, weeks: int) -> "Period":
        end = until - timedelta(days=until.weekday()) + timedelta(days=7)
        return cls(end - timedelta(weeks=weeks), end)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


class ReportData:
    def __init__(
        self, db: duckdb.DuckDBPyConnection, calendar: Calendar, period: Period, now: datetime
    ) -> None:
        self.db = db
        self.calendar = calendar
        self.period = period
        self.now = now
        db.execute("SET TimeZone = 'UTC'")
        db.execute(
            """
            CREATE OR REPLACE TEMP VIEW report_bookings AS
            SELECT b.*,
                   coalesce(e.parent_id, b.equipment_id) AS asset_id,
                   coalesce(TRY_CAST(b.provider_lab->>'id' AS BIGINT), e.lab_id) AS provider_lab_id,
                   coalesce(lab.timezone, 'UTC') AS tz,
                   epoch(b.end_time - b.start_time) / 3600.0 AS hours
            FROM bookings b
            LEFT JOIN equipment e ON e.id = b.equipment_id
            LEFT JOIN accounts lab ON lab.id = coalesce(TRY_CAST(b.provider_lab->>'id' AS BIGINT), e.lab_id)
            """
        )

    def rows(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, parameters or []).fetchall()

    def scalar(self, sql: str, parameters: list[Any] | None = None) -> Any:
        return self.db.execute(sql, parameters or []).fetchone()[0]

    # --- utilisation ----------------------------------------------------------------------

    def _used_local_days(self) -> str:
        """Hours of use inside the bookable window, per asset and local day."""
        days = ", ".join(str(day) for day in self.calendar.days)
        opens, closes = _minutes(self.calendar.opens), _minutes(self.calendar.closes)
        return f"""
            WITH used AS (
                SELECT asset_id, timezone(tz, start_time) AS ls, timezone(tz, end_time) AS le
                FROM report_bookings
                WHERE {used()} AND end_time > ? AND start_time < ?
            ), days AS (
                SELECT asset_id, ls, le,
                       unnest(generate_series(
                           date_trunc('day', ls), date_trunc('day', le), INTERVAL 1 DAY
                       )) AS day
                FROM used
            )
            SELECT asset_id, day,
                   greatest(0, epoch(least(le, day + INTERVAL ({closes}) MINUTE)
                                     - greatest(ls, day + INTERVAL ({opens}) MINUTE))) / 3600.0 AS hours
            FROM days
            WHERE isodow(day) IN ({days}) AND day >= ? AND day < ?
        """  # noqa: S608 (our own names; values are parameters)

    def _window(self) -> list[Any]:
        margin = timedelta(days=1)  # time zones: a local day can start up to 14 h from UTC midnight
        start = datetime.combine(self.period.start - margin, time(), UTC)
        end = datetime.combine(self.period.end + margin, time(), UTC)
        return [start, end, self.period.start, self.period.end]

    def bookable_days(self) -> int:
        days = (self.period.end - self.period.start).days
        return sum(
            1
            for offset in range(days)
            if (self.period.start + timedelta(offset)).isoweekday() in self.calendar.days
        )

    def assets(self) -> dict[int, str]:
        rows = self.rows("SELECT id, name FROM equipment WHERE parent_id IS NULL")
        if not rows:  # equipment not pulled: the assets that have bookings
            rows = self.rows(
                "SELECT DISTINCT asset_id, any_value(equipment->>'name') FROM report_bookings GROUP BY 1"
            )
        return {asset_id: name or f"#{asset_id}" for asset_id, name in rows}

    def utilisation_by_asset(self) -> list[tuple[str, float]]:
        bookable = self.bookable_days() * self.calendar.hours_per_day
        if not bookable:
            return []
        used = dict(
            self.rows(
                f"SELECT asset_id, sum(hours) FROM ({self._used_local_days()}) GROUP BY 1",  # noqa: S608
                self._window(),
            )
        )
        assets = self.assets()
        ranked = sorted(
            ((assets.get(a, f"#{a}"), used.get(a, 0.0) / bookable) for a in assets), key=lambda r: -r[1]
        )
        return ranked

    def utilisation_by_week(self) -> list[tuple[str, float]]:
        assets = len(self.assets())
        per_week = len(self.calendar.days) * self.calendar.hours_per_day * max(assets, 1)
        used = dict(
            self.rows(
                "SELECT CAST(date_trunc('week', day) AS DATE), sum(hours)"  # noqa: S608 (our own names; values are parameters)
                f" FROM ({self._used_local_days()}) GROUP BY 1",
                self._window(),
            )
        )
        weeks = []
        monday = self.period.start
        while monday < self.period.end:
            weeks.append((monday.isoformat(), used.get(monday, 0.0) / per_week))
            monday += timedelta(weeks=1)
        return weeks

    def utilisation_grid(self, top: int = 25) -> tuple[list[str], list[str], list[list[float]]]:
        per_week = len(self.calendar.days) * self.calendar.hours_per_day
        rows = self.rows(
            "SELECT asset_id, CAST(date_trunc('week', day) AS DATE), sum(hours)"  # noqa: S608 (our own names; values are parameters)
            f" FROM ({self._used_local_days()}) GROUP BY 1, 2",
            self._window(),
        )
        by_asset: dict[int, dict[date, float]] = defaultdict(dict)
        for asset_id, week, hours in rows:
            by_asset[asset_id][week] = hours / per_week
        weeks = []
        monday = self.period.start
        while monday < self.period.end:
            weeks.append(monday)
            monday += timedelta(weeks=1)
        busiest = sorted(by_asset, key=lambda a: -sum(by_asset[a].values()))[:top]
        names = self.assets()
        return (
            [names.get(a, f"#{a}") for a in busiest],
            [week.isoformat() for week in weeks],
            [[by_asset[a].get(week, 0.0) for week in weeks] for a in busiest],
        )

    # --- who books -------------------------------------------------------------------------

    def _in_period(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return f"{used(alias)} AND {prefix}start_time >= ? AND {prefix}start_time < ?"

    def _period_bounds(self) -> list[Any]:
        return [
            datetime.combine(self.period.start, time(), UTC),
            datetime.combine(self.period.end, time(), UTC),
        ]

    def hours_by_requester(self, level: str, top: int = 20) -> list[tuple[str, float]]:
        """Used hours by requester lab, department or organisation (through the accounts)."""
        name = {
            "lab": "coalesce(lab.name, b.requester_lab->>'name', '(unknown lab)')",
            "department": "coalesce(dept.name, '(no department, or not an authorised account)')",
            "organisation": "coalesce(org.name, b.requester_organisation->>'name', '(independent lab)')",
        }[level]
        return self.rows(
            f"""
            SELECT {name} AS who, sum(b.hours) AS hours
            FROM report_bookings b
            LEFT JOIN accounts lab ON lab.id = TRY_CAST(b.requester_lab->>'id' AS BIGINT)
            LEFT JOIN accounts dept ON dept.id = lab.department_id
            LEFT JOIN accounts org
                   ON org.id = coalesce(
                       lab.organisation_id, TRY_CAST(b.requester_organisation->>'id' AS BIGINT)
                   )
            WHERE {self._in_period("b")}
            GROUP BY 1 ORDER BY 2 DESC LIMIT {int(top)}
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds(),
        )

    def internal_external_by_week(self) -> tuple[list[str], dict[str, list[float]]]:
        rows = self.rows(
            """
            SELECT CAST(date_trunc('week', timezone(tz, start_time)) AS DATE) AS week, booking_type,
                   sum(hours)
            FROM report_bookings
            WHERE status IN ('Booked', 'Completed') AND start_time >= ? AND start_time < ?
            GROUP BY 1, 2
            """,
            self._period_bounds(),
        )
        weeks = sorted({row[0] for row in rows})
        series: dict[str, list[float]] = {}
        for kind in ("internal", "external", "maintenance"):
            values = {week: hours for week, booking_type, hours in rows if booking_type == kind}
            series[kind] = [values.get(week, 0.0) for week in weeks]
        return [week.isoformat() for week in weeks], series

    # --- money -----------------------------------------------------------------------------

    def cost_by_currency(self) -> list[tuple[str, float, int]]:
        return self.rows(
            f"SELECT coalesce(currency, '?'), sum(cost), count(*) FROM report_bookings"  # noqa: S608 (our own names; values are parameters)
            f" WHERE {self._in_period()} AND cost IS NOT NULL GROUP BY 1 ORDER BY 1",
            self._period_bounds(),
        )

    def cost_by_project(self, top: int = 15) -> list[tuple[str, str, float]]:
        return self.rows(
            f"""
            WITH linked AS (
                SELECT currency, cost, unnest(CAST(projects AS JSON[])) AS project,
                       json_array_length(projects) AS shares
                FROM report_bookings
                WHERE {self._in_period()} AND cost IS NOT NULL AND json_array_length(projects) > 0
            )
            SELECT currency, project->>'name', sum(cost / shares) AS cost FROM linked
            GROUP BY 1, 2 ORDER BY 1, 3 DESC
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds(),
        )

    def cost_by_funding_code(self) -> list[tuple[str, str, float]]:
        return self.rows(
            f"""
            WITH linked AS (
                SELECT currency, cost, unnest(CAST(projects AS JSON[])) AS project,
                       json_array_length(projects) AS shares
                FROM report_bookings
                WHERE {self._in_period()} AND cost IS NOT NULL AND json_array_length(projects) > 0
            ), coded AS (
                SELECT currency, cost / shares / json_array_length(project->'funding_codes') AS cost,
                       unnest(CAST(project->'funding_codes' AS JSON[])) AS code
                FROM linked WHERE json_array_length(project->'funding_codes') > 0
            )
            SELECT currency, code->>'code', sum(cost) FROM coded GROUP BY 1, 2 ORDER BY 1, 3 DESC
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds(),
        )

    # --- outcomes --------------------------------------------------------------------------

    def status_counts(self) -> list[tuple[str, int]]:
        return self.rows(
            "SELECT status, count(*) FROM report_bookings WHERE booking_type <> 'maintenance'"
            " AND start_time >= ? AND start_time < ? GROUP BY 1 ORDER BY 2 DESC",
            self._period_bounds(),
        )

    def rates(self) -> dict[str, float | None]:
        counts = dict(self.status_counts())
        total = sum(counts.values())
        no_shows = self.scalar(
            "SELECT count(*) FROM report_bookings WHERE booking_type <> 'maintenance' AND status = 'Booked'"
            " AND end_time < ? AND start_time >= ? AND start_time < ?",
            [self.now, *self._period_bounds()],
        )
        due = no_shows + counts.get("Completed", 0)
        return {
            "cancellation": counts.get("Cancelled", 0) / total if total else None,
            "declined": counts.get("Declined", 0) / total if total else None,
            "no_show": no_shows / due if due else None,
            "no_shows": no_shows,
            "bookings": total,
        }

    # --- when ------------------------------------------------------------------------------

    def hour_of_week(self, lab_id: int | None = None) -> list[list[float]]:
        """Used hours by local weekday and hour (each booking in its provider lab's time zone)."""
        lab_filter = "AND provider_lab_id = ?" if lab_id is not None else ""
        parameters = [*self._period_bounds(), *([lab_id] if lab_id is not None else [])]
        rows = self.rows(
            f"""
            WITH used AS (
                SELECT timezone(tz, start_time) AS ls, timezone(tz, end_time) AS le FROM report_bookings
                WHERE {self._in_period()} {lab_filter}
            ), slots AS (
                SELECT ls, le, unnest(generate_series(
                    date_trunc('hour', ls), le - INTERVAL 1 MICROSECOND, INTERVAL 1 HOUR
                )) AS slot
                FROM used
            )
            SELECT isodow(slot), hour(slot),
                   sum(epoch(least(le, slot + INTERVAL 1 HOUR) - greatest(ls, slot)) / 3600.0)
            FROM slots GROUP BY 1, 2
            """,  # noqa: S608 (our own names; values are parameters)
            parameters,
        )
        grid = [[0.0] * 24 for _ in range(7)]
        for weekday, hour, hours in rows:
            grid[weekday - 1][hour] = hours
        return grid

    def busiest_labs(self, top: int = 4) -> list[tuple[int, str, str]]:
        return self.rows(
            f"""
            SELECT provider_lab_id, coalesce(any_value(a.name), '#' || provider_lab_id), any_value(b.tz)
            FROM report_bookings b LEFT JOIN accounts a ON a.id = b.provider_lab_id
            WHERE {self._in_period("b")}
              AND provider_lab_id IS NOT NULL
            GROUP BY 1 ORDER BY sum(b.hours) DESC LIMIT {int(top)}
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds(),
        )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1a202c;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #e2e8f0; }
table { border-collapse: collapse; margin: .6rem 0; }
td, th { padding: .2rem .7rem; border-bottom: 1px solid #edf2f7; text-align: left; }
td:nth-child(n+2) { text-align: right; } .chart { max-width: 100%; display: block; margin: .6rem 0; }
.note { color: #4a5568; font-size: .9em; } .figures { display: flex; gap: 2rem; flex-wrap: wrap; }
.figure strong { display: block; font-size: 1.6rem; }
"""


def build_report(
    db_path: Path,
    out: Path,
    calendar: Calendar | None = None,
    weeks: int = 12,
    until: date | None = None,
    now: datetime | None = None,
    step: Callable[[str], object] = lambda message: None,
) -> Path:
    """Write the HTML report for the pulled data in `db_path` to `out`; `step` hears of each stage."""
    calendar = calendar or Calendar()
    now = now or datetime.now(UTC)
    period = Period.weeks_until(until or now.date(), weeks)
    db = duckdb.connect(str(db_path), read_only=True)
    try:
        step(f"Reading {db_path} ({period.start} to {period.end - timedelta(days=1)})")
        data = ReportData(db, calendar, period, now)
        step("Drawing the charts")
        document = _render(data)
    finally:
        db.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out


def _render(data: ReportData) -> str:
    period = data.period
    sections: list[str] = []
    rates = data.rates()
    sections.append(
        '<div class="figures">'
        + "".join(
            f'<div class="figure"><strong>{html.escape(value)}</strong>{html.escape(label)}</div>'
            for label, value in (
                ("bookings in the period", f"{rates['bookings']:,}"),
                ("cancelled", _percent(rates["cancellation"])),
                ("declined", _percent(rates["declined"])),
                ("no-shows", _percent(rates["no_show"])),
            )
        )
        + "</div>"
    )

    by_asset = data.utilisation_by_asset()
    sections.append("<h2>Utilisation</h2>")
    sections.append(
        f'<p class="note">Used hours (Booked or Completed, maintenance excluded) inside the bookable hours '
        f"({html.escape(calendar_text(data.calendar))}) over the bookable hours of the period; child assets "
        f"count towards their parent.</p>"
    )
    if by_asset:
        top = by_asset[:30]
        sections.append(
            plots.img(
                plots.bars(
                    [n for n, _ in top],
                    [u for _, u in top],
                    "Utilisation per asset (busiest 30)",
                    "share of bookable hours",
                    percent=True,
                ),
                "Utilisation per asset",
            )
        )
        weeks = data.utilisation_by_week()
        sections.append(
            plots.img(
                plots.line(
                    [w for w, _ in weeks],
                    [u for _, u in weeks],
                    "Utilisation per week, all assets",
                    "share of bookable hours",
                    percent=True,
                ),
                "Utilisation per week",
            )
        )
        names, week_labels, grid = data.utilisation_grid()
        if names:
            sections.append(
                plots.img(
                    plots.heatmap(
                        grid,
                        names,
                        week_labels,
                        "Utilisation per asset and week (busiest 25)",
                        "share of bookable hours",
                    ),
                    "Utilisation per asset and week",
                )
            )
    else:
        sections.append("<p>No bookable hours in the period.</p>")

    sections.append("<h2>Booked hours by requester</h2>")
    for level in ("lab", "department", "organisation"):
        rows = data.hours_by_requester(level)
        if rows:
            sections.append(
                plots.img(
                    plots.bars(
                        [str(r[0]) for r in rows],
                        [r[1] for r in rows],
                        f"Used hours by requester {level}",
                        "hours",
                    ),
                    f"Hours by requester {level}",
                )
            )

    sections.append("<h2>Cost</h2>")
    sections.append(
        '<p class="note">Booked and Completed bookings in the period, per currency: amounts in '
        "different currencies are never added up. A booking linked to several projects or funding "
        "codes shares its cost equally among them.</p>"
    )
    currencies = data.cost_by_currency()
    sections.append(
        _table(
            ["currency", "cost", "bookings"], [[c, f"{float(v):,.2f}", f"{n:,}"] for c, v, n in currencies]
        )
    )
    for title, rows in (("project", data.cost_by_project()), ("funding code", data.cost_by_funding_code())):
        by_currency: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for currency, name, cost in rows:
            by_currency[currency].append((str(name), float(cost)))
        for currency, entries in sorted(by_currency.items()):
            top = entries[:15]
            sections.append(
                plots.img(
                    plots.bars(
                        [n for n, _ in top],
                        [c for _, c in top],
                        f"Cost by {title}, {currency} (top 15)",
                        currency,
                    ),
                    f"Cost by {title} in {currency}",
                )
            )

    sections.append("<h2>Outcomes</h2>")
    sections.append(
        '<p class="note">Maintenance excluded. A <em>no-show</em> is a booking still Booked after its end '
        "(never marked Completed); the no-show rate is no-shows over no-shows plus Completed bookings. "
        "The cancellation and declined rates are over every booking that starts in the period.</p>"
    )
    statuses = data.status_counts()
    if statuses:
        sections.append(
            plots.img(
                plots.bars(
                    [s for s, _ in statuses], [n for _, n in statuses], "Bookings by status", "bookings"
                ),
                "Bookings by status",
            )
        )
    sections.append(
        _table(
            ["measure", "value"],
            [
                ["cancellation rate", _percent(rates["cancellation"])],
                ["declined rate", _percent(rates["declined"])],
                ["no-show rate", _percent(rates["no_show"])],
                ["no-shows", f"{rates['no_shows']:,}"],
            ],
        )
    )

    sections.append("<h2>When equipment is used</h2>")
    sections.append(
        '<p class="note">Used hours by weekday and hour, each booking in its provider lab\'s own '
        "time zone.</p>"
    )
    hours = [f"{h:02d}" for h in range(24)]
    sections.append(
        plots.img(
            plots.heatmap(
                data.hour_of_week(), DAY_NAMES, hours, "Hour of week, all labs (local time)", "hours"
            ),
            "Hour-of-week heatmap, all labs",
        )
    )
    for lab_id, name, tz in data.busiest_labs():
        sections.append(
            plots.img(
                plots.heatmap(
                    data.hour_of_week(lab_id), DAY_NAMES, hours, f"Hour of week: {name} ({tz})", "hours"
                ),
                f"Hour-of-week heatmap, {name}",
            )
        )

    sections.append("<h2>Internal and external use</h2>")
    weeks_labels, series = data.internal_external_by_week()
    if weeks_labels:
        sections.append(
            plots.img(
                plots.stacked_columns(weeks_labels, series, "Booked hours per week by booking type", "hours"),
                "Internal and external use per week",
            )
        )

    title = f"Equipment use, {period.start:%d %b %Y} to {period.end - timedelta(days=1):%d %b %Y}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<p class="note">Made by labshare report on {data.now:%Y-%m-%d %H:%M} UTC.</p>'
        + "\n".join(sections)
        + "</body></html>\n"
    )


def calendar_text(calendar: Calendar) -> str:
    return calendar.describe()
