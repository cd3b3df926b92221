"""Conventions every HTTP response follows, applied once for the whole app instead of per route:
timestamps in UTC with `Z`, and CORS for the browser origins in CORS_ORIGINS."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Response
from litestar.config.cors import CORSConfig
from litestar.serialization import default_serializer
from litestar.types import Serializer

from entrypoints.settings import Settings

# A JSON string that is exactly an ISO timestamp with a non-UTC offset, e.g. "2026-12-03T18:30:00+01:00"
# (msgspec writes UTC as "Z" already, so most bodies never match). Not after a backslash: an escaped quote
# inside a longer string is text, not a value.
_OFFSET_TIMESTAMP = re.compile(rb'(?<!\\)"(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)([+-]\d\d:\d\d)"')


def _as_utc(match: re.Match[bytes]) -> bytes:
    moment = datetime.fromisoformat((match.group(1) + match.group(2)).decode()).astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return b'"' + text.removesuffix("+00:00").encode() + b'Z"'


def utc_timestamps(body: bytes) -> bytes:
    return _OFFSET_TIMESTAMP.sub(_as_utc, body)


class UtcJsonResponse(Response[Any]):
    """Echoed inputs keep the client's offset in memory (`+01:00`) while stored rows come back in UTC: one form,
    UTC `Z`, in every JSON body."""

    def render(self, content: Any, media_type: str, enc_hook: Serializer = default_serializer) -> bytes:
        body = super().render(content, media_type, enc_hook)
        return utc_timestamps(body) if media_type.startswith("application/json") else body


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS_ORIGINS (comma list) or nothing: without origins no Access-Control-* header is ever sent."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["authorization", "content-type", "x-request-id", "idempotency-key"],
        expose_headers=["x-request-id", "location", "retry-after"],
        allow_credentials=False,  # bearer tokens, not cookies
        max_age=600,
    )
