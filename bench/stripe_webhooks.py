"""Benchmark: 200 Stripe webhook deliveries (mixed types, with duplicates, out of order) sent concurrently.

    .venv/bin/python bench/stripe_webhooks.py [--deliveries 200] [--concurrency 32] [--orgs 20]

Creates a throw-away database on the server of DATABASE_URL (an admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, seeds organizations with a subscription each
(SQL as the owner: no Stripe involved), serves this checkout's API with uvicorn on 127.0.0.1, and posts the
deliveries with httpx, each signed exactly as Stripe signs. Then it checks exactly-once effects:
- one stripe_events row per distinct event id, however often it was delivered;
- one billing.subscription_changed outbox row per event recorded as "applied", none for the others;
- each organization ends in the state of its newest event (never backwards).
Prints deliveries/s and the checks; the database is dropped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import sys
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import stripe  # noqa: E402
import uvicorn  # noqa: E402
from scripts import services  # noqa: E402
from summary import emit  # noqa: E402

from entrypoints import database  # noqa: E402
from entrypoints.app import create_app  # noqa: E402
from entrypoints.logging_setup import configure_logging  # noqa: E402
from entrypoints.settings import Environment, Settings, asyncpg_url  # noqa: E402

SECRET = "whsec_bench"
STATUSES = ["active", "past_due", "active", "unpaid", "active"]


async def seed(url: str, orgs: int) -> list[tuple[uuid.UUID, str, str]]:
    conn = await asyncpg.connect(asyncpg_url(url))
    seeded = []
    try:
        for i in range(orgs):
            org_id, customer, subscription = uuid.uuid4(), f"cus_bench{i}", f"sub_bench{i}"
            await conn.execute(
                "INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, $2, $3, now())",
                org_id,
                f"Bench {i}",
                f"bench-{i}-{org_id.hex[:6]}",
            )
            await conn.execute(
                """INSERT INTO organization_subscriptions (organization_id, id, plan_id, status, stripe_customer_id,
                   stripe_subscription_id, generation, state_as_of, updated_at)
                   VALUES ($1, $2, 'team', 'active', $3, $4, 1, 0, now())""",
                org_id,
                uuid.uuid4(),
                customer,
                subscription,
            )
            await conn.execute(
                "INSERT INTO billing_customers (stripe_customer_id, organization_id) VALUES ($1, $2)", customer, org_id
            )
            seeded.append((org_id, customer, subscription))
    finally:
        await conn.close()
    return seeded


def make_events(seeded: list[tuple[uuid.UUID, str, str]], deliveries: int) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Distinct events (about 60 % of the deliveries), then deliveries: each event 1-3 times, shuffled."""
    rng = random.Random(6)
    base = int(time.time())
    events = []
    for n in range(int(deliveries * 0.6)):
        _org_id, customer, subscription = seeded[n % len(seeded)]
        if n % 10 == 9:  # a type nobody handles
            events.append(
                {
                    "id": f"evt_bench_{n}",
                    "object": "event",
                    "type": "invoice.paid",
                    "created": base,
                    "data": {"object": {"id": f"in_{n}", "customer": customer}},
                }
            )
            continue
        events.append(
            {
                "id": f"evt_bench_{n}",
                "object": "event",
                "type": "customer.subscription.updated",
                "created": base + n,  # later events of an org are newer
                "data": {
                    "object": {
                        "id": subscription,
                        "object": "subscription",
                        "customer": customer,
                        "status": STATUSES[n % len(STATUSES)],
                        "items": {"data": [{"plan": {"id": "chapterhouse-team-monthly"}}]},
                    }
                },
            }
        )
    sends = list(events)
    while len(sends) < deliveries:
        sends.append(rng.choice(events))
    rng.shuffle(sends)
    return events, sends


