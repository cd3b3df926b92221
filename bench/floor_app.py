"""The floor for bench/members_list.py: the least a Litestar process can do to serve the member list.

One GET handler, the same SELECT as the app's member list (adapters/persistence/identity/queries.py,
_MEMBERS_FIRST) on an asyncpg pool connected as the owner (no token check, no RLS, no dishka, no
middleware), the same JSON shape encoded by msgspec, served by uvicorn with the options of
`chapterhouse serve` (one worker, no access log).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/db python bench/floor_app.py --port 8101
"""

from __future__ import annotations

import argparse
import os
import uuid
from datetime import datetime

import asyncpg
import msgspec
import uvicorn
from litestar import Litestar, get

from adapters.persistence.ticketing.public_queries import SCOPE_TO_SLUG, TICKET_TYPES_SQL, public_events_sql
from application.ports.public import PublicEventFilter

# Byte for byte the app's query; the app passes limit + 1 = 51 for the default page of 50.
MEMBERS_FIRST = """
SELECT m.user_id, u.name, u.email, m.role, m.joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = $1
ORDER BY m.joined_at, m.user_id
LIMIT $2
"""
PAGE = 50
PUBLIC_PAGE_SQL, _ = public_events_sql(PublicEventFilter(), 21, None)


class MemberOut(msgspec.Struct):
    user_id: uuid.UUID
    name: str
    email: str
    role: str
    joined_at: datetime


class MemberPage(msgspec.Struct):
    items: list[MemberOut]
    next_cursor: str | None


def create_app(database_url: str, pool_size: int) -> Litestar:
    state: dict[str, asyncpg.Pool] = {}

    async def open_pool() -> None:
        # Same pool shape and session settings as entrypoints.database.create_read_pool.
        state["pool"] = await asyncpg.create_pool(
            database_url,
            min_size=1,
            max_size=pool_size,
            server_settings={"jit": "off", "application_name": "chapterhouse-floor"},
        )

    async def close_pool() -> None:
        await state["pool"].close()

    @get("/api/orgs/{org_id:uuid}/members", sync_to_thread=False)
    async def members(org_id: uuid.UUID) -> MemberPage:
        async with state["pool"].acquire() as conn:
            rows = await conn.fetch(MEMBERS_FIRST, org_id, PAGE + 1)
        return MemberPage(items=[MemberOut(*r) for r in rows[:PAGE]], next_cursor=None)

    @get("/api/public/orgs/{slug:str}/events", sync_to_thread=False)
    async def public_events(slug: str) -> bytes:
        # bench/public_events.py: the API's three statements for the public list, bytes straight out.
        async with state["pool"].acquire() as conn:
            org = await conn.fetchrow(SCOPE_TO_SLUG, slug)
            rows = await conn.fetch(PUBLIC_PAGE_SQL, org["id"])
            types = await conn.fetch(TICKET_TYPES_SQL, org["id"], [r["id"] for r in rows[:20]])
        by_event: dict[uuid.UUID, list[dict[str, object]]] = {}
        for t in types:
            by_event.setdefault(t["event_id"], []).append(dict(t))
        items = [{**dict(r), "ticket_types": by_event.get(r["id"], [])} for r in rows[:20]]
        return msgspec.json.encode({"items": items, "next_cursor": None})

    @get("/health", sync_to_thread=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(
        route_handlers=[members, public_events, health],
        on_startup=[open_pool],
        on_shutdown=[close_pool],
        openapi_config=None,
        debug=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--pool-size", type=int, default=int(os.environ.get("DB_POOL_SIZE", "10")))
    args = parser.parse_args()
    database_url = os.environ["DATABASE_URL"]
    uvicorn.run(
        create_app(database_url, args.pool_size),
        host=args.host,
        port=args.port,
        workers=1,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
