"""Real time at scale: many idle sockets (beside the floor), and processes that follow only their own topics.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/realtime_scale.py \\
        [--idle-sockets 10000 --idle-seconds 60] [--orgs 40 --org-seconds 10]

idle:  N sockets over 2 processes (app: `chapterhouse serve`; floor: bench/floor_realtime.py), of which 1,000
       follow an active channel that gets 1 message/s for the run and the rest an idle one. Held for the
       run: delivered, sockets dropped by the server, and RSS growth per 1,000 sockets (both processes,
       after connecting vs before) — goal 0 dropped and <= 1.2x the floor's growth.
orgs:  4 API processes, `--orgs` organizations each with its own channel and 50 sockets, all of an
       organization's sockets on one process; every organization posts 20 msg/s through the HTTP API. Each
       process counts the frames it received from Redis (`chapterhouse_realtime_frames_received_total`):
       it must be exactly the messages of the organizations it hosts; delivered 100 %.
Same lean client as bench/realtime_fanout.py (CPU share printed).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import re
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lean_ws import LeanSocket, Tally, open_socket
from realtime_fanout import ROOT, app_env, app_world, ping_every, rss_mb, start, stop, user
from scripts import services as support
from summary import emit

from entrypoints import database

ACTIVE = 1000
# uvicorn drops a connection idle for 5 s; reusing one just then fails the request (ReadError): expire sooner.
KEEPALIVE = httpx.Limits(keepalive_expiry=2.0)
RECEIVED = re.compile(r"^chapterhouse_realtime_frames_received_total (\S+)$", re.MULTILINE)


async def connect_all(
    urls: list[str], frames: list[str], tally: Tally, opened: list[LeanSocket] | None = None
) -> list[LeanSocket]:
    opened = [] if opened is None else opened
    for first in range(0, len(urls), 100):
        batch = range(first, min(len(urls), first + 100))
        opened += await asyncio.gather(
            *(open_socket(urls[i], tally, frames[i], lambda t: '"subscribed"' in t) for i in batch)
        )
    return opened


async def idle_run(target: str, args: argparse.Namespace, servers, urls, channels, post) -> dict[str, object]:
    """channels: (active, idle) as the subscribe frames name them."""
    pids = [p.pid for _, p in servers]
    tally = Tally(args.idle_seconds)
    tally.expected = ACTIVE * args.idle_seconds
    frames = [json.dumps({"type": "subscribe", "channel": channels[0 if i < ACTIVE else 1]}) for i in range(len(urls))]
    rss_before = sum(rss_mb(p) for p in pids)
    opened: list[LeanSocket] = []
    keepalive = asyncio.create_task(ping_every(opened, 30.0))  # from the first socket: connecting takes a while
    await connect_all(urls, frames, tally, opened)
    await asyncio.sleep(2)
    rss_after = sum(rss_mb(p) for p in pids)
    path, headers, body_extra = post
    clients = [httpx.AsyncClient(base_url=f"http://{a}", timeout=30, limits=KEEPALIVE) for a, _ in servers]
    cpu0, started = time.process_time(), time.perf_counter()
    for n in range(args.idle_seconds):
        await asyncio.sleep(max(0.0, started + n - time.perf_counter()))
        tally.sent_at[n] = time.perf_counter()
        response = await clients[n % 2].post(path, json={"body": f"bench message {n}", **body_extra}, headers=headers)
        response.raise_for_status()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(tally.done.wait(), 15)
    window = time.perf_counter() - started
    keepalive.cancel()
    dropped = collections.Counter(s.close_code for s in opened if s.close_code is not None or s.closed.done())
    for client in clients:
        await client.aclose()
    for socket in opened:
        socket.abort()
    ms = sorted(x * 1000 for x in tally.latencies) or [float("nan")]
    growth = (rss_after - rss_before) / (len(urls) / 1000)
    result = {
        "target": target,
        "delivered": tally.frames,
        "expected": tally.expected,
        "dropped": sum(dropped.values()),
        "codes": dict(dropped),
        "growth": growth,
        "p50": ms[len(ms) // 2],
        "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
        "client_cpu": (time.process_time() - cpu0) / window,
    }
    print(
        f"idle {target}: {len(urls)} sockets ({ACTIVE} active), {args.idle_seconds} s: delivered "
        f"{tally.frames}/{tally.expected}, dropped {result['dropped']} {result['codes'] or ''}, RSS "
        f"{rss_before:.0f} -> {rss_after:.0f} MB (+{growth:.1f} MB per 1,000 sockets), p50 {result['p50']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, client CPU {result['client_cpu']:.0%}",
        flush=True,
    )
    return result


def run_idle(args: argparse.Namespace, env: dict[str, str], redis_url: str) -> list[dict[str, object]]:
    command = [sys.executable, str(ROOT / "bench" / "floor_realtime.py")]
    servers = start([command, command], {**env, "REDIS_URL": redis_url})
    try:
        urls = [f"ws://{servers[i % 2][0]}/ws" for i in range(args.idle_sockets)]
        post = ("/publish", {}, {"channel": "active"})
        floor = asyncio.run(idle_run("floor", args, servers, urls, ("active", "idle"), post))
    finally:
        stop(servers)
    chapterhouse = str(Path(sys.executable).with_name("chapterhouse"))
    servers = start([[chapterhouse, "serve"], [chapterhouse, "serve"]], env)
    try:
        owner_token, org, active, tokens = asyncio.run(app_world(servers[0][0], 9))
        headers = {"Authorization": f"Bearer {owner_token}"}
        idle = httpx.post(
            f"http://{servers[0][0]}/api/orgs/{org}/channels", json={"name": "idle"}, headers=headers, timeout=30
        ).json()["id"]
        urls = [f"ws://{servers[i % 2][0]}/ws?token={tokens[i % len(tokens)]}" for i in range(args.idle_sockets)]
        post = (f"/api/orgs/{org}/channels/{active}/messages", headers, {})
        app = asyncio.run(idle_run("app", args, servers, urls, (active, idle), post))
    finally:
        stop(servers)
    return [floor, app]


async def received(http: httpx.AsyncClient) -> float:
    found = RECEIVED.search((await http.get("/metrics")).text)
    return float(found.group(1)) if found else float("nan")


async def orgs_run(args: argparse.Namespace, servers) -> dict[str, object]:
    addresses = [a for a, _ in servers]
    https = [httpx.AsyncClient(base_url=f"http://{a}", timeout=30, limits=KEEPALIVE) for a in addresses]
    owners, channels = [], []
    for i in range(args.orgs):
        http = https[i % 4]
        _, token = await user(http, f"Owner {i}")
        headers = {"Authorization": f"Bearer {token}"}
        slug = f"scale-{uuid.uuid4().hex[:8]}"
        org = (await http.post("/api/orgs", json={"name": f"Org {i}", "slug": slug}, headers=headers)).json()["id"]
        channel = (await http.post(f"/api/orgs/{org}/channels", json={"name": "c"}, headers=headers)).json()["id"]
        owners.append((org, token))
        channels.append(channel)
    seconds, rate = args.org_seconds, 20
    tally = Tally(args.orgs * seconds * rate)
    urls = [f"ws://{addresses[i % 4]}/ws?token={owners[i][1]}" for i in range(args.orgs) for _ in range(50)]
    frames = [json.dumps({"type": "subscribe", "channel": channels[i]}) for i in range(args.orgs) for _ in range(50)]
    opened: list[LeanSocket] = []
    keepalive = asyncio.create_task(ping_every(opened, 30.0))
    await connect_all(urls, frames, tally, opened)
    before = [await received(h) for h in https]
    posted = [0] * args.orgs

    async def post_for(i: int) -> None:
        org, token = owners[i]
        http, headers = https[i % 4], {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        for k in range(seconds * rate):
            await asyncio.sleep(max(0.0, started + k / rate - time.perf_counter()))
            number = i * seconds * rate + k
            tally.sent_at[number] = time.perf_counter()
            response = await http.post(
                f"/api/orgs/{org}/channels/{channels[i]}/messages",
                json={"body": f"bench message {number}"},
                headers=headers,
            )
            response.raise_for_status()
            posted[i] += 1

    cpu0, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(post_for(i) for i in range(args.orgs)))
    posting = time.perf_counter() - started
    tally.expected = sum(posted) * 50
    if tally.frames < tally.expected:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tally.done.wait(), 20)
    client_cpu = (time.process_time() - cpu0) / (time.perf_counter() - started)
    await asyncio.sleep(0.5)
    after = [await received(h) for h in https]
    own = [sum(posted[i] for i in range(args.orgs) if i % 4 == p) for p in range(4)]
    got = [int(a - b) for a, b in zip(after, before, strict=True)]
    keepalive.cancel()
    for socket in opened:
        socket.abort()
    for http in https:
        await http.aclose()
    ms = sorted(x * 1000 for x in tally.latencies) or [float("nan")]
    result = {
        "delivered": tally.frames,
        "expected": tally.expected,
        "own": own,
        "got": got,
        "rate": sum(posted) / posting,
        "p50": ms[len(ms) // 2],
        "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
        "client_cpu": client_cpu,
    }
    print(
        f"orgs: {args.orgs} orgs x 50 sockets over 4 processes, {sum(posted)} posts in {posting:.1f} s "
        f"({result['rate']:.0f} msg/s achieved of {args.orgs * rate} asked): delivered {tally.frames}/"
        f"{tally.expected}; frames received per process {got}, its own organizations' messages {own}; "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, client CPU {client_cpu:.0%}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle-sockets", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--orgs", type=int, default=40)
    parser.add_argument("--org-seconds", type=int, default=10)
    args = parser.parse_args()
    import uvloop

    uvloop.install()
    redis_url, redis_proc = support.start_redis()
    database_url = support.create_database(support.admin_database_url(), prefix="chapterhouse_bench")
    rows, missed = [], False
    try:
        database.upgrade(database_url)
        env = app_env(database_url, redis_url)
        floor, app = run_idle(args, env, redis_url)
        for result in (floor, app):
            ratio = app["growth"] / floor["growth"] if result is app and floor["growth"] else None  # type: ignore[operator]
            met = (
                result["delivered"] == result["expected"] and not result["dropped"] and (ratio is None or ratio <= 1.2)
            )
            missed |= not met
            rows.append(
                {
                    "target": f"{result['target']}: {args.idle_sockets} sockets ({ACTIVE} active, 1 msg/s), "
                    f"2 processes, {args.idle_seconds} s",
                    "baseline": result is floor,
                    "p50_ms": result["p50"],
                    "p99_ms": result["p99"],
                    "ratio": ratio,
                    "rss_mb": result["growth"],
                    "unit": "",
                    "note": f"delivered {result['delivered']}/{result['expected']}, dropped {result['dropped']}; "
                    f"RSS = MB growth per 1,000 sockets; ratio = that / the floor's, goal <= 1.2; client CPU "
                    f"{result['client_cpu']:.0%}" + ("" if met else "; GOAL MISSED"),
                }
            )
        servers = start([[str(Path(sys.executable).with_name("chapterhouse")), "serve"]] * 4, env)
        try:
            orgs = asyncio.run(orgs_run(args, servers))
        finally:
            stop(servers)
        met = orgs["delivered"] == orgs["expected"] and orgs["got"] == orgs["own"]
        missed |= not met
        rows.append(
            {
                "target": f"app: {args.orgs} orgs x 50 sockets, 4 processes, 20 msg/s per org asked",
                "throughput": orgs["rate"],
                "unit": "msg/s posted",
                "p50_ms": orgs["p50"],
                "p99_ms": orgs["p99"],
                "note": f"delivered {orgs['delivered']}/{orgs['expected']}; frames received per process "
                f"{orgs['got']} vs its own orgs' messages {orgs['own']}; client CPU {orgs['client_cpu']:.0%}"
                + ("" if met else "; GOAL MISSED"),
            }
        )
    finally:
        support.drop_database(database_url)
        if redis_proc is not None:
            redis_proc.terminate()
    emit("realtime_scale", rows)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
