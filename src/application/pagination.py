"""Opaque keyset cursors: the client hands back what we gave it, and cannot forge a useful one."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from application.ports.queries import Page
from domain.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageQuery:
    """Which page of a list: at most `limit` rows after `cursor` (a list's filters extend it, keyword-only)."""

    limit: int | None = None
    cursor: str | None = None


def clamp_limit(limit: int | None, default: int = 50) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    return limit


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise InvalidInput("cursor is not valid") from exc


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], tuple[datetime, uuid.UUID] | uuid.UUID]) -> Page[T]:
    """The page of a keyset read that fetched up to `limit + 1` rows: the extra row only says a next page exists.

    `key` gives the last row's position: a (timestamp, id) pair becomes an opaque cursor; a bare id is handed
    out as it is (message history pages by id)."""
    if len(rows) <= limit:
        return Page(items=list(rows), next_cursor=None)
    position = key(rows[limit - 1])
    cursor = str(position) if isinstance(position, uuid.UUID) else encode_cursor(*position)
    return Page(items=list(rows[:limit]), next_cursor=cursor)
