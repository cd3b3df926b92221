"""Benchmark: list one organization's published events (20 per page) with a small vs a large events table.

    .venv/bin/python bench/events_list.py [--orgs 1000] [--per-org 1000] [--small-orgs 10] [--requests 500]

One run: a throw-away database on the server of DATABASE_URL (admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres), migrated with `chapterhouse db upgrade`; one API process
(`chapterhouse serve`, this checkout's src). The measured organization is created through the API (its
owner's token reads the list); the other organizations and every event are inserted in bulk as the
database owner. It measures GET /api/orgs/{org_id}/events?limit=20 sequentially (--requests times, after
a warm-up) with the table at small-orgs x per-org rows (default 10k), then grows the table to
orgs x per-org rows (default 1M) and measures again. Prints p50/p99 of both, their ratio (goal <= 1.3x)
and the EXPLAIN (ANALYZE) plan of the list query as the app role with the tenant set (an index scan on
ix_events_organization_id_starts_at_id). Not a test: run it by hand, on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from summary import emit
from ticket_rush import (
    CHAPTERHOUSE,
    DEFAULT_ADMIN_URL,
    PASSWORD,
    ROOT,
    child_env,
    log,
    percentile,
    start_server,
    stop,
    with_database,
)

from entrypoints.settings import APP_ROLE, as_role, asyncpg_url

GOAL_RATIO = 1.3

# Events of `orgs` organizations (created here too), `per_org` each, half published, spread over two years.
BULK_EVENTS = """
INSERT INTO events (organization_id, id, title, description, status, starts_at, ends_at, timezone, venue,
                    online_url, chapter_id, capacity, reserved, created_by, created_at)
SELECT o.id, gen_random_uuid(), 'Event ' || n, '', CASE WHEN n % 2 = 0 THEN 'published' ELSE 'draft' END,
       now() + (n % 730) * interval '1 day' + (n % 24) * interval '1 hour',
       now() + (n % 730) * interval '1 day' + (n % 24) * interval '1 hour' + interval '2 hours',
       'UTC', NULL, NULL, NULL, NULL, 0, o.id, now()
FROM unnest($1::uuid[]) AS o(id), generate_series(1, $2) AS n
"""

LIST_SQL = """EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
SELECT id, title, starts_at FROM events WHERE organization_id = $1 AND status <> 'draft'
ORDER BY starts_at, id LIMIT 21"""


async def add_organizations(conn: asyncpg.Connection, count: int, per_org: int) -> None:
    ids = [uuid.uuid4() for _ in range(count)]
    await conn.executemany(
        "INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, 'Bulk', $2, now())",
        [(i, f"bulk-{i.hex[:20]}") for i in ids],
    )
    for start in range(0, count, 50):  # in slices, so one statement never holds millions of rows in memory
        await conn.execute(BULK_EVENTS, ids[start : start + 50], per_org)
    await conn.execute("ANALYZE events")


async def measure(base: str, org_id: str, headers: dict[str, str], requests: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        url = f"/api/orgs/{org_id}/events?limit=20"
        for _ in range(50):
            assert (await http.get(url, headers=headers)).status_code == 200
        latencies = []
        for _ in range(requests):
            began = time.perf_counter()
            response = await http.get(url, headers=headers)
            latencies.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200 and len(response.json()["items"]) == 20
    return latencies


async def main_async(args: argparse.Namespace) -> int:
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    database = f"chapterhouse_bench_{os.getpid()}"
    owner_url = with_database(admin_url, database)
    admin = await asyncpg.connect(asyncpg_url(admin_url))
    await admin.execute(f'CREATE DATABASE "{database}"')
    servers: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(
            subprocess.run, [CHAPTERHOUSE, "db", "upgrade"], env=child_env(owner_url), cwd=ROOT, check=True
        )
        process, base = await asyncio.to_thread(start_server, owner_url)
        servers.append(process)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            email = f"e{uuid.uuid4().hex[:12]}@example.com"
            await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Reader"})
            token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            org = await http.post("/api/orgs", json={"name": "Measured", "slug": f"m-{uuid.uuid4().hex[:8]}"},
                                  headers=headers)  # fmt: skip
            org_id = org.json()["id"]
        owner = await asyncpg.connect(asyncpg_url(owner_url))
        try:
            # The measured organization gets per_org events like every other one.
            await owner.execute(BULK_EVENTS, [uuid.UUID(org_id)], args.per_org)
            log(f"small table: {args.small_orgs} organizations x {args.per_org} events")
            await add_organizations(owner, args.small_orgs - 1, args.per_org)
            small_rows = await owner.fetchval("SELECT count(*) FROM events")
            small = await measure(base, org_id, headers, args.requests)
            log(f"large table: {args.orgs} organizations x {args.per_org} events")
            await add_organizations(owner, args.orgs - args.small_orgs, args.per_org)
            large_rows = await owner.fetchval("SELECT count(*) FROM events")
            large = await measure(base, org_id, headers, args.requests)
        finally:
            await owner.close()
        app = await asyncpg.connect(asyncpg_url(as_role(owner_url, APP_ROLE)))
        try:
            await app.execute("SELECT set_config('app.organization_id', $1, false)", org_id)
            plan = [r[0] for r in await app.fetch(LIST_SQL, uuid.UUID(org_id))]
        finally:
            await app.close()
    finally:
        stop(servers)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()

    print(f"\nGET /api/orgs/{{org_id}}/events?limit=20, {args.requests} sequential requests after a warm-up\n")
    print("| events table | p50 ms | p99 ms |")
    print("|---|---|---|")
    for rows, latencies in ((small_rows, small), (large_rows, large)):
        print(f"| {rows:,} rows | {statistics.median(latencies):.2f} | {percentile(latencies, 0.99):.2f} |")
    p50_ratio = statistics.median(large) / statistics.median(small)
    p99_ratio = percentile(large, 0.99) / percentile(small, 0.99)
    print(f"\nratio large/small: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x (goal <= {GOAL_RATIO}x)\n")
    print("plan (app role, tenant set):")
    print("\n".join(f"    {line}" for line in plan))
    index_scan = "Index" in "\n".join(plan)
    emit(
        "events_list",
        [
            {
                "target": f"GET events?limit=20, {small_rows:,} rows",
                "baseline": True,
                "unit": "ms (latency only)",
                "p50_ms": statistics.median(small),
                "p99_ms": percentile(small, 0.99),
                "ratio": 1.0,
                "note": f"{args.requests} sequential requests after a warm-up",
            },
            {
                "target": f"GET events?limit=20, {large_rows:,} rows",
                "baseline": False,
                "unit": "ms (latency only)",
                "p50_ms": statistics.median(large),
                "p99_ms": percentile(large, 0.99),
                "ratio": p50_ratio,
                "note": f"ratio = p50 large/small; p99 ratio {p99_ratio:.2f}x (goal <= {GOAL_RATIO}x); "
                f"plan uses an index: {index_scan}",
            },
        ],
    )
    return 0 if index_scan else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--small-orgs", type=int, default=10)
    parser.add_argument("--per-org", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
