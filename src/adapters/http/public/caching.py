"""HTTP caching of the public reads: a strong ETag over the body, Cache-Control, 304 on If-None-Match.

A revalidation whose ETag this process computed for the same URL less than `window` seconds ago is
answered 304 without reading the store: the answer announces `max-age` longer than that window, so a
client or CDN could have served the same body without asking at all."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

from litestar import Request, Response
from litestar.status_codes import HTTP_304_NOT_MODIFIED

REVALIDATION_WINDOW_SECONDS = 1.0
MAX_ENTRIES = 10_000


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110: weak comparison for If-None-Match, a list of tags or `*`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


class RevalidationCache:
    """The last ETag computed per URL, and when; bounded (oldest entries go first)."""

    def __init__(self, window_seconds: float = REVALIDATION_WINDOW_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self._window, self._max = window_seconds, max_entries
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def fresh_etag(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[1] >= self._window:
            return None
        return entry[0]

    def remember(self, key: str, etag: str) -> None:
        self._entries[key] = (etag, time.monotonic())
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


def cache_key(request: Request[Any, Any, Any]) -> str:
    query = request.scope.get("query_string", b"")
    return request.scope["path"] + "?" + (query.decode("latin-1") if isinstance(query, bytes) else str(query))


def _headers(etag: str, max_age: int) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}


def not_modified_from_memory(
    request: Request[Any, Any, Any], cache: RevalidationCache, max_age: int
) -> Response[bytes] | None:
    etag = cache.fresh_etag(cache_key(request))
    if etag is not None and matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=_headers(etag, max_age))
    return None


def cached_response(
    request: Request[Any, Any, Any], cache: RevalidationCache, body: bytes, media_type: str, max_age: int
) -> Response[bytes]:
    etag = etag_of(body)
    cache.remember(cache_key(request), etag)
    headers = _headers(etag, max_age)
    if matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
