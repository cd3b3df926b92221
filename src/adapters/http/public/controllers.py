"""Routes of the public side: no token, cached by ETag (304 on If-None-Match)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from dishka import Provider, Scope, provide
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from adapters.http.public.caching import RevalidationCache, cached_response, not_modified_from_memory
from adapters.http.public.calendar import render_calendar
from adapters.http.public.schemas import PublicEventOut, PublicEventPage, PublicOrganizationOut
from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from application.public_events import (
    GetPublicCalendar,
    GetPublicEvent,
    GetPublicOrganization,
    ListPublicEvents,
    ListPublicEventsQuery,
)

JSON = "application/json"
CALENDAR = "text/calendar; charset=utf-8"
MAX_AGE = 5
CALENDAR_MAX_AGE = 60
UID_DOMAIN = "events.chapterhouse"

When = Annotated[datetime | None, Parameter(required=False, description="ISO 8601 with a UTC offset")]
ChapterSlug = Annotated[str | None, Parameter(required=False, max_length=63, description="a chapter's slug")]
OrgSlug = Annotated[str, Parameter(max_length=63)]

_304 = ResponseSpec(data_container=None, description="Not modified: the ETag in If-None-Match still holds")


def _in_utc(value: Any) -> Any:
    """Every timestamp in UTC (`Z`), as in every other JSON body: these bodies are encoded here, before the
    ETag, so the app's response class never sees them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, msgspec.Struct):
        fields = {name: _in_utc(getattr(value, name)) for name in value.__struct_fields__}
        return msgspec.structs.replace(value, **fields)
    if isinstance(value, list | tuple):
        return type(value)(_in_utc(item) for item in value)
    return value


def _json(data: Any, kind: type[msgspec.Struct]) -> bytes:
    return msgspec.json.encode(_in_utc(to_struct(data, kind)))


class PublicCacheProvider(Provider):
    """One revalidation memory per process."""

    @provide(scope=Scope.APP)
    def revalidation_cache(self) -> RevalidationCache:
        return RevalidationCache()


class PublicController(Controller):
    path = "/api/public/orgs/{slug:str}"
    tags = ["public"]

    @get(
        "",
        summary="An organization's public page: name, slug, chapters (no token)",
        responses={200: ResponseSpec(PublicOrganizationOut), 304: _304},
    )
    async def organization(
        self,
        slug: OrgSlug,
        request: Request[Any, Any, Any],
        cache: FromDishka[RevalidationCache],
        use_case: FromDishka[GetPublicOrganization],
    ) -> Response[bytes]:
        if (early := not_modified_from_memory(request, cache, MAX_AGE)) is not None:
            return early
        body = _json(await use_case.execute(slug), PublicOrganizationOut)
        return cached_response(request, cache, body, JSON, MAX_AGE)

    @get(
        "/events",
        summary="Published public events, upcoming first, with ticket types, prices and seats left (no token)",
        responses={200: ResponseSpec(PublicEventPage), 304: _304},
    )
    async def events(
        self,
        slug: OrgSlug,
        request: Request[Any, Any, Any],
        cache: FromDishka[RevalidationCache],
        use_case: FromDishka[ListPublicEvents],
        chapter: ChapterSlug = None,
        starts_after: When = None,
        starts_before: When = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Response[bytes]:
        if (early := not_modified_from_memory(request, cache, MAX_AGE)) is not None:
            return early
        query = ListPublicEventsQuery(
            slug=slug,
            chapter=chapter,
            starts_after=starts_after,
            starts_before=starts_before,
            limit=limit,
            cursor=cursor,
        )
        body = _json(await use_case.execute(query), PublicEventPage)
        return cached_response(request, cache, body, JSON, MAX_AGE)

    @get(
        "/events/{event_id:uuid}",
        summary="A published public event (404 otherwise), with seats left (no token)",
        responses={200: ResponseSpec(PublicEventOut), 304: _304},
    )
    async def event(
        self,
        slug: OrgSlug,
        event_id: Id,
        request: Request[Any, Any, Any],
        cache: FromDishka[RevalidationCache],
        use_case: FromDishka[GetPublicEvent],
    ) -> Response[bytes]:
        if (early := not_modified_from_memory(request, cache, MAX_AGE)) is not None:
            return early
        body = _json(await use_case.execute(slug, event_id), PublicEventOut)
        return cached_response(request, cache, body, JSON, MAX_AGE)

    @get(
        "/calendar.ics",
        summary="The public events as an iCalendar feed (RFC 5545); cancelled ones as STATUS:CANCELLED",
        media_type=CALENDAR,
        responses={
            200: ResponseSpec(data_container=str, media_type=CALENDAR, description="text/calendar"),
            304: _304,
        },
    )
    async def calendar(
        self,
        slug: OrgSlug,
        request: Request[Any, Any, Any],
        cache: FromDishka[RevalidationCache],
        use_case: FromDishka[GetPublicCalendar],
        chapter: ChapterSlug = None,
    ) -> Response[bytes]:
        if (early := not_modified_from_memory(request, cache, CALENDAR_MAX_AGE)) is not None:
            return early
        body = render_calendar(await use_case.execute(slug, chapter), uid_domain=UID_DOMAIN)
        return cached_response(request, cache, body, CALENDAR, CALENDAR_MAX_AGE)
