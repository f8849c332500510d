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

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

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
    start: date  # inclusive
    end: date  # exclusive

    @classmethod
    def weeks_until(cls, until: date, weeks: int) -> "Period":
        """`weeks` whole weeks whose last day is `until`."""
        end = until + timedelta(days=1)
        return cls(end - timedelta(weeks=weeks), end)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def weeks(self) -> list[date]:
        """The first day of each week of the period."""
        return [self.start + timedelta(weeks=index) for index in range((self.end - self.start).days // 7)]

    def week_of(self, moment: str) -> str:
        """SQL: the first day of the period's week that holds `moment` (a local date-time)."""
        start = f"DATE '{self.start.isoformat()}'"
        days = f"7 * (date_diff('day', {start}, CAST({moment} AS DATE)) // 7)"
        return f"CAST({start} + INTERVAL ({days}) DAY AS DATE)"


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
        """Top-level assets by id, named with their lab where names repeat (and their id if still)."""
        rows = self.rows("SELECT id, name, lab->>'name' FROM equipment WHERE parent_id IS NULL")
        if not rows:  # equipment not pulled: the assets that have bookings
            rows = self.rows(
                "SELECT asset_id, any_value(equipment->>'name'), any_value(provider_lab->>'name')"
                " FROM report_bookings GROUP BY 1"
            )
        return unique_names({asset_id: (name or f"#{asset_id}", lab) for asset_id, name, lab in rows})

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
                f"SELECT {self.period.week_of('day')}, sum(hours)"  # noqa: S608 (our own names; values are parameters)
                f" FROM ({self._used_local_days()}) GROUP BY 1",
                self._window(),
            )
        )
        return [(week.isoformat(), used.get(week, 0.0) / per_week) for week in self.period.weeks()]

    def utilisation_grid(self, top: int = 25) -> tuple[list[str], list[str], list[list[float]]]:
        per_week = len(self.calendar.days) * self.calendar.hours_per_day
        rows = self.rows(
            f"SELECT asset_id, {self.period.week_of('day')}, sum(hours)"  # noqa: S608 (our own names; values are parameters)
            f" FROM ({self._used_local_days()}) GROUP BY 1, 2",
            self._window(),
        )
        by_asset: dict[int, dict[date, float]] = defaultdict(dict)
        for asset_id, week, hours in rows:
            by_asset[asset_id][week] = hours / per_week
        weeks = self.period.weeks()
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
            "department": "CASE WHEN lab.id IS NULL THEN '(not an authorised account)'"
            " WHEN lab.department_id IS NULL THEN '(no department)'"
            " ELSE coalesce(dept.name, '#' || lab.department_id) END",
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
            f"""
            SELECT {self.period.week_of("timezone(tz, start_time)")} AS week, booking_type, sum(hours)
            FROM report_bookings
            WHERE status IN ('Booked', 'Completed') AND start_time >= ? AND start_time < ?
            GROUP BY 1, 2
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds(),
        )
        weeks = self.period.weeks()
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
            SELECT currency, project->>'name', sum(cost / shares) AS cost FROM linked GROUP BY 1, 2
            UNION ALL
            SELECT currency, '(no project)', sum(cost) FROM report_bookings
            WHERE {self._in_period()} AND cost IS NOT NULL AND coalesce(json_array_length(projects), 0) = 0
            GROUP BY 1
            ORDER BY 1, 3 DESC
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds() * 2,
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
            SELECT currency, code->>'code', sum(cost) FROM coded GROUP BY 1, 2
            UNION ALL
            SELECT currency, '(no funding code)', sum(cost / shares) FROM linked
            WHERE coalesce(json_array_length(project->'funding_codes'), 0) = 0 GROUP BY 1
            UNION ALL
            SELECT currency, '(no funding code)', sum(cost) FROM report_bookings
            WHERE {self._in_period()} AND cost IS NOT NULL AND coalesce(json_array_length(projects), 0) = 0
            GROUP BY 1
            ORDER BY 1, 3 DESC
            """,  # noqa: S608 (our own names; values are parameters)
            self._period_bounds() * 2,
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