async def deliver(api: str, sends: list[dict], concurrency: int) -> tuple[float, Counter[int]]:  # type: ignore[type-arg]
    limit = asyncio.Semaphore(concurrency)
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=api, timeout=60) as client:

        async def post(event: dict) -> None:  # type: ignore[type-arg]
            payload = json.dumps(event)
            header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
            async with limit:
                response = await client.post(
                    "/api/webhooks/stripe", content=payload.encode(), headers={"Stripe-Signature": header}
                )
            statuses[response.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(*(post(event) for event in sends))
        return time.perf_counter() - started, statuses


async def check(url: str, events: list[dict], seeded: list[tuple[uuid.UUID, str, str]]) -> list[str]:  # type: ignore[type-arg]
    conn = await asyncpg.connect(asyncpg_url(url))
    failures = []
    try:
        recorded = await conn.fetch("SELECT id, outcome FROM stripe_events WHERE id LIKE 'evt_bench_%'")
        if len(recorded) != len(events):
            failures.append(f"{len(recorded)} events recorded for {len(events)} distinct ids")
        applied = sum(1 for r in recorded if r["outcome"] == "applied")
        changes = await conn.fetchval("SELECT count(*) FROM outbox WHERE name = 'billing.subscription_changed'")
        if changes != applied:
            failures.append(f"{changes} state changes for {applied} applied events")
        for org_id, customer, _ in seeded:
            mine = [e for e in events if e["type"] != "invoice.paid" and e["data"]["object"]["customer"] == customer]
            if not mine:
                continue
            newest = max(mine, key=lambda e: e["created"])["data"]["object"]["status"]
            status = await conn.fetchval(
                "SELECT status FROM organization_subscriptions WHERE organization_id = $1", org_id
            )
            if status != newest:
                failures.append(f"{org_id}: {status}, newest event says {newest}")
        print(
            f"recorded events: {len(recorded)} (distinct ids sent: {len(events)}); applied: {applied}; "
            f"state changes: {changes}"
        )
    finally:
        await conn.close()
    return failures


async def run(args: argparse.Namespace, url: str) -> int:
    base = Settings(env=Environment.TEST, database_url=url, secret_key="b" * 40, log_level="WARNING")
    settings = replace(base, stripe_webhook_secret=SECRET)
    seeded = await seed(url, args.orgs)
    events, sends = make_events(seeded, args.deliveries)
    port = services.free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            raise RuntimeError("the API did not start")
        await asyncio.sleep(0.05)
    try:
        elapsed, statuses = await deliver(f"http://127.0.0.1:{port}", sends, args.concurrency)
    finally:
        server.should_exit = True
        await serving
    print(
        f"{len(sends)} deliveries ({len(events)} distinct events, {len(sends) - len(events)} duplicates), "
        f"concurrency {args.concurrency}: {elapsed:.2f} s, {len(sends) / elapsed:.0f} deliveries/s; "
        f"statuses {dict(statuses)}"
    )
    failures = await check(url, events, seeded)
    for failure in failures:
        print("FAIL:", failure)
    print("exactly-once effects: OK" if not failures else "exactly-once effects: FAILED")
    statuses_text = " ".join(f"{code}x{n}" for code, n in sorted(statuses.items()))
    emit(
        "stripe_webhooks",
        [
            {
                "target": f"API: POST /api/webhooks/stripe, concurrency {args.concurrency}",
                "baseline": False,
                "throughput": len(sends) / elapsed,
                "unit": "deliveries/s",
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "note": f"{len(sends)} deliveries ({len(events)} distinct); statuses {statuses_text}; exactly-once "
                f"{'OK' if not failures else 'FAILED'}; no baseline; RSS = peak of API + client (one process)",
            }
        ],
    )
    return 0 if not failures else 1


def main() -> int:
    configure_logging("WARNING", json=False)  # as `chapterhouse serve` would, without a line per request
    for noisy in ("httpx", "uvicorn", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--orgs", type=int, default=20)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    url = services.create_database(admin_url, "chapterhouse_bench_webhooks")
    try:
        database.upgrade(url)
        return asyncio.run(run(args, url))
    finally:
        services.drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
