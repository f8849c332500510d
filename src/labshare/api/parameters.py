"""Query and path parameters, checked; a bad one is a 400 that names it."""

import re
import sys
from datetime import UTC, datetime

from django.http import QueryDict

from labshare.api.errors import BadParameter, NotFound

DIGITS = re.compile(r"[0-9]+")
# Python refuses to read longer numbers (4,300 digits by default); an id has at most 19.
READABLE_DIGITS = sys.get_int_max_str_digits() or 4300
ID_DIGITS = 19
# Ids are 64-bit: a larger number names nothing, and must not reach the database.
MAX_ID = 2**63 - 1
TRUE_WORDS = {"true": True, "1": True, "false": False, "0": False}


def positive_integer(query: QueryDict, name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw) or len(raw.lstrip("0")) > READABLE_DIGITS or int(raw) < 1:
        raise BadParameter(f"{name} must be an integer >= 1, not {raw[:40]!r}.", name)
    return int(raw)


def record_id(raw: str, thing: str, parameter: str = "id") -> int:
    """A path or query id: not an integer is a 400; beyond 64 bits it names nothing (404)."""
    if not DIGITS.fullmatch(raw):
        raise BadParameter(f"{parameter} must be an integer {thing} id, not {raw!r}.", parameter)
    value = int(raw) if len(raw.lstrip("0")) <= ID_DIGITS else MAX_ID + 1
    if value > MAX_ID:
        raise NotFound(thing, raw, parameter)
    return value


def optional_id(query: QueryDict, name: str, thing: str) -> int | None:
    raw = query.get(name)
    return None if raw is None else record_id(raw, thing, name)


def optional_boolean(query: QueryDict, name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None:
        return default
    if raw.lower() not in TRUE_WORDS:
        raise BadParameter(f"{name} must be true or false, not {raw!r}.", name)
    return TRUE_WORDS[raw.lower()]


def optional_datetime(query: QueryDict, name: str) -> datetime | None:
    """An ISO 8601 date-time; one without an offset is taken as UTC."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        hint = " (encode + as %2B)" if " " in raw else ""
        raise BadParameter(
            f"{name} must be an ISO 8601 date-time such as 2024-01-15T09:00:00Z, not {raw!r}{hint}.",
            name,
        ) from None


def optional_choices(query: QueryDict, name: str, choices: list[str]) -> list[str] | None:
    """A comma-separated list of values from `choices`, matched case-insensitively."""
    raw = query.get(name)
    if raw is None:
        return None
    by_lower = {choice.lower(): choice for choice in choices}
    wanted = [part.strip().lower() for part in raw.split(",")]
    unknown = [part for part in wanted if part not in by_lower]
    if unknown or not wanted:
        raise BadParameter(f"{name} must be one or more of {', '.join(choices)}, not {raw!r}.", name)
    return sorted({by_lower[part] for part in wanted})


def optional_choice(query: QueryDict, name: str, choices: tuple[str, ...], default: str) -> str:
    """One value from `choices`, exactly as written; `default` when the parameter is absent."""
    raw = query.get(name)
    if raw is None:
        return default
    if raw not in choices:
        raise BadParameter(f"{name} must be one of {', '.join(choices)}, not {raw!r}.", name)
    return raw
