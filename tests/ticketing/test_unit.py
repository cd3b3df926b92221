"""Domain rules of events, ticket types, orders and tickets (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.community import Chapter, ChapterMember, Team
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.permissions import Actor, ChapterRole, Role
from domain.ticketing import (
    ORDER_TTL,
    Event,
    EventDetails,
    EventStatus,
    Order,
    OrderStatus,
    TicketType,
    release_seats,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ORG = uuid.uuid4()
ADMIN = Actor(uuid.uuid4(), ORG, Role.ADMIN)
MEMBER = Actor(uuid.uuid4(), ORG, Role.MEMBER)
STAFF = Actor(uuid.uuid4(), ORG, Role.CHECK_IN_STAFF)


def details(**changes: object) -> EventDetails:
    base: dict[str, object] = {
        "title": "Meetup",
        "starts_at": NOW + timedelta(days=7),
        "ends_at": NOW + timedelta(days=7, hours=2),
        "timezone": "Europe/Paris",
    }
    base.update(changes)
    return EventDetails(**base)  # type: ignore[arg-type]


def published_event(**changes: object) -> Event:
    event = Event.plan(ADMIN, details(**changes), chapter_role=None, now=NOW)
    event.publish(ADMIN, chapter_role=None)
    return event


def ticket_type(event: Event, **fields: object) -> TicketType:
    values: dict[str, object] = {"name": "General", "price_cents": 0, "currency": "eur", "quantity": 10, "now": NOW}
    values.update(fields)
    return TicketType.define(ADMIN, event, chapter_role=None, **values)  # type: ignore[arg-type]


# --- events ---------------------------------------------------------------------------------------


def test_event_state_machine_draft_published_cancelled_or_ended() -> None:
    event = Event.plan(ADMIN, details(), chapter_role=None, now=NOW)
    assert event.status == EventStatus.DRAFT
    event.publish(ADMIN, chapter_role=None)
    assert event.status == EventStatus.PUBLISHED
    with pytest.raises(Conflict):
        event.publish(ADMIN, chapter_role=None)
    with pytest.raises(Conflict):
        event.end(NOW)  # not over yet
    event.end(event.ends_at)
    assert event.status == EventStatus.ENDED
    with pytest.raises(Conflict):
        event.cancel(ADMIN, chapter_role=None)

    draft = Event.plan(ADMIN, details(), chapter_role=None, now=NOW)
    draft.cancel(ADMIN, chapter_role=None)
    assert draft.status == EventStatus.CANCELLED
    for change in (
        lambda: draft.publish(ADMIN, chapter_role=None),
        lambda: draft.revise(ADMIN, details(), chapter_role=None),
    ):
        with pytest.raises(Conflict):
            change()
    assert [e.name for e in draft.pull_events()] == ["event.created", "event.cancelled"]


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_at": NOW + timedelta(days=7)},  # equal to starts_at
        {"ends_at": NOW},  # before
        {"timezone": "Mars/Olympus"},
        {"timezone": "../etc/passwd"},
        {"title": "   "},
        {"capacity": 0},
        {"online_url": "ftp://example.com"},
        {"starts_at": datetime(2026, 12, 5, 12, 0)},  # no offset
    ],
)
def test_event_rules_refuse_bad_details(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Event.plan(ADMIN, details(**changes), chapter_role=None, now=NOW)


def test_only_managers_and_the_chapters_leads_plan_events() -> None:
    with pytest.raises(PermissionDenied):
        Event.plan(MEMBER, details(), chapter_role=None, now=NOW)
    with pytest.raises(PermissionDenied):
        Event.plan(MEMBER, details(), chapter_role=ChapterRole.MEMBER, now=NOW)
    event = Event.plan(MEMBER, details(chapter_id=uuid.uuid4()), chapter_role=ChapterRole.LEAD, now=NOW)
    assert event.visible_to(MEMBER, ChapterRole.LEAD) and not event.visible_to(MEMBER, None)


def test_capacity_cannot_shrink_below_the_seats_taken() -> None:
    event = published_event(capacity=10)
    event.reserved = 6  # six seats taken (the store's reserve_seats)
    with pytest.raises(Conflict):
        event.revise(ADMIN, details(capacity=5), chapter_role=None)
    event.revise(ADMIN, details(capacity=6), chapter_role=None)
    assert event.capacity == 6


# --- ticket types and sales window ----------------------------------------------------------------


def test_ticket_type_rules() -> None:
    event = published_event()
    assert ticket_type(event).currency == "EUR"
    for bad in ({"currency": "EURO"}, {"quantity": 0}, {"price_cents": -1}, {"max_per_order": 0}):
        with pytest.raises(InvalidInput):
            ticket_type(event, **bad)
    with pytest.raises(InvalidInput):
        ticket_type(event, sales_start=NOW, sales_end=NOW)
    event.cancel(ADMIN, chapter_role=None)
    with pytest.raises(Conflict):
        ticket_type(event)


def test_sales_window_and_max_per_order() -> None:
    event = published_event()
    window = ticket_type(
        event, sales_start=NOW + timedelta(hours=1), sales_end=NOW + timedelta(hours=2), max_per_order=2
    )
    with pytest.raises(Conflict, match="not started"):
        Order.draft(MEMBER, event, [(window, 1)], now=NOW)
    with pytest.raises(Conflict, match="ended"):
        Order.draft(MEMBER, event, [(window, 1)], now=NOW + timedelta(hours=2))
    with pytest.raises(InvalidInput, match="at most 2"):
        Order.draft(MEMBER, event, [(window, 3)], now=NOW + timedelta(hours=1))
    order = Order.draft(MEMBER, event, [(window, 2)], now=NOW + timedelta(hours=1))
    assert order.seats == 2 and window.reserved == 0  # drafting takes no seat: the store does


# --- orders ---------------------------------------------------------------------------------------


def test_free_order_is_paid_at_once_and_issues_one_unique_ticket_per_seat() -> None:
    event = published_event()
    free = ticket_type(event)
    order = Order.draft(MEMBER, event, [(free, 3)], now=NOW)
    assert order.status == OrderStatus.PAID and order.expires_at is None and order.total_cents == 0
    tickets = order.issue_tickets(NOW)
    assert len(tickets) == 3 and len({t.code for t in tickets}) == 3
    assert all(len(t.code) >= 22 for t in tickets)  # 128 random bits, base64url


def test_paid_order_waits_fifteen_minutes_then_expires_and_gives_seats_back() -> None:
    event = published_event(capacity=5)
    vip = ticket_type(event, price_cents=1500, quantity=5)
    order = Order.draft(MEMBER, event, [(vip, 2)], now=NOW)
    assert order.status == OrderStatus.PENDING and order.expires_at == NOW + ORDER_TTL
    assert order.total_cents == 3000
    vip.reserved = event.reserved = 2  # the store's reserve_seats took them
    with pytest.raises(Conflict):
        order.issue_tickets(NOW)
    with pytest.raises(Conflict):
        order.expire(NOW + ORDER_TTL - timedelta(seconds=1))
    order.expire(NOW + ORDER_TTL)
    release_seats(order, event, [vip])
    assert order.status == OrderStatus.EXPIRED and (vip.reserved, event.reserved) == (0, 0)
    with pytest.raises(Conflict):
        order.mark_paid(NOW + ORDER_TTL)


def test_order_state_machine_paid_refunded_and_cancel_rules() -> None:
    event = published_event()
    vip = ticket_type(event, price_cents=1000)
    order = Order.draft(MEMBER, event, [(vip, 1)], now=NOW)
    order.mark_paid(NOW)
    assert order.status == OrderStatus.PAID and order.expires_at is None
    with pytest.raises(Conflict, match="refunded, not cancelled"):
        order.cancel(MEMBER, chapter_role=None, now=NOW)
    with pytest.raises(PermissionDenied):
        order.refund(MEMBER, chapter_role=None, now=NOW)
    order.refund(ADMIN, chapter_role=None, now=NOW)
    assert order.status == OrderStatus.REFUNDED and not order.holds_seats
    with pytest.raises(Conflict):
        order.refund(ADMIN, chapter_role=None, now=NOW)

    pending = Order.draft(MEMBER, event, [(vip, 1)], now=NOW)
    other = Actor(uuid.uuid4(), ORG, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        pending.cancel(other, chapter_role=None, now=NOW)
    pending.cancel(MEMBER, chapter_role=None, now=NOW)
    assert pending.status == OrderStatus.CANCELLED
    with pytest.raises(Conflict):
        pending.cancel(MEMBER, chapter_role=None, now=NOW)


def test_event_cancellation_cancels_pending_and_free_orders_and_marks_paid_ones_for_refund() -> None:
    event = published_event()
    free, vip = ticket_type(event), ticket_type(event, name="VIP", price_cents=900)
    free_order = Order.draft(MEMBER, event, [(free, 1)], now=NOW)
    pending = Order.draft(MEMBER, event, [(vip, 1)], now=NOW)
    paid = Order.draft(MEMBER, event, [(vip, 1)], now=NOW)
    paid.mark_paid(NOW)
    for order in (free_order, pending, paid):
        order.cancel_with_event(ADMIN, NOW)
    assert [o.status for o in (free_order, pending, paid)] == [
        OrderStatus.CANCELLED,
        OrderStatus.CANCELLED,
        OrderStatus.REFUND_PENDING,
    ]
    paid.refund(ADMIN, chapter_role=None, now=NOW)
    assert paid.status == OrderStatus.REFUNDED


def test_an_order_respects_quantity_capacity_event_state_and_currency() -> None:
    event = published_event(capacity=3)
    a, b = ticket_type(event, quantity=2), ticket_type(event, name="B", quantity=5)
    with pytest.raises(Conflict, match="sold out"):
        Order.draft(MEMBER, event, [(a, 3)], now=NOW)
    Order.draft(MEMBER, event, [(a, 2)], now=NOW)
    a.reserved = event.reserved = 2  # the store's reserve_seats took them
    with pytest.raises(Conflict, match="full"):
        Order.draft(MEMBER, event, [(b, 2)], now=NOW)
    with pytest.raises(InvalidInput):
        Order.draft(MEMBER, event, [], now=NOW)
    with pytest.raises(InvalidInput):
        Order.draft(MEMBER, event, [(b, 1), (b, 1)], now=NOW)
    usd = ticket_type(event, name="USD", price_cents=100, currency="USD")
    eur = ticket_type(event, name="EUR", price_cents=100, currency="EUR")
    with pytest.raises(InvalidInput, match="currency"):
        Order.draft(MEMBER, event, [(usd, 1), (eur, 1)], now=NOW)
    other_event = published_event()
    with pytest.raises(NotFound):
        Order.draft(MEMBER, other_event, [(b, 1)], now=NOW)
    with pytest.raises(PermissionDenied):
        Order.draft(STAFF, event, [(b, 1)], now=NOW)
    draft = Event.plan(ADMIN, details(), chapter_role=None, now=NOW)
    with pytest.raises(Conflict):
        Order.draft(MEMBER, draft, [(ticket_type(draft), 1)], now=NOW)
    with pytest.raises(Conflict, match="over"):
        Order.draft(MEMBER, event, [(b, 1)], now=event.ends_at)


# --- tickets --------------------------------------------------------------------------------------


def test_check_in_once_by_staff_and_never_a_void_ticket() -> None:
    event = published_event()
    order = Order.draft(MEMBER, event, [(ticket_type(event), 2)], now=NOW)
    first, second = order.issue_tickets(NOW)
    with pytest.raises(PermissionDenied):
        first.check_in(MEMBER, chapter_role=None, now=NOW)
    first.check_in(STAFF, chapter_role=None, now=NOW)
    assert first.checked_in_at == NOW and first.checked_in_by == STAFF.user_id
    with pytest.raises(Conflict, match="already"):
        first.check_in(STAFF, chapter_role=None, now=NOW)
    second.void(NOW)
    with pytest.raises(Conflict, match="void"):
        second.check_in(STAFF, chapter_role=None, now=NOW)
    lead = Actor(uuid.uuid4(), ORG, Role.MEMBER)
    third = Order.draft(MEMBER, event, [(ticket_type(event, name="x"), 1)], now=NOW).issue_tickets(NOW)[0]
    third.check_in(lead, chapter_role=ChapterRole.LEAD, now=NOW)


# --- chapters and teams ---------------------------------------------------------------------------


def test_chapter_and_team_rules() -> None:
    with pytest.raises(PermissionDenied):
        Chapter.found(MEMBER, name="Paris", slug="paris", city=None, timezone=None, now=NOW)
    with pytest.raises(InvalidInput):
        Chapter.found(ADMIN, name="Paris", slug="Not A Slug!", city=None, timezone=None, now=NOW)
    with pytest.raises(InvalidInput):
        Chapter.found(ADMIN, name="Paris", slug="paris", city=None, timezone="Nowhere/Else", now=NOW)
    chapter = Chapter.found(ADMIN, name="Paris", slug="paris", city=" Paris ", timezone="Europe/Paris", now=NOW)
    assert chapter.city == "Paris"
    joined = ChapterMember.enrol(
        MEMBER, chapter, user_id=MEMBER.user_id, role=ChapterRole.MEMBER, actor_chapter_role=None, now=NOW
    )
    assert joined.role == ChapterRole.MEMBER
    with pytest.raises(PermissionDenied):
        ChapterMember.enrol(
            MEMBER,
            chapter,
            user_id=MEMBER.user_id,
            role=ChapterRole.LEAD,
            actor_chapter_role=ChapterRole.MEMBER,
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        Team.form(MEMBER, name="Crew", chapter_id=None, chapter_role=None, now=NOW)
    team = Team.form(MEMBER, name="Crew", chapter_id=chapter.id, chapter_role=ChapterRole.LEAD, now=NOW)
    with pytest.raises(PermissionDenied):
        team.rename(MEMBER, "Other", chapter_role=ChapterRole.MEMBER)


@pytest.mark.parametrize("bad", ["nul\x00here", "lone \udcff surrogate"])
def test_text_postgres_cannot_store_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Event.plan(ADMIN, details(title=bad), chapter_role=None, now=NOW)
    with pytest.raises(InvalidInput):
        Event.plan(ADMIN, details(description=bad), chapter_role=None, now=NOW)
    with pytest.raises(InvalidInput):
        Chapter.found(ADMIN, name="Paris", slug="paris", city=bad, timezone=None, now=NOW)
