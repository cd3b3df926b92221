"""The SQL that stores a new order with its items and tickets (SqlaOrderRepository.add)."""

from __future__ import annotations

import functools

import sqlalchemy as sa

# One statement, one round trip: the order, its items and its tickets as data-modifying CTEs (the foreign
# keys between them are checked at the end of the statement). Rows as multi-row VALUES, never
# INSERT ... SELECT FROM unnest(...): Citus turns that into a COPY, which row-level security refuses.
# One text per (items, tickets) count, so a few prepared statements cover every order.
_ORDER_COLUMNS = (
    "organization_id, id, event_id, buyer_id, currency, total_cents, status, created_at, expires_at, paid_at, closed_at"
)
_ITEM_COLUMNS = "organization_id, order_id, ticket_type_id, quantity, unit_price_cents"
_TICKET_COLUMNS = "organization_id, id, event_id, order_id, ticket_type_id, holder_id, code, issued_at"


@functools.lru_cache(maxsize=256)
def insert_order(items: int, tickets: int) -> sa.TextClause:
    statements = [
        "INSERT INTO orders (" + _ORDER_COLUMNS + ") VALUES (:org, :id, :event_id, :buyer_id, :currency, "
        ":total_cents, :status, :created_at, :expires_at, :paid_at, :closed_at)"
    ]
    if items:
        rows = ", ".join(f"(:org, :id, :it{i}, :iq{i}, :ip{i})" for i in range(items))
        statements.append(f"INSERT INTO order_items ({_ITEM_COLUMNS}) VALUES {rows}")
    if tickets:
        rows = ", ".join(f"(:org, :k{i}, :event_id, :id, :kt{i}, :kh{i}, :kc{i}, :ki{i})" for i in range(tickets))
        statements.append(f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES {rows}")
    *ctes, last = statements
    if not ctes:
        return sa.text(last)
    return sa.text("WITH " + ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(ctes)) + " " + last)
