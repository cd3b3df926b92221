"""Two more fault cases of `make chaos`, run after the main load on the same cluster.

- kill -9 the worker a quarter of the way through an announcement to ~200 members (a slow SMTP server, so
  the kill lands mid-batch): every member gets the email, and only what was in flight is sent twice
  (at most the worker's concurrency);
- pool exhaustion: a burst of concurrent orders, far more than the API processes' connection pools, each
  client retrying on 503 (or a dropped connection) with its Idempotency-Key: no 5xx but 503 with
  Retry-After, and exactly one order per key that was answered 201 (a retry never books a second seat).

Each case returns (check, expected, observed, ok) rows for chaos.py's table.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

Row = tuple[str, str, str, bool]
ANNOUNCED_MEMBERS = 200
WORKER_CONCURRENCY = 8  # chaos.py starts the worker with --concurrency 8
BURST = 400
BURST_SEATS = 400  # every attempt goes through the write transaction (no early sold-out answer)


async def _owner_and_org(client: httpx.AsyncClient, register: Callable[..., Awaitable[Any]], name: str) -> Any:
    owner = await register(client, name)
    response = await client.post(
        "/api/orgs",
        json={"name": f"{name} {uuid.uuid4().hex[:6]}", "slug": f"{name}-{uuid.uuid4().hex[:8]}"},
        headers=owner.headers,
    )
    response.raise_for_status()
    return owner, response.json()


async def announcement_kill(
    base_url: str,
    conn: asyncpg.Connection,
    sink: Any,
    register: Callable[..., Awaitable[Any]],
    kill_worker: Callable[[], None],
    start_worker: Callable[[], None],
    settle: Callable[[], Awaitable[float]],
) -> list[Row]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        owner, org = await _owner_and_org(client, register, "herald")
        org_id = uuid.UUID(org["id"])
        # Members written straight into the database (as its owner): the free plan's 10 members are not the point.
        now = datetime.now(UTC)
        users = [(uuid.uuid4(), f"herald-{uuid.uuid4().hex[:10]}@example.com") for _ in range(ANNOUNCED_MEMBERS - 1)]
        await conn.executemany(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'Member', 'x', $3)",
            [(u, e, now) for u, e in users],
        )
        await conn.executemany(
            "INSERT INTO memberships (organization_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3)",
            [(org_id, u, now) for u, _ in users],
        )
        emails = {e for _, e in users} | {owner.email}
        subject = f"Herald {uuid.uuid4().hex[:6]}"
        sink.delay = 0.03  # ~6 s for the batch: room for a kill in the middle
        response = await client.post(
            f"/api/orgs/{org['id']}/announcements",
            json={"audience": "org", "subject": subject, "body": "All hands."},
            headers=owner.headers,
        )
        response.raise_for_status()

    def ours() -> Counter[str]:
        _, counts = sink.snapshot()
        return Counter({rcpt: n for (rcpt, subj), n in counts.items() if subj.endswith(subject) and rcpt in emails})

    deadline = time.monotonic() + 60
    for _ in iter(int, 1):  # until a quarter went out (bounded)
        if sum(ours().values()) >= ANNOUNCED_MEMBERS // 4 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    kill_worker()
    at_kill = sum(ours().values())
    start_worker()
    try:
        await settle()
    finally:
        sink.delay = 0.0
    received = ours()
    missing = len(emails - set(received))
    duplicates = sum(n - 1 for n in received.values())
    return [
        (
            "announcement kill -9: emails sent when killed",
            f"< {ANNOUNCED_MEMBERS}",
            str(at_kill),
            0 < at_kill < ANNOUNCED_MEMBERS,
        ),
        ("announcement kill -9: members without the email", "0", str(missing), missing == 0),
        (
            "announcement kill -9: duplicates <= worker concurrency",
            f"<= {WORKER_CONCURRENCY}",
            str(duplicates),
            duplicates <= WORKER_CONCURRENCY,
        ),
    ]


async def pool_exhaustion(
    base_urls: list[str], conn: asyncpg.Connection, register: Callable[..., Awaitable[Any]]
) -> list[Row]:
    async with httpx.AsyncClient(base_url=base_urls[0], timeout=30) as client:
        owner, org = await _owner_and_org(client, register, "rush")
        starts = datetime.now(UTC) + timedelta(days=5)
        event = await client.post(
            f"/api/orgs/{org['id']}/events",
            headers=owner.headers,
            json={
                "title": "Rush",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "timezone": "Europe/Paris",
            },
        )
        event.raise_for_status()
        event_id = event.json()["id"]
        tt = await client.post(
            f"/api/orgs/{org['id']}/events/{event_id}/ticket-types",
            headers=owner.headers,
            json={"name": "Free", "price_cents": 0, "currency": "EUR", "quantity": BURST_SEATS},
        )
        tt.raise_for_status()
        (
            await client.post(f"/api/orgs/{org['id']}/events/{event_id}/publish", headers=owner.headers)
        ).raise_for_status()

    statuses: Counter[int] = Counter()
    without_retry_after = 0
    placed: dict[str, str] = {}
    body = {"items": [{"ticket_type_id": tt.json()["id"], "quantity": 1}]}
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)

    async def attempt(index: int, client: httpx.AsyncClient) -> None:
        nonlocal without_retry_after
        key = f"rush-{index}-{uuid.uuid4().hex[:8]}"
        for round_ in range(20):
            base = base_urls[(index + round_) % len(base_urls)]
            try:
                response = await client.post(
                    f"{base}/api/orgs/{org['id']}/events/{event_id}/orders",
                    json=body,
                    headers={**owner.headers, "Idempotency-Key": key},
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
                continue
            statuses[response.status_code] += 1
            if response.status_code == 503:
                without_retry_after += "retry-after" not in response.headers
                await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))
                continue
            if response.status_code == 201:
                placed[key] = response.json()["id"]
            return

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(attempt(i, client) for i in range(BURST)))

    org_id, event_uuid = uuid.UUID(org["id"]), uuid.UUID(event_id)
    orders = await conn.fetchval(
        "SELECT count(*) FROM orders WHERE organization_id=$1 AND event_id=$2", org_id, event_uuid
    )
    reserved = await conn.fetchval("SELECT reserved FROM events WHERE organization_id=$1 AND id=$2", org_id, event_uuid)
    keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE organization_id=$1", org_id)
    server_errors = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
    return [
        (
            f"pool exhaustion: answers to {BURST} concurrent orders",
            "201/409/503",
            str(dict(sorted(statuses.items()))),
            set(statuses) <= {201, 409, 503},
        ),
        ("pool exhaustion: 5xx other than 503", "0", str(server_errors), server_errors == 0),
        ("pool exhaustion: 503 without Retry-After", "0", str(without_retry_after), without_retry_after == 0),
        (
            "pool exhaustion: orders = keys answered 201 = seats = keys stored",
            f"equal, <= {BURST_SEATS}",
            f"{orders}, {len(placed)}, {reserved}, {keys}",
            orders == len(placed) == reserved == keys and 0 < orders <= BURST_SEATS,
        ),
    ]
