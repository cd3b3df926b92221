"""SQLAlchemy repositories of chapters, teams, events and ticketing.

Every query names the unit of work's organization (RLS stands behind it). The *_for_update methods
take row locks (SELECT ... FOR NO KEY UPDATE) in id order; `reserve_seats` takes them with conditional
UPDATEs. `lock=False` exists only for the test-only negative control of the concurrency suite
(TICKETING_UNSAFE_NO_LOCKS, honoured with APP_ENV=test): no FOR UPDATE, and seats taken by writing
back counters read earlier without a lock, checked in Python — the lost update the locks prevent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from adapters.persistence import ticketing_tables as t
from adapters.persistence.errors import translate_integrity_error
from adapters.persistence.order_inserts import insert_order
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict
from domain.ticketing import Event, EventStatus, Order, OrderStatus, Ticket, TicketType

_UNIQUE_MESSAGES = {
    "uq_chapters_organization_id_slug": "a chapter with this slug exists",
    "pk_chapter_members": "already a member of this chapter",
    "pk_team_members": "already a member of this team",
    "uq_tickets_organization_id_code": "ticket code collision; try again",
}


def _constraint(exc: IntegrityError) -> str:
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    return str(getattr(orig, "constraint_name", None) or "")


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        message = _UNIQUE_MESSAGES.get(_constraint(exc))
        if message is not None:
            raise Conflict(message) from None
        raise translate_integrity_error(exc) from None
    except DBAPIError as exc:
        # A deadlock or serialization failure detected at a flush: the client may retry.
        if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):
            raise Conflict("a concurrent change got there first; try again") from None
        raise


# FOR NO KEY UPDATE, not FOR UPDATE: no writer here changes a key, and this strength does not conflict with
# the FOR KEY SHARE that foreign-key checks take. So an order being written (its INSERT checks the event and
# ticket types) never waits on a lock holder, nor makes one wait: the only waits are on the lock order.
_NO_KEY_UPDATE = {"key_share": True}


class _TenantRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None, lock: bool = True) -> None:
        self._session, self._org, self._lock = session, organization_id, lock

    async def _add(self, *objects: object) -> None:
        self._session.add_all(objects)
        await _flush(self._session)

    async def _get(self, entity: type[Any], key: uuid.UUID, *, for_update: bool = False) -> Any:
        if self._org is None:
            return None
        locking = _NO_KEY_UPDATE if for_update and self._lock else None
        return await self._session.get(entity, (self._org, key), with_for_update=locking)

    def _locked(self, statement: sa.Select[Any]) -> sa.Select[Any]:
        return statement.with_for_update(key_share=True) if self._lock else statement


class SqlaChapterRepository(_TenantRepository):
    async def add(self, chapter: Chapter) -> None:
        await self._add(chapter)

    async def get(self, chapter_id: uuid.UUID) -> Chapter | None:
        found: Chapter | None = await self._get(Chapter, chapter_id)
        return found

    async def slug_taken(self, slug: str, *, other_than: uuid.UUID) -> bool:
        taken = await self._session.scalar(
            sa.select(sa.literal(True)).where(
                t.chapters.c.organization_id == self._org, t.chapters.c.slug == slug, t.chapters.c.id != other_than
            )
        )
        return bool(taken)

    async def remove(self, chapter: Chapter) -> None:
        await self._session.delete(chapter)
        try:
            await self._session.flush()
        except IntegrityError:
            raise Conflict("this chapter has events; cancel or move them first") from None


class SqlaChapterMemberRepository(_TenantRepository):
    async def add(self, member: ChapterMember) -> None:
        await self._add(member)

    async def get(self, chapter_id: uuid.UUID, user_id: uuid.UUID) -> ChapterMember | None:
        if self._org is None:
            return None
        return await self._session.get(ChapterMember, (self._org, chapter_id, user_id))


class SqlaTeamRepository(_TenantRepository):
    async def add(self, team: Team) -> None:
        await self._add(team)

    async def get(self, team_id: uuid.UUID) -> Team | None:
        found: Team | None = await self._get(Team, team_id)
        return found

    async def remove(self, team: Team) -> None:
        await self._session.delete(team)
        await _flush(self._session)


class SqlaTeamMemberRepository(_TenantRepository):
    async def add(self, member: TeamMember) -> None:
        await self._add(member)

    async def get(self, team_id: uuid.UUID, user_id: uuid.UUID) -> TeamMember | None:
        if self._org is None:
            return None
        return await self._session.get(TeamMember, (self._org, team_id, user_id))

    async def remove(self, member: TeamMember) -> None:
        await self._session.delete(member)
        await _flush(self._session)


# The hot path's statements as fixed text: nothing to build or to derive a cache key from per call.
_TAKE_EVENT_SEATS = sa.text(
    """UPDATE events SET reserved = reserved + :seats
       WHERE organization_id = :org AND id = :id AND status = 'published'
         AND (capacity IS NULL OR reserved + :seats <= capacity)
       RETURNING id"""
)
_TAKE_TICKET_TYPE_SEATS = sa.text(
    """UPDATE ticket_types SET reserved = reserved + :seats
       WHERE organization_id = :org AND id = :id AND event_id = :event_id AND reserved + :seats <= quantity
       RETURNING id"""
)


class SqlaEventRepository(_TenantRepository):
    async def add(self, event: Event) -> None:
        await self._add(event)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = await self._get(Event, event_id)
        return found

    async def get_for_update(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = await self._get(Event, event_id, for_update=True)
        return found

    async def reserve_seats(self, event: Event, lines: Sequence[tuple[TicketType, int]]) -> None:
        # Core statements on the session's connection: each UPDATE takes the row lock (FOR NO KEY UPDATE
        # strength, so other orders' foreign-key checks on these rows do not wait) and checks the bound
        # in one round trip. Event first, then ticket types by id: the lock order of every seat writer.
        seats = sum(n for _, n in lines)
        if self._lock:
            took = await self._session.scalar(_TAKE_EVENT_SEATS, {"org": self._org, "id": event.id, "seats": seats})
        else:
            took = await self._unsafe_write_back(t.events, event.id, event.reserved, seats, event.capacity)
        if took is None:
            raise Conflict("sold out: the event is full")
        for ticket_type, n in sorted(lines, key=lambda line: line[0].id):
            if self._lock:
                took = await self._session.scalar(
                    _TAKE_TICKET_TYPE_SEATS, {"org": self._org, "id": ticket_type.id, "event_id": event.id, "seats": n}
                )
            else:
                took = await self._unsafe_write_back(
                    t.ticket_types, ticket_type.id, ticket_type.reserved, n, ticket_type.quantity
                )
            if took is None:
                raise Conflict(f"sold out: no more '{ticket_type.name}' tickets")

    async def _unsafe_write_back(
        self, table: sa.Table, row_id: uuid.UUID, read: int, seats: int, bound: int | None
    ) -> uuid.UUID | None:
        """Negative control only: check the counter as read earlier, then overwrite it (a lost update)."""
        if bound is not None and read + seats > bound:
            return None
        await self._session.execute(
            sa.update(table)
            .where(table.c.organization_id == self._org, table.c.id == row_id)
            .values(reserved=read + seats)
        )
        return row_id

    async def finished(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        rows = await self._session.scalars(
            sa.select(t.events.c.id)
            .where(
                t.events.c.organization_id == self._org,
                t.events.c.status == EventStatus.PUBLISHED.value,
                t.events.c.ends_at <= now,
            )
            .order_by(t.events.c.ends_at)
            .limit(limit)
        )
        return list(rows.all())


class SqlaTicketTypeRepository(_TenantRepository):
    async def add(self, ticket_type: TicketType) -> None:
        await self._add(ticket_type)

    async def get(self, ticket_type_id: uuid.UUID) -> TicketType | None:
        found: TicketType | None = await self._get(TicketType, ticket_type_id)
        return found

    async def list_for_update(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        if not ticket_type_ids:
            return []
        statement = (
            sa.select(TicketType)
            .where(
                t.ticket_types.c.organization_id == self._org,
                t.ticket_types.c.event_id == event_id,
                t.ticket_types.c.id.in_(list(ticket_type_ids)),
            )
            .order_by(t.ticket_types.c.id)  # the lock order: LockRows sits above the Sort
        )
        return list((await self._session.scalars(self._locked(statement))).all())

    async def list_of_event(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        if not ticket_type_ids:
            return []
        rows = await self._session.scalars(
            sa.select(TicketType)
            .where(
                t.ticket_types.c.organization_id == self._org,
                t.ticket_types.c.event_id == event_id,
                t.ticket_types.c.id.in_(list(ticket_type_ids)),
            )
            .order_by(t.ticket_types.c.id)
        )
        return list(rows.all())

    async def list_all_for_update(self, event_id: uuid.UUID) -> list[TicketType]:
        statement = (
            sa.select(TicketType)
            .where(t.ticket_types.c.organization_id == self._org, t.ticket_types.c.event_id == event_id)
            .order_by(t.ticket_types.c.id)
        )
        return list((await self._session.scalars(self._locked(statement))).all())


class SqlaOrderRepository(_TenantRepository):
    async def add(self, order: Order, tickets: Sequence[Ticket] = ()) -> None:
        # Core text, not the ORM: nothing here is read back or changed later in the unit of work.
        params = {
            "org": order.organization_id,
            "id": order.id,
            "event_id": order.event_id,
            "buyer_id": order.buyer_id,
            "currency": order.currency,
            "total_cents": order.total_cents,
            "status": order.status.value,
            "created_at": order.created_at,
            "expires_at": order.expires_at,
            "paid_at": order.paid_at,
            "closed_at": order.closed_at,
        }
        for i, item in enumerate(order.items):
            params |= {f"it{i}": item.ticket_type_id, f"iq{i}": item.quantity, f"ip{i}": item.unit_price_cents}
        for i, ticket in enumerate(tickets):
            params |= {
                f"k{i}": ticket.id,
                f"kt{i}": ticket.ticket_type_id,
                f"kh{i}": ticket.holder_id,
                f"kc{i}": ticket.code,
                f"ki{i}": ticket.issued_at,
            }
        try:
            await self._session.execute(insert_order(len(order.items), len(tickets)), params)
        except IntegrityError as exc:
            message = _UNIQUE_MESSAGES.get(_constraint(exc))
            if message is not None:
                raise Conflict(message) from None
            raise translate_integrity_error(exc) from None

    async def get(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = await self._get(Order, order_id)
        return found

    async def event_id_of(self, order_id: uuid.UUID) -> uuid.UUID | None:
        found: uuid.UUID | None = await self._session.scalar(
            sa.select(t.orders.c.event_id).where(t.orders.c.organization_id == self._org, t.orders.c.id == order_id)
        )
        return found

    async def get_for_update(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = await self._get(Order, order_id, for_update=True)
        return found

    async def list_for_event_for_update(self, event_id: uuid.UUID, statuses: Sequence[OrderStatus]) -> list[Order]:
        statement = (
            sa.select(Order)
            .where(
                t.orders.c.organization_id == self._org,
                t.orders.c.event_id == event_id,
                t.orders.c.status.in_([s.value for s in statuses]),
            )
            .order_by(t.orders.c.id)
        )
        return list((await self._session.scalars(self._locked(statement))).all())

    async def expired_pending(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        rows = await self._session.scalars(
            sa.select(t.orders.c.id)
            .where(
                t.orders.c.organization_id == self._org,
                t.orders.c.status == OrderStatus.PENDING.value,
                t.orders.c.expires_at <= now,
            )
            .order_by(t.orders.c.expires_at)
            .limit(limit)
        )
        return list(rows.all())


class SqlaTicketRepository(_TenantRepository):
    async def add_all(self, tickets: Sequence[Ticket]) -> None:
        if tickets:
            await self._add(*tickets)

    async def list_for_order(self, order_id: uuid.UUID) -> list[Ticket]:
        rows = await self._session.scalars(
            sa.select(Ticket)
            .where(t.tickets.c.organization_id == self._org, t.tickets.c.order_id == order_id)
            .order_by(t.tickets.c.id)
        )
        return list(rows.all())

    async def get_by_code_for_update(self, code: str) -> Ticket | None:
        statement = sa.select(Ticket).where(t.tickets.c.organization_id == self._org, t.tickets.c.code == code)
        found: Ticket | None = await self._session.scalar(self._locked(statement))
        return found


class SqlaTenantDirectory:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None = None) -> None:
        self._session = session

    async def organization_ids(self) -> list[uuid.UUID]:
        rows = await self._session.scalars(sa.select(tables.organizations.c.id).order_by(tables.organizations.c.id))
        return list(rows.all())


def sql_repositories(*, lock: bool = True) -> dict[str, Any]:
    """Attribute name -> factory(session, organization_id), for the unit of work."""

    def locking(cls: type[_TenantRepository]) -> Any:
        return lambda session, org: cls(session, org, lock)

    return {
        "chapters": SqlaChapterRepository,
        "chapter_members": SqlaChapterMemberRepository,
        "teams": SqlaTeamRepository,
        "team_members": SqlaTeamMemberRepository,
        "events": locking(SqlaEventRepository),
        "ticket_types": locking(SqlaTicketTypeRepository),
        "orders": locking(SqlaOrderRepository),
        "tickets": locking(SqlaTicketRepository),
        "tenants": SqlaTenantDirectory,
    }
