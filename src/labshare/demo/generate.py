"""A deterministic, realistic demo data set, generated as batches of rows to bulk-load.

Same seed, size and "now", same rows: one random.Random(seed) drives every choice, in a
fixed order, and no wall clock is read. Every date hangs from the data set's "now" (the
moment `labshare demo` runs, or its `--now`): accounts, users and equipment are created in
the years before it, and bookings run from some months before it (as many as it takes for
the instruments to be as busy as a real facility's) to six months after it. Bookings that
ended before "now" are Completed, Cancelled or Declined, later ones Booked or Requested.

Rows are plain tuples with explicit ids (the database is empty when they load), and
times are UTC strings "YYYY-MM-DD HH:MM:SS" that both PostgreSQL (session time zone UTC)
and SQLite read as Django writes them. Bookings stream a month at a time, so memory stays
flat whatever the size.
"""

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache, cached_property
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import models

from labshare.accounts.models import Account, Group, Membership, User
from labshare.bookings.models import (
    Booking,
    BookingNote,
    CustomForm,
    CustomFormResponse,
    CustomFormVersion,
)
from labshare.bookings.pricing import cost_cents
from labshare.demo import catalogue as cat
from labshare.equipment.models import Category, Equipment
from labshare.projects.models import FundingCode, Project

ADMIN_EMAIL = "admin@demo.labshare.test"
PASSWORD_VARIABLE = "LABSHARE_DEMO_PASSWORD"
SIZES = {"small": 2_000, "medium": 100_000, "large": 1_000_000}
# The calendar the anchors below are written in; a data set's own "now" shifts them all.
REFERENCE_NOW = datetime(2026, 7, 1, tzinfo=UTC)
FUTURE_MONTHS = 6
FUTURE_DECAY = 0.55  # each month further ahead holds this share of the bookings of the one before
PAST_MONTHS = (3, 18)  # the fewest and the most months of history
# Bookable hours: weekdays from 08:00 to 18:00, in the lab's time zone.
DAY_OPENS, DAY_CLOSES = 8 * 60, 18 * 60
UNUSABLE_PASSWORD = "!demo"  # Django treats a hash starting with "!" as "cannot sign in".

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86_400
_MONTH_SEASONALITY = (1.0, 1.1, 1.15, 1.05, 1.1, 1.0, 0.9, 0.6, 1.05, 1.15, 1.1, 0.7)
TERM_MONTHS = frozenset(m for m, weight in enumerate(_MONTH_SEASONALITY, start=1) if weight >= 1.0)
_FIRST_STARTS = (480, 480, 510, 540, 540, 570, 600, 660, 780)  # a day's first booking, minutes


class Batch(NamedTuple):
    """Rows for one table, in the order of `columns`."""

    model: type[models.Model]
    columns: tuple[str, ...]
    rows: list[tuple]


@cache
def _day_string(day_number: int) -> str:
    return date.fromordinal(day_number + _EPOCH_ORDINAL).isoformat()


def timestamp(epoch: int) -> str:
    """A UTC epoch second as the text both databases read as a UTC time."""
    day, second = divmod(epoch, _DAY)
    return f"{_day_string(day)} {second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}"


@cache
def _utc_offset(timezone: str, ordinal: int) -> int:
    # The offset at local noon: right for working hours on the days clocks change.
    noon = datetime.combine(date.fromordinal(ordinal), time(12), ZoneInfo(timezone))
    return int(noon.utcoffset().total_seconds())


def local_epoch(timezone: str, ordinal: int, minute_of_day: int) -> int:
    """The UTC epoch second of a local wall-clock minute in a lab's time zone."""
    return (ordinal - _EPOCH_ORDINAL) * _DAY + minute_of_day * 60 - _utc_offset(timezone, ordinal)


def epoch(year: int, month: int, day: int) -> int:
    return (date(year, month, day).toordinal() - _EPOCH_ORDINAL) * _DAY


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split total into whole parts proportional to weights (largest remainder)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def columns(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.column for f in model._meta.concrete_fields)


@dataclass
class Lab:
    id: int
    organisation_id: int | None
    place: cat.Place
    sector: str
    is_core: bool
    name: str = ""
    members: list[int] = field(default_factory=list)
    administrators: list[int] = field(default_factory=list)
    groups_of_member: dict[int, list[int]] = field(default_factory=dict)
    projects: list[int] = field(default_factory=list)
    equipment: list[int] = field(default_factory=list)
    form_versions: list[tuple[int, int, list]] = field(default_factory=list)  # (id, created, fields)


