"""Contract of the public side's read ports (PublicQueries, MyOrderQueries): the memory twins and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from application.ports.public import PublicEventFilter
from domain.community import Chapter
from domain.permissions import Actor, Role
from domain.ticketing import Event, EventDetails, EventVisibility, Order, TicketType
from tests.fixtures.backends import Backend

Ports = Callable[[uuid.UUID | None], Awaitable[tuple[Any, Any]]]


@pytest.fixture
def ports(backend: Backend) -> Ports:
    """(public queries, my-order queries) on a fresh request connection; user_id as the request's user."""

    async def of(user_id: uuid.UUID | None) -> tuple[Any, Any]:
        reads = await backend.reads(None, user_id)
        return reads.public, reads.my_orders

    return of


async def _slug(b: Backend, admin: Actor) -> str:
    async with b.uow(admin.organization_id, admin.user_id) as uow:
        org = await uow.organizations.get(admin.organization_id)
    assert org is not None
    return org.slug


async def _event(
    b: Backend,
    admin: Actor,
    *,
    days: float,
    visibility: EventVisibility,
    publish: bool = True,
    chapter_id: uuid.UUID | None = None,
    cancel: bool = False,
) -> tuple[Event, TicketType]:
    now = b.clock.now()
    details = EventDetails(
        title=f"E{days}",
        starts_at=now + timedelta(days=days),
        ends_at=now + timedelta(days=days, hours=2),
        timezone="UTC",
        visibility=visibility,
        chapter_id=chapter_id,
    )
    async with b.uow(admin.organization_id, admin.user_id) as uow:
        event = Event.plan(admin, details, chapter_role=None, now=now)
        if publish:
            event.publish(admin, chapter_role=None)
        await uow.events.add(event)
        tt = TicketType.define(
            admin, event, chapter_role=None, name="T", price_cents=500, currency="EUR", quantity=5, now=now
        )
        await uow.ticket_types.add(tt)
        if cancel:
            event.cancel(admin, chapter_role=None)
        uow.collect(event, tt)
        await uow.commit()
    return event, tt


async def test_only_published_public_events_of_the_slugs_organization(backend: Backend, ports: Ports) -> None:
    _, (admin,) = await backend.organization(Role.OWNER)
    _, (other,) = await backend.organization(Role.OWNER)
    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        chapter = Chapter.found(admin, name="Paris", slug="paris", city=None, timezone=None, now=backend.clock.now())
        await uow.chapters.add(chapter)
        uow.collect(chapter)
        await uow.commit()
    later, _ = await _event(backend, admin, days=3, visibility=EventVisibility.PUBLIC)
    sooner, tt = await _event(backend, admin, days=1, visibility=EventVisibility.PUBLIC, chapter_id=chapter.id)
    await _event(backend, admin, days=2, visibility=EventVisibility.MEMBERS)
    await _event(backend, admin, days=2, visibility=EventVisibility.PUBLIC, publish=False)
    cancelled, _ = await _event(backend, admin, days=4, visibility=EventVisibility.PUBLIC, cancel=True)
    theirs, _ = await _event(backend, other, days=1, visibility=EventVisibility.PUBLIC)

    public, _ = await ports(None)
    org = await public.organization(await _slug(backend, admin))
    assert org is not None and org.id == admin.organization_id
    assert [c.slug for c in await public.chapters(org.id)] == ["paris"]
    page = await public.events(org.id, PublicEventFilter(), limit=10, after=None)
    assert [e.id for e in page] == [sooner.id, later.id]
    after = await public.events(org.id, PublicEventFilter(), limit=10, after=(sooner.starts_at, sooner.id))
    assert [e.id for e in after] == [later.id]
    assert [
        e.id for e in await public.events(org.id, PublicEventFilter(chapter_slug="paris"), limit=10, after=None)
    ] == [sooner.id]
    assert await public.events(org.id, PublicEventFilter(chapter_slug="nowhere"), limit=10, after=None) == []
    window = PublicEventFilter(starts_after=later.starts_at - timedelta(hours=1))
    assert [e.id for e in await public.events(org.id, window, limit=10, after=None)] == [later.id]
    assert (await public.event(org.id, sooner.id)).title == sooner.title
    assert await public.event(org.id, cancelled.id) is None
    assert await public.event(org.id, theirs.id) is None
    calendar = await public.calendar(org.id, None, limit=10)
    assert [(e.id, e.status) for e in calendar] == [
        (sooner.id, "published"),
        (later.id, "published"),
        (cancelled.id, "cancelled"),
    ]
    assert [e.id for e in await public.calendar(org.id, "paris", limit=10)] == [sooner.id]
    types = await public.ticket_types(org.id, [sooner.id, theirs.id])
    assert [(t.id, t.price_cents, t.quantity, t.reserved) for t in types] == [(tt.id, 500, 5, 0)]
    # An unknown slug names nothing, and on PostgreSQL it also takes the previous scope away (fail closed).
    assert await public.organization("no-such-slug") is None
    if backend.store is None:
        assert await public.chapters(org.id) == []


async def test_a_buyer_reads_their_own_orders_in_every_organization(backend: Backend, ports: Ports) -> None:
    _, (admin_a,) = await backend.organization(Role.OWNER)
    _, (admin_b, buyer_member) = await backend.organization(Role.OWNER, Role.MEMBER)
    event_a, tt_a = await _event(backend, admin_a, days=1, visibility=EventVisibility.PUBLIC)
    event_b, tt_b = await _event(backend, admin_b, days=1, visibility=EventVisibility.PUBLIC)
    buyer = buyer_member.user_id
    placed = []
    for admin, event, tt in ((admin_a, event_a, tt_a), (admin_b, event_b, tt_b)):
        actor = Actor.buyer(buyer, admin.organization_id)
        async with backend.uow(admin.organization_id, buyer) as uow:
            order = Order.draft(actor, event, [(tt, 1)], now=backend.clock.now())
            await uow.orders.add(order)
            uow.collect(order)
            await uow.commit()
        placed.append(order)
        backend.clock.advance(timedelta(seconds=1))

    _, mine = await ports(buyer)
    rows = await mine.list_my_orders(buyer, limit=10, after=None)
    assert sorted(r.id for r in rows) == sorted(o.id for o in placed)
    assert {r.organization_id for r in rows} == {admin_a.organization_id, admin_b.organization_id}
    assert {r.status for r in rows} == {"pending"} and {r.total_cents for r in rows} == {500}
    assert await mine.organization_of_my_order(buyer, placed[0].id) == admin_a.organization_id
    _, theirs = await ports(admin_a.user_id)
    assert await theirs.list_my_orders(admin_a.user_id, limit=10, after=None) == []
    assert await theirs.organization_of_my_order(admin_a.user_id, placed[0].id) is None
