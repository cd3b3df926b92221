"""Chat fan-out benchmark: N sockets over 2 API processes subscribed to one channel, M messages posted at R/s
through the real HTTP API (authenticated, authorized, persisted, then broadcast through Redis).

Prints delivered/expected, p50/p99/max end-to-end latency (from just before the HTTP POST to the frame's
arrival on each socket) and the servers' RSS before and after the sockets connect.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/realtime_fanout.py --sockets 1000 --messages 300 --rate 20

A fresh database is created (and dropped) for the run. Not a test: it asserts nothing and times everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from summary import emit  # noqa: E402
from tests import support  # noqa: E402

from adapters.security.tokens import HmacInvitationTokenCodec  # noqa: E402
from entrypoints import database  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_servers(database_url: str, redis_url: str) -> list[tuple[str, subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    chapterhouse = str(Path(sys.executable).with_name("chapterhouse"))
    servers = []
    for _ in range(2):
        port = support.free_port()
        proc = subprocess.Popen(
            [chapterhouse, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append((f"127.0.0.1:{port}", proc))
    for address, proc in servers:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{address}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"server {address} did not start")
            time.sleep(0.1)
    return servers


async def user(http: httpx.AsyncClient, name: str) -> tuple[str, str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    created = await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()["access_token"]
    return created.json()["id"], email, token


async def run(args: argparse.Namespace, addresses: list[str], pids: list[int]) -> None:
    async with httpx.AsyncClient(base_url=f"http://{addresses[0]}", timeout=30) as http:
        _, _, owner_token = await user(http, "Owner")
        owner = {"Authorization": f"Bearer {owner_token}"}
        org = (
            await http.post("/api/orgs", json={"name": "Bench", "slug": f"bench-{uuid.uuid4().hex[:8]}"}, headers=owner)
        ).json()["id"]
        channel = (await http.post(f"/api/orgs/{org}/channels", json={"name": "bench"}, headers=owner)).json()["id"]
        # A few members share the sockets: registering 1,000 accounts would measure argon2, not fan-out.
        tokens = []
        for i in range(args.users):
            _, email, token = await user(http, f"Member {i}")
            invitation = (
                await http.post(f"/api/orgs/{org}/invitations", json={"email": email, "role": "member"}, headers=owner)
            ).json()["id"]
            code = HmacInvitationTokenCodec(SECRET).encode(uuid.UUID(org), uuid.UUID(invitation))
            accepted = await http.post(f"/api/invitations/{code}/accept", headers={"Authorization": f"Bearer {token}"})
            accepted.raise_for_status()  # the free plan admits 10 members, the owner included
            tokens.append(token)

        rss_before = [rss_mb(pid) for pid in pids]
        sent_at: dict[str, float] = {}
        latencies: list[float] = []
        delivered = 0
        last_arrival = [0.0]  # perf_counter of the newest frame, for frames/s in the summary line
        everything_delivered = asyncio.Event()
        expected = args.sockets * args.messages

        async def follow(ws) -> None:
            nonlocal delivered
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    arrived = time.perf_counter()
                    latencies.append(arrived - sent_at[frame["body"]])
                    last_arrival[0] = max(last_arrival[0], arrived)
                    delivered += 1
                    if delivered == expected:
                        everything_delivered.set()

        sockets = []
        for i in range(args.sockets):
            address = addresses[i % 2]
            ws = await connect(
                f"ws://{address}/ws?token={tokens[i % len(tokens)]}", max_size=2**16, compression=None, open_timeout=30
            )
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            answer = json.loads(await ws.recv())
            assert answer["type"] == "subscribed", answer
            sockets.append(ws)
        followers = [asyncio.create_task(follow(ws)) for ws in sockets]
        await asyncio.sleep(1)
        rss_after = [rss_mb(pid) for pid in pids]

        clients = [httpx.AsyncClient(base_url=f"http://{a}", timeout=30) for a in addresses]
        profiler = None
        if args.py_spy:
            # Samples server 0 while the messages flow (collapsed stacks, for flame graphs or grep).
            profiler = subprocess.Popen(  # noqa: ASYNC220 (starts at once; awaited in a thread below)
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(pids[0]),
                    "--format",
                    "raw",
                    "--duration",
                    str(int(args.messages / args.rate)),
                    "--output",
                    args.py_spy,
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        started = time.perf_counter()
        for n in range(args.messages):
            body = f"bench message {n}"
            await asyncio.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
            sent_at[body] = time.perf_counter()
            response = await clients[n % 2].post(
                f"/api/orgs/{org}/channels/{channel}/messages", json={"body": body}, headers=owner
            )
            response.raise_for_status()
        with contextlib.suppress(TimeoutError):  # report what arrived, however much that is
            await asyncio.wait_for(everything_delivered.wait(), 15)
        if profiler is not None:
            await asyncio.to_thread(profiler.wait)
        for client in clients:
            await client.aclose()
        for task in followers:
            task.cancel()
        for ws in sockets:
            await ws.close()

    latencies.sort()
    ms = [x * 1000 for x in latencies] or [float("nan")]
    print(f"sockets={args.sockets} messages={args.messages} rate={args.rate}/s servers=2")
    print(f"delivered {delivered}/{expected}")
    p99 = ms[int(len(ms) * 0.99) - 1 if len(ms) > 1 else 0]
    print(f"latency p50={statistics.median(ms):.1f} ms p99={p99:.1f} ms max={ms[-1]:.1f} ms")
    for i, (before, after) in enumerate(zip(rss_before, rss_after, strict=True)):
        print(f"server {i}: RSS {before:.1f} MB -> {after:.1f} MB (+{after - before:.1f} MB)")
    window = last_arrival[0] - started
    rss_text = ", ".join(f"{b:.0f}->{a:.0f}" for b, a in zip(rss_before, rss_after, strict=True))
    emit(
        "realtime_fanout",
        [
            {
                "target": f"{args.sockets} sockets on 2 API processes, {args.messages} msgs at {args.rate:g}/s",
                "baseline": False,
                "throughput": delivered / window if delivered and window > 0 else None,
                "unit": "frames/s",
                "p50_ms": statistics.median(ms),
                "p99_ms": p99,
                "rss_mb": sum(rss_after),
                "note": f"delivered {delivered}/{expected}; max {ms[-1]:.1f} ms; throughput = frames delivered from "
                f"the first post to the last frame; RSS = both servers after connecting (MB each: {rss_text}); "
                "no baseline",
            }
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--py-spy", metavar="FILE", help="profile server 0 during the posts into FILE (raw stacks)")
    parser.add_argument("--users", type=int, default=5, help="member accounts the sockets share (free plan: <= 9)")
    args = parser.parse_args()
    admin_url = support.admin_database_url()
    redis_url, redis_proc = support.start_redis()
    database_url = support.create_database(admin_url, prefix="chapterhouse_bench")
    servers: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        database.upgrade(database_url)
        servers = start_servers(database_url, redis_url)
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(run(args, [a for a, _ in servers], [p.pid for _, p in servers]))
    finally:
        for _, proc in servers:
            proc.terminate()
            proc.wait(timeout=20)
        support.drop_database(database_url)
        if redis_proc is not None:
            redis_proc.terminate()


if __name__ == "__main__":
    main()