@dataclass
class Asset:
    id: int
    lab: Lab
    instrument: cat.Instrument
    rate_cents: int
    # The share of its bookable hours it is booked for in a term-time month.
    utilisation: float
    # The asset whose calendar it shares: a child asset is booked on its parent's.
    root: int

    @property
    def bookings_a_day(self) -> float:
        durations = self.instrument.durations
        return self.utilisation * (DAY_CLOSES - DAY_OPENS) / (sum(durations) / len(durations))


@dataclass
class Counters:
    """The next id of each table."""

    ids: Counter = field(default_factory=Counter)

    def next(self, model: type[models.Model]) -> int:
        self.ids[model] += 1
        return self.ids[model]


class DemoData:
    """The demo data set for `bookings` bookings and a seed; `batches()` yields its rows."""

    def __init__(
        self,
        bookings: int,
        seed: int,
        password_hash: str = UNUSABLE_PASSWORD,
        now: datetime = REFERENCE_NOW,
    ):
        if bookings < 1:
            raise ValueError("The demo data set needs at least one booking.")
        self.booking_count = bookings
        self.rng = random.Random(seed)
        self.password_hash = password_hash
        self.now = int(now.timestamp())
        # Whole days, so that the anchors keep their weekdays.
        self.shift = (now.astimezone(UTC).date() - REFERENCE_NOW.date()).days * _DAY
        self.lab_count = max(12, bookings // 2_000)
        self.equipment_target = max(self.lab_count * 3 // 2, bookings // 200)
        self.ids = Counters()
        self.labs: list[Lab] = []
        self.assets: list[Asset] = []
        self.organisation_labs: dict[int, list[Lab]] = {}
        self.memberships: list[tuple[int, Lab]] = []
        self.organisation_domain: dict[int, str] = {}

    def anchor(self, year: int, month: int, day: int) -> int:
        """An anchor of the reference calendar, moved to this data set's "now"."""
        return epoch(year, month, day) + self.shift

    def batches(self) -> Iterator[Batch]:
        yield from self._accounts()
        yield from self._users_and_memberships()
        yield from self._categories_and_equipment()
        yield from self._groups()
        yield from self._projects()
        yield from self._forms()
        yield from self._bookings()

    # Accounts ------------------------------------------------------------------------

    def _accounts(self) -> Iterator[Batch]:
        rng = self.rng
        independent = max(2, self.lab_count * 12 // 100)
        organisation_count = max(3, round((self.lab_count - independent) / 11))
        labs_per_organisation = apportion(
            self.lab_count - independent, [rng.uniform(0.5, 1.5) for _ in range(organisation_count)]
        )
        organisations, departments, labs = [], [], []
        names = set()
        for index in range(organisation_count):
            sector, pattern, department_names = cat.ORGANISATION_KINDS[
                0 if index == 0 else rng.randrange(len(cat.ORGANISATION_KINDS))
            ]
            place = rng.choice(cat.PLACES)
            name = pattern.format(
                city=place.city, surname=rng.choice(cat.LAST_NAMES), field=rng.choice(cat.FIELDS_OF_RESEARCH)
            )
            if name in names:
                name = f"{name} ({len(names) + 1})"
            names.add(name)
            organisation_id = self.ids.next(Account)
            created = self.anchor(2022, 1, 1) + rng.randrange(365 * _DAY)
            organisations.append(
                (
                    organisation_id,
                    "organisation",
                    name,
                    sector,
                    f"{name}, {place.city}.",
                    place.timezone,
                    None,
                    None,
                    timestamp(created),
                    timestamp(created + rng.randrange(30 * _DAY)),
                )
            )
            own_departments = rng.sample(department_names, k=min(len(department_names), rng.randint(1, 4)))
            department_ids = []
            for department_name in own_departments:
                department_id = self.ids.next(Account)
                department_ids.append(department_id)
                departments.append(
                    (
                        department_id,
                        "department",
                        department_name,
                        sector,
                        "",
                        place.timezone,
                        organisation_id,
                        None,
                        timestamp(created + _DAY),
                        timestamp(created + 2 * _DAY),
                    )
                )
            self.organisation_labs[organisation_id] = []
            for lab_index in range(labs_per_organisation[index]):
                # Most labs sit in a department; some hang directly from the organisation,
                # and some work from another campus in another time zone.
                department_id = rng.choice(department_ids) if rng.random() < 0.8 else None
                lab_place = place if rng.random() < 0.85 else rng.choice(cat.PLACES)
                lab = self._lab(
                    organisation_id, lab_place, sector, is_core=lab_index == 0 or rng.random() < 0.1
                )
                self.organisation_labs[organisation_id].append(lab)
                labs.append(self._lab_row(lab, department_id, created + 3 * _DAY))
            self.organisation_domain[organisation_id] = _slug(name) + ".test"
        for _ in range(independent):
            sector = rng.choice(("academia", "industry", "non_profit"))
            lab = self._lab(None, rng.choice(cat.PLACES), sector, is_core=rng.random() < 0.3)
            labs.append(self._lab_row(lab, None, self.anchor(2022, 6, 1)))
        yield Batch(Account, columns(Account), organisations)
        yield Batch(Account, columns(Account), departments)
        yield Batch(Account, columns(Account), labs)

    def _lab(self, organisation_id: int | None, place: cat.Place, sector: str, is_core: bool) -> Lab:
        lab = Lab(self.ids.next(Account), organisation_id, place, sector, is_core)
        self.labs.append(lab)
        return lab

    def _lab_row(self, lab: Lab, department_id: int | None, after: int) -> tuple:
        rng = self.rng
        if lab.is_core:
            name = f"{rng.choice(cat.FIELDS_OF_RESEARCH)} Core Facility"
        elif rng.random() < 0.7:
            name = f"{rng.choice(cat.LAST_NAMES)} Lab"
        else:
            name = f"{rng.choice(cat.FIELDS_OF_RESEARCH)} Lab"
        lab.name = name
        created = after + rng.randrange(400 * _DAY)
        description = f"{name} in {lab.place.city}." + (" Open to external users." if lab.is_core else "")
        return (
            lab.id,
            "lab",
            name,
            lab.sector,
            description,
            lab.place.timezone,
            lab.organisation_id,
            department_id,
            timestamp(created),
            timestamp(created + rng.randrange(60 * _DAY)),
        )

    # Users ---------------------------------------------------------------------------

    def _users_and_memberships(self) -> Iterator[Batch]:
        rng = self.rng
        users = [
            (
                self.ids.next(User),
                self.password_hash,
                None,
                True,
                ADMIN_EMAIL,
                "Demo",
                "Admin",
                "academia",
                True,
                True,
                timestamp(self.anchor(2022, 1, 3)),
            )
        ]
        self.admin_id = users[0][0]
        memberships = []

        def join(user_id: int, lab: Lab, role: str, joined: int) -> None:
            memberships.append((self.ids.next(Membership), user_id, lab.id, role, timestamp(joined)))
            (lab.administrators if role == "administrator" else lab.members).append(user_id)
            self.memberships.append((user_id, lab))

        for lab in self.labs:
            domain = self.organisation_domain.get(lab.organisation_id) or _slug(lab.name) + ".test"
            size = rng.randint(8, 14) if lab.is_core else rng.randint(3, 9)
            for position in range(size):
                user_id = self.ids.next(User)
                first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
                joined = self.anchor(2022, 1, 1) + rng.randrange(1000 * _DAY)
                users.append(
                    (
                        user_id,
                        self.password_hash,
                        None,
                        False,
                        f"{first}.{last}.{user_id}@{domain}".lower(),
                        first,
                        last,
                        lab.sector,
                        False,
                        rng.random() > 0.02,
                        timestamp(joined),
                    )
                )
                role = "administrator" if position < (2 if lab.is_core else 1) else "member"
                join(user_id, lab, role, joined + rng.randrange(30 * _DAY))
        # Some people work in a second lab, usually of the same organisation.
        for user_id, lab in list(self.memberships):
            if rng.random() < 0.08:
                siblings = self.organisation_labs.get(lab.organisation_id) or self.labs
                other = rng.choice(siblings)
                if other is not lab and user_id not in other.members and user_id not in other.administrators:
                    join(user_id, other, "member", self.anchor(2024, 6, 1) + rng.randrange(180 * _DAY))
        # The demo administrator runs two labs of the first organisation and is a plain
        # member of an independent lab and of a lab elsewhere.
        first_organisation = self.organisation_labs[self.labs[0].organisation_id]
        independent = next(lab for lab in self.labs if lab.organisation_id is None)
        elsewhere = next(
            lab for lab in self.labs if lab.organisation_id not in (None, self.labs[0].organisation_id)
        )
        self.admin_labs = {first_organisation[0].id, first_organisation[-1].id}
        for lab, role in (
            (first_organisation[0], "administrator"),
            (first_organisation[-1], "administrator"),
            (independent, "member"),
            (elsewhere, "member"),
        ):
            if self.admin_id not in lab.administrators + lab.members:
                join(self.admin_id, lab, role, self.anchor(2022, 2, 1))
        yield Batch(
            User,
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "email",
                "first_name",
                "last_name",
                "sector",
                "is_staff",
                "is_active",
                "date_joined",
            ),
            users,
        )
        yield Batch(Membership, ("id", "user_id", "lab_id", "role", "created_at"), memberships)

    # Equipment -----------------------------------------------------------------------

    def _categories_and_equipment(self) -> Iterator[Batch]:
        rng = self.rng
        categories, category_ids = [], {}
        for name in cat.CATEGORIES:
            category_ids[name] = self.ids.next(Category)
            categories.append((category_ids[name], name, None))
        for name, subs in cat.CATEGORIES.items():
            for sub in subs:
                category_ids[sub] = self.ids.next(Category)
                categories.append((category_ids[sub], sub, category_ids[name]))
        yield Batch(Category, ("id", "name", "parent_id"), categories)

        per_lab = apportion(
            self.equipment_target, [3.0 if lab.is_core else rng.uniform(0.6, 1.4) for lab in self.labs]
        )
        popularity = [i.popularity for i in cat.INSTRUMENTS]
        cols = (
            "id",
            "lab_id",
            "name",
            "description",
            "room",
            "availability_status",
            "model",
            "manufacturer",
            "city",
            "country",
            "currency",
            "charging_type",
            "hourly_rate",
            "category_id",
            "sub_category_id",
            "contact_person_id",
            "parent_id",
            "manufacturing_year",
            "serial_number",
            "booking_access",
            "auto_approve_lab_members",
            "created_at",
            "updated_at",
        )
        # Core facilities take external users and review every request; other labs lend
        # within their organisation and book their own members at once.
        access = {True: ("external", False), False: ("organisation", True)}
        statuses, status_weights = zip(*cat.AVAILABILITY, strict=True)
        for lab, wanted in zip(self.labs, per_lab, strict=True):
            parents, children, seen = [], [], Counter()
            staff = lab.administrators + lab.members
            while len(parents) + len(children) < max(wanted, 1):
                instrument = rng.choices(cat.INSTRUMENTS, weights=popularity)[0]
                seen[instrument.name] += 1
                name = instrument.name + (f" {seen[instrument.name]}" if seen[instrument.name] > 1 else "")
                low, high = instrument.rate
                rate = int(rng.randint(low, high) * cat.CURRENCY_SCALE[lab.place.currency] * 100)
                status = rng.choices(statuses, weights=status_weights)[0]
                asset_id = self.ids.next(Equipment)
                asset = Asset(
                    asset_id,
                    lab,
                    instrument,
                    rate,
                    _utilisation(rng, lab, instrument, available=status == "Available"),
                    asset_id,
                )
                self.assets.append(asset)
                lab.equipment.append(asset.id)
                room = rng.choice(cat.ROOMS).format(
                    b=rng.choice("ABCDEFG"), n=rng.randint(1, 40) * 10 + rng.randint(0, 9)
                )
                created = self.anchor(2022, 6, 1) + rng.randrange(900 * _DAY)
                contact = rng.choice(staff) if rng.random() < 0.9 else None
                common = (lab.place.city, lab.place.country, lab.place.currency, instrument.charging_type)
                parents.append(
                    (
                        asset.id,
                        lab.id,
                        name,
                        f"{instrument.manufacturer or 'In-house'} {instrument.model}: "
                        f"{instrument.sub_category.lower()}.",
                        room,
                        status,
                        instrument.model,
                        instrument.manufacturer,
                        *common,
                        money(rate),
                        category_ids[instrument.category],
                        category_ids[instrument.sub_category],
                        contact,
                        None,
                        str(rng.randint(2008, 2024)),
                        f"SN-{rng.getrandbits(40):010X}",
                        *access[lab.is_core],
                        timestamp(created),
                        timestamp(created + rng.randrange(200 * _DAY)),
                    )
                )
                for child_name, child_model in instrument.children:
                    if rng.random() < 0.6 and len(parents) + len(children) < wanted:
                        child_id = self.ids.next(Equipment)
                        child = Asset(child_id, lab, instrument, rate // 4, asset.utilisation * 0.1, asset.id)
                        self.assets.append(child)
                        lab.equipment.append(child.id)
                        children.append(
                            (
                                child.id,
                                lab.id,
                                child_name,
                                f"Accessory for the {name}.",
                                room,
                                "Available",
                                child_model,
                                instrument.manufacturer,
                                *common,
                                money(rate // 4),
                                category_ids[instrument.category],
                                category_ids[instrument.sub_category],
                                contact,
                                asset.id,
                                str(rng.randint(2010, 2024)),
                                f"SN-{rng.getrandbits(40):010X}",
                                *access[lab.is_core],
                                timestamp(created + _DAY),
                                timestamp(created + 2 * _DAY),
                            )
                        )
            yield Batch(Equipment, cols, parents)
            if children:
                yield Batch(Equipment, cols, children)

    # Groups, projects, forms -----------------------------------------------------------

    def _groups(self) -> Iterator[Batch]:
        rng = self.rng
        groups, members, equipment = [], [], []
        for lab in self.labs:
            people = lab.administrators + lab.members
            for name in rng.sample(
                cat.GROUP_NAMES, k=rng.randint(2, 3) if lab.is_core else rng.randint(1, 2)
            ):
                group_id = self.ids.next(Group)
                created = self.anchor(2024, 1, 1) + rng.randrange(300 * _DAY)
                groups.append(
                    (
                        group_id,
                        lab.id,
                        name,
                        timestamp(created),
                        timestamp(created + rng.randrange(60 * _DAY)),
                    )
                )
                for user_id in rng.sample(people, k=rng.randint(1, len(people))):
                    members.append((self.ids.next(Group.members.through), group_id, user_id))
                    lab.groups_of_member.setdefault(user_id, []).append(group_id)
                for equipment_id in rng.sample(lab.equipment, k=rng.randint(1, min(5, len(lab.equipment)))):
                    equipment.append((self.ids.next(Group.equipment.through), group_id, equipment_id))
        yield Batch(Group, ("id", "lab_id", "name", "created_at", "updated_at"), groups)
        yield Batch(Group.members.through, ("id", "group_id", "user_id"), members)
        yield Batch(Group.equipment.through, ("id", "group_id", "equipment_id"), equipment)

    def _projects(self) -> Iterator[Batch]:
        rng = self.rng
        projects, codes, selected = [], [], []
        for lab in self.labs:
            people = lab.administrators + lab.members
            for topic in rng.sample(cat.PROJECT_TOPICS, k=rng.randint(1, 4)):
                project_id = self.ids.next(Project)
                lab.projects.append(project_id)
                lead = rng.choice(lab.administrators)
                created = self.anchor(2024, 3, 1) + rng.randrange(270 * _DAY)
                info = None if rng.random() < 0.5 else f"Part of the {topic.lower()} programme."
                projects.append(
                    (
                        project_id,
                        lab.id,
                        topic,
                        lead,
                        f"Dr. {rng.choice(cat.FIRST_NAMES)} {rng.choice(cat.LAST_NAMES)}",
                        info,
                        timestamp(created),
                        timestamp(created + rng.randrange(90 * _DAY)),
                    )
                )
                for funder, funder_type in rng.sample(cat.FUNDERS, k=rng.randint(1, 3)):
                    allocated = rng.randrange(5_000, 250_000) * 100
                    expiry = date(2026, 1, 1).toordinal() + rng.randrange(900)
                    codes.append(
                        (
                            self.ids.next(FundingCode),
                            project_id,
                            _funding_code(rng, funder),
                            funder,
                            funder_type,
                            date.fromordinal(expiry).isoformat(),
                            money(allocated),
                            money(int(allocated * rng.random() * 0.8)),
                            lab.place.currency,
                        )
                    )
                for user_id in rng.sample(people, k=rng.randint(0, min(3, len(people)))):
                    selected.append((self.ids.next(Project.selected_users.through), project_id, user_id))
        yield Batch(
            Project,
            (
                "id",
                "account_id",
                "name",
                "created_by_id",
                "supervisor",
                "additional_information",
                "created_at",
                "updated_at",
            ),
            projects,
        )
        yield Batch(
            FundingCode,
            (
                "id",
                "project_id",
                "code",
                "funder_name",
                "funder_type",
                "expiry_date",
                "allocated_amount",
                "spent_amount",
                "currency",
            ),
            codes,
        )
        yield Batch(Project.selected_users.through, ("id", "project_id", "user_id"), selected)

    def _forms(self) -> Iterator[Batch]:
        rng = self.rng
        forms, versions = [], []
        # The second version half-way through the bookings made so far.
        first_day = self.months[0][0]
        today = self.now // _DAY + _EPOCH_ORDINAL
        second_version = (first_day + (today - first_day) // 2 - _EPOCH_ORDINAL) * _DAY
        for index, lab in enumerate(self.labs):
            if not (lab.id in self.admin_labs or lab.is_core or index % 4 == 0):
                continue
            form_id = self.ids.next(CustomForm)
            created = self.anchor(2024, 10, 1) + rng.randrange(60 * _DAY)
            forms.append((form_id, lab.id, cat.FORM_NAME, timestamp(created)))
            revisions = [(created, cat.FORM_FIELDS_V1)]
            if rng.random() < 0.5 or lab.id in self.admin_labs:
                revisions.append((second_version + rng.randrange(30 * _DAY), cat.FORM_FIELDS_V2))
            for number, (version_created, fields) in enumerate(revisions, start=1):
                version_id = self.ids.next(CustomFormVersion)
                lab.form_versions.append((version_id, version_created, fields))
                versions.append((version_id, form_id, number, json.dumps(fields), timestamp(version_created)))
        yield Batch(CustomForm, ("id", "lab_id", "name", "created_at"), forms)
        yield Batch(CustomFormVersion, ("id", "form_id", "number", "fields", "created_at"), versions)

    # Bookings --------------------------------------------------------------------------

    BOOKING_COLUMNS = (
        "id",
        "equipment_id",
        "root_equipment_id",
        "provider_lab_id",
        "provider_organisation_id",
        "requester_id",
        "requester_lab_id",
        "requester_organisation_id",
        "requester_group_id",
        "creator_id",
        "start_time",
        "end_time",
        "requested_at",
        "status",
        "booking_type",
        "cost",
        "currency",
        "charging_type",
        "duration",
        "add_ons",
        "created_at",
        "updated_at",
    )

    @cached_property
    def months(self) -> list[tuple[int, int]]:
        """(first day ordinal, day count) of each booking month: from as many months before
        "now" as the instruments need to be as busy as a facility's, to FUTURE_MONTHS after.
        Read once the equipment exists."""
        now = datetime.fromtimestamp(self.now, UTC).date()

        def month(offset: int) -> date:
            index = now.year * 12 + now.month - 1 + offset
            return date(index // 12, index % 12 + 1, 1)

        # Bookings a term-time month takes at the assets' utilisation, about 21 weekdays.
        monthly = 21 * sum(asset.bookings_a_day for asset in self.assets)
        ahead = sum(
            _MONTH_SEASONALITY[month(k).month - 1] * FUTURE_DECAY**k for k in range(1, FUTURE_MONTHS + 1)
        )
        past = round(self.booking_count / monthly - ahead) if monthly else PAST_MONTHS[1]
        past = min(max(past, PAST_MONTHS[0]), PAST_MONTHS[1])
        firsts = [month(k) for k in range(-past, FUTURE_MONTHS + 2)]
        return [
            (first.toordinal(), following.toordinal() - first.toordinal())
            for first, following in pairwise(firsts)
        ]

    def _bookings(self) -> Iterator[Batch]:
        rng = self.rng
        months = self.months
        now_ordinal = datetime.fromtimestamp(self.now, UTC).date().toordinal()
        # Busier in term time, quiet in August and at Christmas; further ahead, fewer
        # bookings are made yet.
        weights = []
        for first, _ in months:
            ahead = max(0, (first - now_ordinal + 15) // 30)
            weights.append(_MONTH_SEASONALITY[date.fromordinal(first).month - 1] * FUTURE_DECAY**ahead)
        per_month = apportion(self.booking_count, weights)
        cumulative, total = [], 0.0
        for asset in self.assets:
            total += asset.bookings_a_day
            cumulative.append(total)
        calendars: dict[int, dict[int, int]] = {}  # root asset -> day -> first free local minute
        for (first, days), count in zip(months, per_month, strict=True):
            weekdays = [first + d for d in range(days) if date.fromordinal(first + d).weekday() < 5]
            weekends = [first + d for d in range(days) if date.fromordinal(first + d).weekday() >= 5]
            drafts = []
            picks = rng.choices(range(len(self.assets)), cum_weights=cumulative, k=count)
            for asset_index in sorted(picks):
                asset = self.assets[asset_index]
                duration = rng.choice(asset.instrument.durations)
                for _ in range(100):  # a full calendar passes the booking to another instrument
                    slot = _free_slot(rng, calendars.setdefault(asset.root, {}), duration, weekdays, weekends)
                    if slot is not None:
                        break
                    asset = self.assets[rng.choices(range(len(self.assets)), cum_weights=cumulative)[0]]
                    duration = rng.choice(asset.instrument.durations)
                else:
                    raise ValueError("The demo's calendars are full: too many bookings for the instruments.")
                ordinal, minute = slot
                start = local_epoch(asset.lab.place.timezone, ordinal, minute)
                drafts.append((start, duration, asset))
            drafts.sort(key=lambda draft: (draft[0], draft[2].id))
            yield from self._booking_rows(drafts)

    def _booking_rows(self, drafts: list[tuple[int, int, Asset]]) -> Iterator[Batch]:
        rng = self.rng
        bookings, notes, links, responses = [], [], [], []
        for start, duration, asset in drafts:
            booking_id = self.ids.next(Booking)
            lab = asset.lab
            end = start + duration * 60
            kind = self._booking_type(lab)
            requester, requester_lab = self._requester(lab, kind)
            groups = requester_lab.groups_of_member.get(requester)
            group = groups[0] if groups and rng.random() < 0.4 else None
            creator = requester if rng.random() < 0.9 else rng.choice(lab.administrators)
            lead = _lead_seconds(rng)
            created = start - lead
            if created > self.now - 3600:  # nobody books from the future
                created = self.now - rng.randrange(3600, 30 * _DAY)
            status = self._status(kind, end)
            if status == "Requested":
                updated = created
            elif status in ("Booked", "Completed"):
                updated = created + min((start - created) // 2, rng.randrange(300, _DAY))
            else:
                updated = created + rng.randrange(max(1, start - created))
            updated = min(updated, self.now, start)
            cost = (
                0
                if kind == "maintenance"
                else cost_cents(
                    asset.rate_cents, asset.instrument.charging_type, duration, external=kind == "external"
                )
            )
            add_ons = rng.choice(cat.ADD_ONS) if kind != "maintenance" and rng.random() < 0.08 else ""
            bookings.append(
                (
                    booking_id,
                    asset.id,
                    asset.root,
                    lab.id,
                    lab.organisation_id,
                    requester,
                    requester_lab.id,
                    requester_lab.organisation_id,
                    group,
                    creator,
                    timestamp(start),
                    timestamp(end),
                    timestamp(created),
                    status,
                    kind,
                    money(cost),
                    lab.place.currency,
                    asset.instrument.charging_type,
                    duration,
                    add_ons,
                    timestamp(created),
                    timestamp(updated),
                )
            )
            if kind == "maintenance":
                if rng.random() < 0.6:
                    notes.append(
                        (
                            self.ids.next(BookingNote),
                            booking_id,
                            requester,
                            rng.choice(cat.MAINTENANCE_NOTES),
                            True,
                            timestamp(created),
                        )
                    )
                continue
            if rng.random() < 0.2:
                notes.append(
                    (
                        self.ids.next(BookingNote),
                        booking_id,
                        requester,
                        rng.choice(cat.PUBLIC_NOTES),
                        True,
                        timestamp(created + rng.randrange(max(1, min(600, start - created)))),
                    )
                )
            if rng.random() < 0.1:
                notes.append(
                    (
                        self.ids.next(BookingNote),
                        booking_id,
                        rng.choice(lab.administrators),
                        rng.choice(cat.PRIVATE_NOTES),
                        False,
                        timestamp(updated),
                    )
                )
            if requester_lab.projects and rng.random() < 0.35:
                chosen = rng.sample(
                    requester_lab.projects, k=1 if rng.random() < 0.9 else min(2, len(requester_lab.projects))
                )
                links.extend((self.ids.next(Booking.projects.through), booking_id, p) for p in chosen)
            versions = [v for v in lab.form_versions if v[1] <= created]
            if versions and rng.random() < 0.4:
                version_id, _, fields = versions[-1]
                answered = created + rng.randrange(max(1, min(300, start - created)))
                responses.append(
                    (
                        self.ids.next(CustomFormResponse),
                        booking_id,
                        version_id,
                        requester,
                        json.dumps(_answers(rng, fields, start)),
                        timestamp(answered),
                        timestamp(answered),
                    )
                )
        yield Batch(Booking, self.BOOKING_COLUMNS, bookings)
        yield Batch(
            BookingNote, ("id", "booking_id", "author_id", "message", "is_public", "created_at"), notes
        )
        yield Batch(Booking.projects.through, ("id", "booking_id", "project_id"), links)
        yield Batch(
            CustomFormResponse,
            ("id", "booking_id", "version_id", "created_by_id", "answers", "created_at", "updated_at"),
            responses,
        )

    def _booking_type(self, lab: Lab) -> str:
        draw = self.rng.random()
        if draw < 0.04:
            return "maintenance"
        return "external" if draw < (0.34 if lab.is_core else 0.1) else "internal"

    def _requester(self, lab: Lab, kind: str) -> tuple[int, Lab]:
        """Someone of the lab (or, now and then, of a sibling lab) for internal use; someone of
        another organisation, or of an independent lab, for external use."""
        rng = self.rng
        if kind == "maintenance":
            return rng.choice(lab.administrators), lab
        if kind == "internal":
            siblings = self.organisation_labs.get(lab.organisation_id, [])
            source = rng.choice(siblings) if siblings and rng.random() < 0.2 else lab
            return rng.choice(source.administrators + source.members), source
        for _ in range(20):
            user_id, other = rng.choice(self.memberships)
            if other is not lab and (
                other.organisation_id is None or other.organisation_id != lab.organisation_id
            ):
                return user_id, other
        return rng.choice(lab.members or lab.administrators), lab

    def _status(self, kind: str, end: int) -> str:
        draw = self.rng.random()
        if end <= self.now:
            if kind == "maintenance":
                return "Completed" if draw < 0.95 else "Cancelled"
            return "Completed" if draw < 0.86 else "Cancelled" if draw < 0.95 else "Declined"
        if kind == "maintenance":
            return "Booked"
        return "Booked" if draw < 0.82 else "Requested"


def _utilisation(rng: random.Random, lab: Lab, instrument: cat.Instrument, available: bool) -> float:
    """How busy an instrument is in term time: a core facility's popular ones 40-80 %,
    the long tail of lab instruments a few per cent."""
    if not available:
        return 0.01
    base, most = (0.3, 0.8) if lab.is_core else (0.03, 0.15)
    return min(most, base * instrument.popularity * rng.lognormvariate(0, 0.5))


def _free_slot(
    rng: random.Random, calendar: dict[int, int], duration: int, weekdays: list[int], weekends: list[int]
) -> tuple[int, int] | None:
    """A (day, local minute) where an instrument is free for `duration` minutes, marked taken in
    `calendar` (day -> first free minute; days fill from the morning), or None when it is full."""
    if duration >= 1440:  # whole days from 09:00, on days nobody has touched
        for _ in range(8):
            day = weekdays[int(rng.random() * len(weekdays))]
            span = range(day, day + duration // 1440)
            if all(calendar.get(d, 0) == 0 for d in span) and calendar.get(span.stop, 0) == 0:
                for d in span:
                    calendar[d] = 1440
                calendar[span.stop] = max(calendar.get(span.stop, 0), 540 + duration % 1440)
                return day, 540
        return None
    days = weekdays if rng.random() >= 0.03 else weekends
    for _ in range(12):
        day = days[int(rng.random() * len(days))]
        taken = calendar.get(day, 0)
        minute = _FIRST_STARTS[int(rng.random() * 9)] if taken == 0 else taken + 15 * int(rng.random() * 3)
        minute += -minute % 15
        if minute + duration <= DAY_CLOSES:
            calendar[day] = minute + duration
            return day, minute
    return None


def _lead_seconds(rng: random.Random) -> int:
    """How long before the start people book: hours, days or weeks."""
    draw = rng.random()
    if draw < 0.35:
        return rng.randrange(3_600, 2 * _DAY)
    if draw < 0.85:
        return rng.randrange(2 * _DAY, 14 * _DAY)
    return rng.randrange(14 * _DAY, 60 * _DAY)


def _answers(rng: random.Random, fields: list[dict], start: int) -> list:
    """Answers that pass forms_schema.validate_answers; optional questions are sometimes skipped."""
    answers = []
    for spec in fields:
        kind = spec["type"]
        rules = spec.get("validations", {})
        if kind in ("heading", "paragraph") or (not rules.get("isRequired") and rng.random() < 0.3):
            answers.append(None)
        elif kind == "shortText":
            answers.append(f"PRJ-{rng.randint(2024, 2026)}-{rng.randint(1, 9999):04d}")
        elif kind == "longText":
            answers.append(rng.choice(cat.SUMMARIES))
        elif kind == "number":
            answers.append(rng.randint(int(rules.get("minValue", 0)), int(rules.get("maxValue", 100))))
        elif kind == "valueUnit":
            answers.append(round(rng.uniform(1, 200), 1))
        elif kind == "dateTime":
            day = (start // _DAY + rng.randint(1, 30)) * _DAY
            answers.append(timestamp(day).replace(" ", "T") + ".000Z")
        elif kind in ("radioButton", "dropdown"):
            answers.append(rng.choice(spec["options"]))
        elif kind == "checkboxGroup":
            answers.append(rng.sample(spec["options"], k=rng.randint(1, len(spec["options"]))))
        else:
            names = cat.IMAGES if kind == "imageUpload" else cat.DOCUMENTS
            answers.append(
                [{"signed_id": f"demo-blob-{rng.getrandbits(48):012x}", "filename": rng.choice(names)}]
            )
    return answers


def _funding_code(rng: random.Random, funder: str) -> str:
    return f"{_slug(funder)[:6].upper()}-{rng.randint(2024, 2026)}-{rng.randint(1, 999):03d}"


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
