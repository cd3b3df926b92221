"""Capacity under concurrency, against real server processes (`chapterhouse serve`) on real PostgreSQL.

200 concurrent order attempts on 50 seats sell exactly 50; the event's capacity holds across two ticket
types; cancellations racing a rush neither deadlock nor lose a seat; a mixed rush of members and public
buyers (non-members, through the public route) sells exactly the capacity too. The negative control runs the same
harness against a server whose ticketing repositories skip their row locks and conditional updates
(TICKETING_UNSAFE_NO_LOCKS=1, test-only: counters read earlier are written back) and must see
overselling — proof that the harness would catch a broken lock.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from scripts.services import free_port

from adapters.security.tokens import HmacInvitationTokenCodec
from entrypoints.settings import asyncpg_url
from tests.fixtures.api import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("chapterhouse")
ATTEMPTS = 200
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.slow


class Server:
    """One API process; its code is this worktree's src (PYTHONPATH wins over the editable install)."""

    def __init__(self, database_url: str, *, unsafe_no_locks: bool = False) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "DATABASE_URL": database_url,
            "APP_ENV": "test",
            "SECRET_KEY": TEST_SECRET,
            "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
            "DB_POOL_SIZE": "8",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        if unsafe_no_locks:
            env["TICKETING_UNSAFE_NO_LOCKS"] = "1"
        self.process = subprocess.Popen(
            [str(CLI), "serve", "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# One server at a time (function scope): the machine's PostgreSQL is shared, connections are counted.
@pytest.fixture
def server(database_url: str) -> Iterator[Server]:
    running = Server(database_url)
    yield running
    running.stop()


@pytest.fixture
def unsafe_server(database_url: str) -> Iterator[Server]:
    running = Server(database_url, unsafe_no_locks=True)
    yield running
    running.stop()


async def _register(http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    email = f"c{uuid.uuid4().hex[:12]}@example.com"
    response = await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Buyer"})
    assert response.status_code == 201, response.text
    token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()["access_token"]
    return email, {"Authorization": f"Bearer {token}"}


async def _setup_event(
    http: httpx.AsyncClient, *, capacity: int | None, quantities: list[int], buyers: int, public: bool = False
) -> tuple[str, str, list[str], list[dict[str, str]]]:
    """An organization with a published event, its ticket types, and `buyers` members to order."""
    _, owner = await _register(http)
    org = await http.post("/api/orgs", json={"name": "Load", "slug": f"load-{uuid.uuid4().hex[:10]}"}, headers=owner)
    org_id = org.json()["id"]
    starts = datetime.now(UTC) + timedelta(days=30)
    body: dict[str, Any] = {
        "title": "Rush",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Berlin",
        "capacity": capacity,
        "visibility": "public" if public else "members",
    }
    event_id = (await http.post(f"/api/orgs/{org_id}/events", json=body, headers=owner)).json()["id"]
    type_ids = []
    for i, quantity in enumerate(quantities):
        response = await http.post(
            f"/api/orgs/{org_id}/events/{event_id}/ticket-types",
            json={"name": f"T{i}", "price_cents": 0, "currency": "EUR", "quantity": quantity},
            headers=owner,
        )
        assert response.status_code == 201, response.text
        type_ids.append(response.json()["id"])
    assert (await http.post(f"/api/orgs/{org_id}/events/{event_id}/publish", headers=owner)).status_code == 200
    codec = HmacInvitationTokenCodec(TEST_SECRET)
    members = [owner]
    for _ in range(buyers - 1):
        email, headers = await _register(http)
        invited = await http.post(f"/api/orgs/{org_id}/invitations", json={"email": email}, headers=owner)
        token = codec.encode(uuid.UUID(org_id), uuid.UUID(invited.json()["id"]))
        assert (await http.post(f"/api/invitations/{token}/accept", headers=headers)).status_code == 200
        members.append(headers)
    return org_id, event_id, type_ids, members


async def stampede(
    server: Server, database_url: str, *, capacity: int | None, quantities: list[int], mixed: bool = False
) -> tuple[Counter[int], dict[str, int]]:
    """Fires ATTEMPTS one-seat orders at once; returns the statuses and the seats held per ticket type.

    mixed: every other attempt is a non-member's, through the public route of the (public) event."""
    limits = httpx.Limits(max_connections=ATTEMPTS, max_keepalive_connections=ATTEMPTS)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120) as http:
        org_id, event_id, type_ids, members = await _setup_event(
            http, capacity=capacity, quantities=quantities, buyers=4, public=mixed
        )
        outsiders = [(await _register(http))[1] for _ in range(4 if mixed else 0)]
        slug = (await http.get(f"/api/orgs/{org_id}", headers=members[0])).json()["slug"]
        start = asyncio.Event()

        async def attempt(i: int) -> int:
            await start.wait()
            body = {"items": [{"ticket_type_id": type_ids[i % len(type_ids)], "quantity": 1}]}
            if outsiders and i % 2:
                path, headers = f"/api/public/orgs/{slug}/events/{event_id}/orders", outsiders[i % len(outsiders)]
            else:
                path, headers = f"/api/orgs/{org_id}/events/{event_id}/orders", members[i % len(members)]
            response = await http.post(path, json=body, headers=headers)
            return response.status_code

        tasks = [asyncio.create_task(attempt(i)) for i in range(ATTEMPTS)]
        await asyncio.sleep(0)
        start.set()
        statuses = Counter(await asyncio.gather(*tasks))
    return statuses, await seats_held(database_url, org_id, event_id)


async def seats_held(database_url: str, org_id: str, event_id: str) -> dict[str, int]:
    """Counted from the orders themselves (not the counters under test): pending and paid seats, and tickets."""
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute("SELECT set_config('app.organization_id', $1, false)", org_id)
        rows = await conn.fetch(
            """SELECT i.ticket_type_id::text AS ticket_type_id, sum(i.quantity) AS seats
               FROM orders o JOIN order_items i ON i.organization_id = o.organization_id AND i.order_id = o.id
               WHERE o.organization_id = $1 AND o.event_id = $2 AND o.status IN ('pending', 'paid')
               GROUP BY i.ticket_type_id""",
            uuid.UUID(org_id),
            uuid.UUID(event_id),
        )
        tickets = await conn.fetchval(
            "SELECT count(*) FROM tickets WHERE organization_id = $1 AND event_id = $2",
            uuid.UUID(org_id),
            uuid.UUID(event_id),
        )
    finally:
        await conn.close()
    held = {r["ticket_type_id"]: int(r["seats"]) for r in rows}
    held["tickets"] = int(tickets)
    return held


def _sold(held: dict[str, int]) -> int:
    return sum(seats for key, seats in held.items() if key != "tickets")


async def test_two_hundred_concurrent_orders_sell_exactly_the_fifty_seats(server: Server, database_url: str) -> None:
    statuses, held = await stampede(server, database_url, capacity=None, quantities=[50])
    assert statuses == Counter({201: 50, 409: ATTEMPTS - 50})
    assert _sold(held) == 50 and held["tickets"] == 50


async def test_the_event_capacity_holds_across_ticket_types(server: Server, database_url: str) -> None:
    statuses, held = await stampede(server, database_url, capacity=30, quantities=[25, 25])
    assert statuses == Counter({201: 30, 409: ATTEMPTS - 30})
    assert _sold(held) == 30 and held["tickets"] == 30
    assert all(seats <= 25 for key, seats in held.items() if key != "tickets")


async def test_a_mixed_rush_of_members_and_public_buyers_sells_exactly_the_capacity(
    server: Server, database_url: str
) -> None:
    statuses, held = await stampede(server, database_url, capacity=40, quantities=[30, 30], mixed=True)
    assert statuses == Counter({201: 40, 409: ATTEMPTS - 40})
    assert _sold(held) == 40 and held["tickets"] == 40


async def test_cancellations_racing_a_rush_neither_deadlock_nor_lose_seats(server: Server, database_url: str) -> None:
    """Cancelling locks the event, then the ticket type; placing writes its rows first and takes the same
    locks last. Both complete (no deadlock answer), and the counters still match the orders. (It did not
    catch FOR UPDATE instead of FOR NO KEY UPDATE in two runs: a regression check, not a proof.)"""
    limits = httpx.Limits(max_connections=ATTEMPTS, max_keepalive_connections=ATTEMPTS)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120) as http:
        org_id, event_id, (type_id,), members = await _setup_event(http, capacity=None, quantities=[40], buyers=4)
        orders_path = f"/api/orgs/{org_id}/events/{event_id}/orders"
        body = {"items": [{"ticket_type_id": type_id, "quantity": 1}]}
        placed = []
        for i in range(20):
            response = await http.post(orders_path, json=body, headers=members[i % len(members)])
            assert response.status_code == 201, response.text
            placed.append((response.json()["id"], members[i % len(members)]))
        start = asyncio.Event()

        async def order(i: int) -> httpx.Response:
            await start.wait()
            return await http.post(orders_path, json=body, headers=members[i % len(members)])

        async def cancel(order_id: str, headers: dict[str, str]) -> httpx.Response:
            await start.wait()
            return await http.post(f"/api/orgs/{org_id}/orders/{order_id}/cancel", headers=headers)

        tasks = [asyncio.create_task(order(i)) for i in range(100)]
        tasks += [asyncio.create_task(cancel(order_id, headers)) for order_id, headers in placed]
        await asyncio.sleep(0)
        start.set()
        responses = await asyncio.gather(*tasks)
    orders, cancels = responses[:100], responses[100:]
    assert [r.status_code for r in cancels] == [200] * len(placed)
    assert {r.status_code for r in orders} <= {201, 409}
    assert not [r.text for r in orders if "concurrent change" in r.text]  # what a deadlock would answer
    sold = sum(r.status_code == 201 for r in orders)
    held = await seats_held(database_url, org_id, event_id)
    assert _sold(held) == sold <= 40  # the 20 cancelled seats came back and were sold again at most once
    assert sold >= 20  # 20 seats were free from the start
    counters = await _counters(database_url, org_id, event_id)
    assert counters == {"event": sold, type_id: sold}


async def _counters(database_url: str, org_id: str, event_id: str) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute("SELECT set_config('app.organization_id', $1, false)", org_id)
        event = await conn.fetchval("SELECT reserved FROM events WHERE id = $1", uuid.UUID(event_id))
        rows = await conn.fetch("SELECT id::text, reserved FROM ticket_types WHERE event_id = $1", uuid.UUID(event_id))
    finally:
        await conn.close()
    return {"event": int(event), **{r["id"]: int(r["reserved"]) for r in rows}}


async def test_negative_control_without_locks_the_same_harness_sees_overselling(
    unsafe_server: Server, database_url: str
) -> None:
    statuses, held = await stampede(unsafe_server, database_url, capacity=None, quantities=[50])
    assert statuses[201] > 50, statuses
    assert _sold(held) > 50 and held["tickets"] > 50


async def test_negative_control_the_public_route_oversells_too_without_locks(
    unsafe_server: Server, database_url: str
) -> None:
    statuses, held = await stampede(unsafe_server, database_url, capacity=None, quantities=[50], mixed=True)
    assert statuses[201] > 50, statuses
    assert _sold(held) > 50 and held["tickets"] > 50
