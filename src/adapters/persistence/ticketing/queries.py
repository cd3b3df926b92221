"""Read side of events and ticketing: SQL on the request's asyncpg connection, rows into DTOs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.ticketing import (
    AttendeeView,
    EventFilter,
    EventView,
    HolderView,
    Key,
    MyTicketView,
    SeatsLeft,
    TicketTypeView,
)

_EVENT_COLUMNS = (
    "id, title, description, status, starts_at, ends_at, timezone, venue, online_url, chapter_id, capacity, "
    "reserved, created_at, visibility"
)


class PgTicketingQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def list_events(
        self, organization_id: uuid.UUID, flt: EventFilter, *, limit: int, after: Key | None
    ) -> list[EventView]:
        # Only the conditions in use are written, so each shape gets its own plan on the index
        # (organization_id, starts_at, id).
        args: list[Any] = [organization_id]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        where = ["organization_id = $1"]
        if flt.chapter_id is not None:
            where.append(f"chapter_id = {arg(flt.chapter_id)}")
        if flt.starts_after is not None:
            where.append(f"starts_at >= {arg(flt.starts_after)}")
        if flt.starts_before is not None:
            where.append(f"starts_at < {arg(flt.starts_before)}")
        if flt.status is not None:
            where.append(f"status = {arg(flt.status)}")
        if not flt.all_drafts:
            if flt.draft_chapter_ids:
                where.append(f"(status <> 'draft' OR chapter_id = ANY({arg(list(flt.draft_chapter_ids))}::uuid[]))")
            else:
                where.append("status <> 'draft'")
        if after is not None:
            where.append(f"(starts_at, id) > ({arg(after[0])}, {arg(after[1])})")
        # The limit goes into the text (an int the use case clamped), so even a generic plan is costed for
        # one page: a walk of the (organization_id, starts_at, id) index, never a sort of the tenant.
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY starts_at, id LIMIT {int(limit)}"
        )
        conn = await self._connection.get()
        return [EventView(*row) for row in await conn.fetch(sql, *args)]

    async def list_ticket_types(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> list[TicketTypeView]:
        conn = await self._connection.get()
        rows = await conn.fetch(
            """SELECT id, event_id, name, price_cents, currency, quantity, reserved, sales_start, sales_end,
                      max_per_order, created_at
               FROM ticket_types WHERE organization_id = $1 AND event_id = $2 ORDER BY created_at, id""",
            organization_id,
            event_id,
        )
        return [TicketTypeView(*row) for row in rows]

    async def seats_left(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]
    ) -> SeatsLeft:
        conn = await self._connection.get()
        rows = await conn.fetch(
            """SELECT tt.id, tt.quantity - tt.reserved, e.capacity - e.reserved, tt.max_per_order
               FROM ticket_types tt
               JOIN events e ON e.organization_id = tt.organization_id AND e.id = tt.event_id
               WHERE tt.organization_id = $1 AND tt.event_id = $2 AND tt.id = ANY($3::uuid[])
                 AND e.status = 'published'""",
            organization_id,
            event_id,
            list(ticket_type_ids),
        )
        return SeatsLeft(
            per_ticket_type={r[0]: r[1] for r in rows},
            event=rows[0][2] if rows else None,
            max_per_order={r[0]: r[3] for r in rows},
        )

    async def list_attendees(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[AttendeeView]:
        conn = await self._connection.get()
        sql = """SELECT t.id, t.code, t.ticket_type_id, t.holder_id, u.name, u.email, t.checked_in_at, t.issued_at
                 FROM tickets t JOIN users u ON u.id = t.holder_id
                 WHERE t.organization_id = $1 AND t.event_id = $2 AND t.voided_at IS NULL {after}
                 ORDER BY t.issued_at, t.id LIMIT $3"""
        if after is None:
            rows = await conn.fetch(sql.format(after=""), organization_id, event_id, limit)
        else:
            rows = await conn.fetch(
                sql.format(after="AND (t.issued_at, t.id) > ($4, $5)"), organization_id, event_id, limit, *after
            )
        return [
            AttendeeView(
                ticket_id=r["id"],
                code=r["code"],
                ticket_type_id=r["ticket_type_id"],
                holder=HolderView(user_id=r["holder_id"], name=r["name"], email=r["email"]),
                checked_in_at=r["checked_in_at"],
                issued_at=r["issued_at"],
            )
            for r in rows
        ]

    async def list_my_tickets(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyTicketView]:
        # Crosses tenants: the policies of tickets (holder) and events (the held events, which this transaction
        # names first: a policy on a distributed table may not look them up itself).
        conn = await self._connection.get()
        await conn.execute("SELECT app_reveal_held_events()")
        sql = """SELECT t.id, t.code, t.organization_id, t.event_id, e.title, e.starts_at, e.ends_at, e.timezone,
                        t.ticket_type_id, t.order_id, t.checked_in_at, t.issued_at
                 FROM tickets t JOIN events e ON e.organization_id = t.organization_id AND e.id = t.event_id
                 WHERE t.holder_id = $1 AND t.voided_at IS NULL {after}
                 ORDER BY t.issued_at, t.id LIMIT $2"""
        if after is None:
            rows = await conn.fetch(sql.format(after=""), user_id, limit)
        else:
            rows = await conn.fetch(sql.format(after="AND (t.issued_at, t.id) > ($3, $4)"), user_id, limit, *after)
        return [MyTicketView(*row) for row in rows]

    async def chapters_led_by(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID]:
        conn = await self._connection.get()
        rows = await conn.fetch(
            "SELECT chapter_id FROM chapter_members WHERE organization_id = $1 AND user_id = $2 AND role = 'lead'",
            organization_id,
            user_id,
        )
        return [r["chapter_id"] for r in rows]