# ISO 4217 currencies whose minor unit is not the cent (the others have two decimals).
MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"), 0),
    **dict.fromkeys(("UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
TOP = 15  # bars a cost chart shows; the rest is one "(N others)" bar, so that bars add up


def money(amount: float | Decimal, currency: str) -> str:
    """An amount in its currency's minor unit: `1,234.50` CHF, `39,330` JPY."""
    places = MINOR_UNITS.get(currency, 2)
    rounded = Decimal(str(amount)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def unique_names(assets: dict[int, tuple[str, str | None]]) -> dict[int, str]:
    """Names, with the lab where a name repeats, and the id where name and lab repeat."""
    counts = Counter(name for name, _ in assets.values())
    named = {
        asset_id: f"{name} ({lab})" if counts[name] > 1 and lab else name
        for asset_id, (name, lab) in assets.items()
    }
    still = Counter(named.values())
    return {asset_id: f"{name} #{asset_id}" if still[name] > 1 else name for asset_id, name in named.items()}


@dataclass
class Chart:
    """A chart and its numbers, shown as a table beside it (for screen readers and spreadsheets)."""

    title: str
    svg: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    note: str = ""
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    empty: str = "No bookings in the period."


def _with_others(entries: list[tuple[str, float]], kind: str) -> list[tuple[str, float]]:
    if len(entries) <= TOP:
        return entries
    rest = entries[TOP - 1 :]
    return [*entries[: TOP - 1], (f"({len(rest)} other {kind})", sum(value for _, value in rest))]


TEMPLATES = Environment(
    loader=PackageLoader("labshare.client", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


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
    db = duckdb.connect(str(db_path), read_only=True)
    try:
        period = Period.weeks_until(until or last_day_covered(db, now.date()), weeks)
        step(f"Reading {db_path} ({period.start} to {period.last_day})")
        data = ReportData(db, calendar, period, now)
        document = _render(data, step)
    finally:
        db.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out


def last_day_covered(db: duckdb.DuckDBPyConnection, today: date) -> date:
    """The default end of the period: the last day the bookings cover, or today if earlier."""
    last = db.execute("SELECT max(CAST(timezone('UTC', start_time) AS DATE)) FROM bookings").fetchone()[0]
    return min(last, today) if last else today


def _render(data: ReportData, step: Callable[[str], object]) -> str:
    rates = data.rates()
    sections = []
    parts = (_utilisation, _requesters, _cost, _outcomes, _when, _types)
    for number, part in enumerate(parts, start=1):
        step(f"Charts {number}/{len(parts)}: {part.__name__.strip('_')}")
        sections.append(part(data))
    period = data.period
    figures = [
        ("bookings in the period", f"{rates['bookings']:,}"),
        ("cancelled", percent(rates["cancellation"])),
        ("declined", percent(rates["declined"])),
        ("no-shows", percent(rates["no_show"])),
    ]
    return TEMPLATES.get_template("report.html.j2").render(
        title=f"Equipment use, {period.start:%d %b %Y} to {period.last_day:%d %b %Y}",
        made=f"{data.now:%Y-%m-%d %H:%M}",
        figures=figures,
        sections=sections,
    )


def _utilisation(data: ReportData) -> Section:
    section = Section(
        "Utilisation",
        "Used hours (Booked or Completed, maintenance excluded) inside the bookable hours"
        f" ({data.calendar.describe()}) over the bookable hours of the period; child assets count"
        " towards their parent, so a parent used with its children at once can pass 100 %.",
        empty="No bookable hours in the period.",
    )
    by_asset = data.utilisation_by_asset()
    if not by_asset:
        return section
    top = by_asset[:30]
    title = "Utilisation per asset (busiest 30)"
    section.charts.append(
        Chart(
            title,
            plots.bars([n for n, _ in top], [u for _, u in top], title, "% of bookable hours", percent=True),
            ["asset", "utilisation"],
            [[name, percent(value)] for name, value in by_asset],
        )
    )
    weeks = data.utilisation_by_week()
    title = "Utilisation per week, all assets"
    section.charts.append(
        Chart(
            title,
            plots.line(
                [w for w, _ in weeks], [u for _, u in weeks], title, "% of bookable hours", percent=True
            ),
            ["week from", "utilisation"],
            [[week, percent(value)] for week, value in weeks],
        )
    )
    names, week_labels, grid = data.utilisation_grid()
    if names:
        title = "Utilisation per asset and week (busiest 25)"
        section.charts.append(
            Chart(
                title,
                plots.heatmap(grid, names, week_labels, title, "% of bookable hours", percent=True),
                ["asset", *week_labels],
                [[name, *(percent(value) for value in row)] for name, row in zip(names, grid, strict=True)],
            )
        )
    return section


def _requesters(data: ReportData) -> Section:
    section = Section(
        "Used hours by requester",
        "Booked or Completed bookings in the period, maintenance excluded, by the requester's lab,"
        " its department and its organisation (from the pulled accounts: a lab outside them is"
        " not an authorised account).",
    )
    for level in ("lab", "department", "organisation"):
        rows = data.hours_by_requester(level)
        if rows:
            title = f"Used hours by requester {level} (top 20)"
            section.charts.append(
                Chart(
                    title,
                    plots.bars([str(r[0]) for r in rows], [r[1] for r in rows], title, "hours"),
                    [level, "hours"],
                    [[str(who), f"{hours:,.1f}"] for who, hours in rows],
                )
            )
    return section


def _cost(data: ReportData) -> Section:
    currencies = data.cost_by_currency()
    section = Section(
        "Cost",
        "Booked and Completed bookings in the period, per currency: amounts in different currencies"
        " are never added up. A booking linked to several projects or funding codes shares its cost"
        " equally among them, so that each chart adds up to the total of its currency.",
    )
    if currencies:
        section.tables.append(
            (["currency", "cost", "bookings"], [[c, money(v, c), f"{n:,}"] for c, v, n in currencies])
        )
    for kind, plural, rows in (
        ("project", "projects", data.cost_by_project()),
        ("funding code", "funding codes", data.cost_by_funding_code()),
    ):
        by_currency: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for currency, name, cost in rows:
            by_currency[currency].append((str(name), float(cost)))
        for currency, entries in sorted(by_currency.items()):
            shown = _with_others(entries, plural)
            title = f"Cost by {kind}, {currency}"
            section.charts.append(
                Chart(
                    title,
                    plots.bars([n for n, _ in shown], [c for _, c in shown], title, currency),
                    [kind, f"cost ({currency})"],
                    [[name, money(cost, currency)] for name, cost in entries],
                )
            )
    return section


def _outcomes(data: ReportData) -> Section:
    rates = data.rates()
    section = Section(
        "Outcomes",
        "Maintenance excluded. A no-show is a booking still Booked after its end (never marked"
        " Completed); the no-show rate is no-shows over no-shows plus Completed bookings. The"
        " cancellation and declined rates are over every booking that starts in the period.",
    )
    statuses = data.status_counts()
    if statuses:
        section.charts.append(
            Chart(
                "Bookings by status",
                plots.bars(
                    [s for s, _ in statuses], [n for _, n in statuses], "Bookings by status", "bookings"
                ),
                ["status", "bookings"],
                [[status, f"{count:,}"] for status, count in statuses],
            )
        )
    section.tables.append(
        (
            ["measure", "value"],
            [
                ["cancellation rate", percent(rates["cancellation"])],
                ["declined rate", percent(rates["declined"])],
                ["no-show rate", percent(rates["no_show"])],
                ["no-shows", f"{rates['no_shows']:,}"],
            ],
        )
    )
    return section


def _when(data: ReportData) -> Section:
    section = Section(
        "When equipment is used",
        "Used hours by weekday and hour, each booking in its provider lab's own time zone.",
    )
    hours = [f"{h:02d}" for h in range(24)]
    labs = [(None, "all labs", "local time"), *data.busiest_labs()]
    for lab_id, name, tz in labs:
        grid = data.hour_of_week(lab_id)
        title = f"Used hours by hour of week, {name} ({tz})"
        section.charts.append(
            Chart(
                title,
                plots.heatmap(grid, DAY_NAMES, hours, title, "hours"),
                ["day", *hours],
                [[day, *(f"{value:.1f}" for value in row)] for day, row in zip(DAY_NAMES, grid, strict=True)],
            )
        )
    return section


def _types(data: ReportData) -> Section:
    section = Section(
        "Internal, external and maintenance hours",
        "Booked or Completed bookings by the week they start in, by booking type (maintenance included).",
    )
    week_labels, series = data.internal_external_by_week()
    if any(any(values) for values in series.values()):
        title = "Hours per week by booking type"
        section.charts.append(
            Chart(
                title,
                plots.stacked_columns(week_labels, series, title, "hours"),
                ["week from", *series],
                [
                    [week, *(f"{series[kind][index]:,.1f}" for kind in series)]
                    for index, week in enumerate(week_labels)
                ],
            )
        )
    return section
