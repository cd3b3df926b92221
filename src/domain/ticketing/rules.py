"""Input rules shared by the ticketing aggregates (and chapters' timezones)."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from functools import cache

from domain.errors import InvalidInput
from domain.identity import check_text

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    if name not in _timezones():
        raise InvalidInput(f"timezone '{name[:64]}' is not an IANA timezone")
    return name


def check_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} must carry a UTC offset")
    return value


def check_currency(raw: str) -> str:
    currency = raw.strip().upper()
    if not _CURRENCY.match(currency):
        raise InvalidInput("currency must be a three-letter ISO 4217 code")
    return currency


def optional_text(raw: str | None, what: str, max_length: int) -> str | None:
    if raw is None:
        return None
    text = check_text(raw, what).strip()
    if len(text) > max_length:
        raise InvalidInput(f"{what} must have at most {max_length} characters")
    return text or None


def check_range(value: int, what: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high}")
    return value
