"""Benchmark: the public event list of one organization, 64 connections, beside the bare asyncpg floor.

    .venv/bin/python bench/public_events.py [--duration 10] [--events 40] [--clients 64]

One run: a throw-away database on the server of DATABASE_URL (admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres), migrated; one API process (`chapterhouse serve`, this
checkout's src). An organization with `--events` published public events (two ticket types each) is made
through the API. Three measurements, in the same run, each `--clients` concurrent loops for `--duration`
seconds:

- floor: bench/floor_app.py, a bare asyncpg pool of the API's size behind Litestar, running the same SQL the
  API runs for GET /api/public/orgs/{slug}/events (the slug's scope statement, the page, its ticket types)
  as the app role, loaded by the same client;
- api: GET /api/public/orgs/{slug}/events without a token (goal >= 0.7x the floor's throughput);
- api 304: the same with If-None-Match (goal: above the floor).

Prints both throughputs and p99s, and a BENCH-SUMMARY line for bench/run_all.py. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
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
    free_port,
    log,
    percentile,
    start_server,
    stop,
    with_database,
)

from entrypoints.settings import APP_ROLE, as_role, asyncpg_url

GOAL_API = 0.7
PAGE = 20
POOL_SIZE = int(os.environ.get("BENCH_DB_POOL_SIZE", "10"))  # the API process gets the same (child_env)


async def seed(base: str, events: int) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        email = f"p{uuid.uuid4().hex[:12]}@example.com"
        await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Organizer"})
        token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        slug = f"pub-{uuid.uuid4().hex[:8]}"
        org_id = (await http.post("/api/orgs", json={"name": "Public", "slug": slug}, headers=headers)).json()["id"]
        starts = datetime.now(UTC) + timedelta(days=7)
        for i in range(events):
            body = {
                "title": f"Event {i}",
                "starts_at": (starts + timedelta(days=i)).isoformat(),
                "ends_at": (starts + timedelta(days=i, hours=2)).isoformat(),
                "timezone": "Europe/Paris",
                "visibility": "public",
            }
            event_id = (await http.post(f"/api/orgs/{org_id}/events", json=body, headers=headers)).json()["id"]
            for name in ("General", "Supporter"):
                tt = {"name": name, "price_cents": 0, "currency": "EUR", "quantity": 100}
                await http.post(f"/api/orgs/{org_id}/events/{event_id}/ticket-types", json=tt, headers=headers)
            await http.post(f"/api/orgs/{org_id}/events/{event_id}/publish", headers=headers)
    return slug


async def run_for(duration: float, clients: int, one: Callable[[], Awaitable[None]]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def loop() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            await one()
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return len(latencies) / (time.perf_counter() - began), latencies


def start_floor(app_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """bench/floor_app.py: Litestar + uvicorn + a bare asyncpg pool running the same three statements, as the
    app role (RLS on, like the API), no token check, no dishka, no middleware, no ETag."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DATABASE_URL": app_url}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--port", str(port), "--pool-size", str(POOL_SIZE)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        time.sleep(0.1)
    raise RuntimeError("the floor did not start")


async def api(base: str, slug: str, args: argparse.Namespace, *, revalidate: bool) -> tuple[float, list[float]]:
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    url = f"/api/public/orgs/{slug}/events"
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        first = await http.get(url)
        assert first.status_code == 200 and len(first.json()["items"]) == PAGE, first.text
        headers = {"If-None-Match": first.headers["etag"]} if revalidate else {}
        expected = 304 if revalidate else 200

        async def one() -> None:
            response = await http.get(url, headers=headers)
            assert response.status_code == expected, response.status_code

        await run_for(1.0, args.clients, one)
        return await run_for(args.duration, args.clients, one)


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
        slug = await seed(base, args.events)
        floor_process, floor_base = await asyncio.to_thread(start_floor, asyncpg_url(as_role(owner_url, APP_ROLE)))
        servers.append(floor_process)
        log(f"floor: bare asyncpg behind Litestar, same SQL, {args.clients} connections, {args.duration} s")
        floor_rps, floor_lat = await api(floor_base, slug, args, revalidate=False)
        log(f"api: GET /api/public/orgs/{{slug}}/events, {args.clients} connections, {args.duration} s")
        api_rps, api_lat = await api(base, slug, args, revalidate=False)
        log("api with If-None-Match (304)")
        hit_rps, hit_lat = await api(base, slug, args, revalidate=True)
    finally:
        stop(servers)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()

    print(f"\npublic event list ({PAGE} events with 2 ticket types each), {args.clients} concurrent clients\n")
    print("| target | req/s | p50 ms | p99 ms | x floor |")
    print("|---|---|---|---|---|")
    for name, rps, lat in (("bare asyncpg floor", floor_rps, floor_lat), ("api 200", api_rps, api_lat),
                           ("api 304", hit_rps, hit_lat)):  # fmt: skip
        p50, p99 = statistics.median(lat), percentile(lat, 0.99)
        print(f"| {name} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {rps / floor_rps:.2f} |")
    ok = api_rps >= GOAL_API * floor_rps and hit_rps > floor_rps
    print(
        f"\ngoals: api >= {GOAL_API}x floor: {api_rps / floor_rps:.2f}x; "
        f"304 above the floor: {hit_rps / floor_rps:.2f}x"
    )
    emit(
        "public_events",
        [
            {"target": "bare asyncpg, same SQL", "baseline": True, "unit": "req/s", "throughput": floor_rps,
             "p50_ms": statistics.median(floor_lat), "p99_ms": percentile(floor_lat, 0.99), "ratio": 1.0,
             "note": f"{args.clients} clients, pool {POOL_SIZE}"},
            {"target": "GET public events (no token)", "baseline": False, "unit": "req/s", "throughput": api_rps,
             "p50_ms": statistics.median(api_lat), "p99_ms": percentile(api_lat, 0.99),
             "ratio": api_rps / floor_rps, "note": f"goal >= {GOAL_API}x the floor"},
            {"target": "GET public events, If-None-Match (304)", "baseline": False, "unit": "req/s",
             "throughput": hit_rps, "p50_ms": statistics.median(hit_lat), "p99_ms": percentile(hit_lat, 0.99),
             "ratio": hit_rps / floor_rps, "note": "goal: above the floor"},
        ],
    )  # fmt: skip
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--clients", type=int, default=64)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
