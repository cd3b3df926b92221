"""What the soak verifies afterwards (SQL as the database owner, the SMTP sink) and the p99 table it prints."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import asyncpg

Row = tuple[str, str, str, bool]


async def effects(conn: asyncpg.Connection, soak: Any, sink: Any) -> list[Row]:
    w = soak.world
    org, event = uuid.UUID(w.org_id), uuid.UUID(w.event_id)
    rows: list[Row] = []
    server_errors = sum(n for (_, status), n in soak.statuses.items() if status >= 500)
    rows.append(("5xx answers", "0", str(server_errors), server_errors == 0))
    rows.append(("transport errors, dropped sockets", "0", str(dict(soak.errors) or 0), not soak.errors))

    users = await conn.fetchval("SELECT count(*) FROM users WHERE id = ANY($1::uuid[])", soak.signups)
    rows.append(("sign-ups stored once", str(len(soak.signups)), str(users), users == len(soak.signups) > 0))

    answered = {k: ids for k, ids in soak.orders.items() if ids}
    one_id = sum(1 for ids in answered.values() if len(ids) == 1)
    rows.append(
        (
            "retried orders answered with one order id per key",
            str(len(answered)),
            str(one_id),
            one_id == len(answered) > 0,
        )
    )
    order_ids = [uuid.UUID(next(iter(ids))) for ids in answered.values()]
    stored = await conn.fetchval("SELECT count(*) FROM orders WHERE organization_id=$1 AND event_id=$2", org, event)
    found = await conn.fetchval("SELECT count(*) FROM orders WHERE organization_id=$1 AND id = ANY($2)", org, order_ids)
    tickets = await conn.fetchval("SELECT count(*) FROM tickets WHERE organization_id=$1 AND event_id=$2", org, event)
    reserved = await conn.fetchval("SELECT reserved FROM events WHERE organization_id=$1 AND id=$2", org, event)
    rows.append(
        (
            "orders in the database = keys answered (none doubled, none lost)",
            str(len(answered)),
            f"{stored} (found {found})",
            stored == found == len(answered),
        )
    )
    rows.append(
        ("tickets = seats reserved = orders", str(stored), f"{tickets}, {reserved}", tickets == reserved == stored)
    )

    messages = await conn.fetchval(
        "SELECT count(*) FROM messages WHERE organization_id=$1 AND id = ANY($2::uuid[])", org, soak.messages
    )
    rows.append(("chat messages stored once", str(len(soak.messages)), str(messages), messages == len(soak.messages)))
    wanted = set(soak.messages)
    complete = sum(1 for got in soak.received if set(got) >= wanted)
    doubled = sum(n - 1 for got in soak.received for n in got.values() if n > 1)
    rows.append(
        (
            f"sockets that got every message ({len(wanted)})",
            str(len(soak.received)),
            str(complete),
            complete == len(soak.received),
        )
    )
    rows.append(("messages delivered twice to a socket", "0", str(doubled), doubled == 0))

    members = {
        r["user_id"]: r["email"]
        for r in await conn.fetch(
            "SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id=$1",
            org,
        )
    }
    notified = Counter(
        (r["user_id"], r["title"])
        for r in await conn.fetch(
            "SELECT user_id, title FROM notifications WHERE organization_id=$1 AND kind='announcement'", org
        )
    )
    _, emails = sink.snapshot()
    pairs = len(soak.announcements) * len(members)
    in_app = sum(1 for s in soak.announcements for u in members if notified[(u, s)] == 1)
    by_mail = sum(1 for s in soak.announcements for e in members.values() if emails[(e, f"[{w.org_name}] {s}")] == 1)
    rows.append(("announcements x members: one notification", str(pairs), str(in_app), in_app == pairs > 0))
    rows.append(("announcements x members: one email", str(pairs), str(by_mail), by_mail == pairs > 0))

    recorded = await conn.fetchval("SELECT count(*) FROM stripe_events WHERE id = ANY($1::text[])", list(soak.webhooks))
    rows.append(
        (
            "webhooks (half sent twice) recorded once",
            str(len(soak.webhooks)),
            str(recorded),
            recorded == len(soak.webhooks) > 0,
        )
    )
    dead = await conn.fetchval("SELECT count(*) FROM dead_letters")
    rows.append(("dead letters", "0", str(dead), dead == 0))
    return rows


def rss_rows(samples: dict[str, list[tuple[float, int]]]) -> list[Row]:
    rows: list[Row] = []
    for name, series in sorted(samples.items()):
        second_half = series[len(series) // 2 :]
        if len(second_half) < 2:
            rows.append((f"RSS {name}", "samples", str(len(series)), False))
            continue
        values = [kib for _, kib in second_half]
        low, high = min(values), max(values)
        spread = (high - low) / low * 100
        rows.append(
            (
                f"RSS {name} over the last half (MiB: first, last, min-max)",
                "within 10 %",
                f"{values[0] / 1024:.0f}, {values[-1] / 1024:.0f}, {low / 1024:.0f}-{high / 1024:.0f} ({spread:.1f} %)",
                spread <= 10.0,
            )
        )
    return rows


def p99_table(latency: dict[str, list[float]], statuses: Counter[tuple[str, int]]) -> str:
    lines = ["| route | requests | statuses | p50 ms | p99 ms |", "|---|---:|---|---:|---:|"]
    for route in sorted(latency):
        values = sorted(latency[route])
        p50, p99 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]
        codes = ", ".join(f"{s}: {n}" for (r, s), n in sorted(statuses.items()) if r == route)
        lines.append(f"| {route} | {len(values)} | {codes} | {p50 * 1000:.1f} | {p99 * 1000:.1f} |")
    return "\n".join(lines)
