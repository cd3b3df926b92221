"""Chat fan-out benchmark, beside its floor in the same run.

For each socket count: N sockets over 2 processes subscribed to one channel, M messages posted at R/s.
  * app:   two `chapterhouse serve` processes; the posts go through the real HTTP API (authenticated,
           authorized, persisted, then broadcast through Redis).
  * floor: two bench/floor_realtime.py processes (Litestar WebSocket + the same Redis pub/sub + an
           in-process hub; no auth, no database), posts to its bare `POST /publish`.
Both are driven by the same lean client (bench/lean_ws.py: uvloop, sans-I/O frames), whose CPU share is
printed beside each row, with the servers' CPU and RSS. Latency runs from just before the POST to each
socket's receipt of the frame.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/realtime_fanout.py --sockets 1000,2000 --messages 300 --rate 20

A fresh database and Redis are created for the run (REDIS_URL, if set, is used instead). Not a test: it
asserts nothing; it exits 1 when a row misses its goal (100 % delivered, p99 <= 1.5x the floor's p99).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from lean_ws import LeanSocket, Tally, open_socket  # noqa: E402
from scripts import services as support  # noqa: E402
from summary import emit  # noqa: E402

from adapters.security.tokens import HmacInvitationTokenCodec  # noqa: E402
from entrypoints import database  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
GOAL_RATIO = 1.5


@dataclass
class Result:
    target: str
    sockets: int
    delivered: int
    expected: int
    latencies_ms: list[float]
    client_cpu: float  # share of one core during the posts
    server_cpu: list[float]
    rss: list[tuple[float, float]]
    window: float

    def pct(self, q: float) -> float:
        ms = self.latencies_ms
        return ms[min(len(ms) - 1, int(len(ms) * q))] if ms else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_ticks(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(commands: list[list[str]], env: dict[str, str]) -> list[tuple[str, subprocess.Popen[bytes]]]:
    servers = []
    for command in commands:
        port = support.free_port()
        proc = subprocess.Popen(
            [*command, "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


def stop(servers: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, proc in servers:
        proc.terminate()
    for _, proc in servers:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def app_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }


async def user(http: httpx.AsyncClient, name: str) -> tuple[str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()["access_token"]
    return email, token


async def app_world(address: str, users: int) -> tuple[str, str, str, list[str]]:
    """(owner token, org id, channel id, member tokens): a few members share the sockets, so that argon2
    (1,000 registrations) is not what is measured."""
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=30) as http:
        _, owner_token = await user(http, "Owner")
        owner = {"Authorization": f"Bearer {owner_token}"}
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        org = (await http.post("/api/orgs", json={"name": "Bench", "slug": slug}, headers=owner)).json()["id"]
        channel = (await http.post(f"/api/orgs/{org}/channels", json={"name": "bench"}, headers=owner)).json()["id"]
        tokens = []
        for i in range(users):
            email, token = await user(http, f"Member {i}")
            invitation = (
                await http.post(f"/api/orgs/{org}/invitations", json={"email": email, "role": "member"}, headers=owner)
            ).json()["id"]
            code = HmacInvitationTokenCodec(SECRET).encode(uuid.UUID(org), uuid.UUID(invitation))
            accepted = await http.post(f"/api/invitations/{code}/accept", headers={"Authorization": f"Bearer {token}"})
            accepted.raise_for_status()  # the free plan admits 10 members, the owner included
            tokens.append(token)
    return owner_token, org, channel, tokens


async def ping_every(sockets: list[LeanSocket], seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        for socket in sockets:
            socket.send_text('{"type":"ping"}')


async def drive(
    target: str,
    args: argparse.Namespace,
    sockets: int,
    servers: list[tuple[str, subprocess.Popen[bytes]]],
    urls: list[str],
    subscribe: str,
    post: tuple[str, dict[str, str]],
) -> Result:
    """Connect `sockets` (alternating servers, 50 at a time), then post the messages (alternating too)."""
    pids = [p.pid for _, p in servers]
    tally = Tally(args.messages)
    tally.expected = sockets * args.messages
    rss_before = [rss_mb(pid) for pid in pids]
    opened = []
    for first in range(0, sockets, 50):
        batch = range(first, min(sockets, first + 50))
        opened += await asyncio.gather(
            *(open_socket(urls[i % len(urls)], tally, subscribe, lambda t: '"subscribed"' in t) for i in batch)
        )
    keepalive = asyncio.create_task(ping_every(opened, 20.0))  # the app closes sockets idle for 90 s
    await asyncio.sleep(1)
    rss_after = [rss_mb(pid) for pid in pids]
    path, headers = post
    # uvicorn drops a connection idle for 5 s; reusing one just then fails the request: expire sooner.
    limits = httpx.Limits(keepalive_expiry=2.0)
    clients = [httpx.AsyncClient(base_url=f"http://{a}", timeout=30, limits=limits) for a, _ in servers]
    cpu0, server0, started = time.process_time(), [cpu_ticks(p) for p in pids], time.perf_counter()
    for n in range(args.messages):
        await asyncio.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
        tally.sent_at[n] = time.perf_counter()
        response = await clients[n % len(clients)].post(path, json={"body": f"bench message {n}"}, headers=headers)
        response.raise_for_status()
    with contextlib.suppress(TimeoutError):  # report what arrived, however much that is
        await asyncio.wait_for(tally.done.wait(), 15)
    window = (tally.last_arrival if tally.frames else time.perf_counter()) - started
    client_cpu = (time.process_time() - cpu0) / window if window > 0 else float("nan")
    server_cpu = [(cpu_ticks(p) - s) / window for p, s in zip(pids, server0, strict=True)]
    keepalive.cancel()
    gc_notes = []
    for client in clients:
        text = (await client.get("/metrics")).text if target == "app" else ""
        longest = re.search(r"^chapterhouse_gc_longest_pause_seconds (\S+)$", text, re.MULTILINE)
        full = re.search(r'^chapterhouse_gc_pause_seconds_count\{generation="2"\} (\S+)$', text, re.MULTILINE)
        if longest and full:
            gc_notes.append(
                f"{float(full.group(1)):.0f} full GCs, longest pause {float(longest.group(1)) * 1000:.1f} ms"
            )
    if gc_notes:
        print(f"{target} {sockets} sockets, GC since start-up per server: " + "; ".join(gc_notes), flush=True)
    for client in clients:
        await client.aclose()
    for socket in opened:
        socket.abort()
    closed = collections.Counter(s.close_code for s in opened if s.close_code is not None)
    if closed:
        print(f"{target}: sockets closed by the server during the run (code: count): {dict(closed)}", flush=True)
    latencies = sorted(x * 1000 for x in tally.latencies)
    return Result(
        target, sockets, tally.frames, tally.expected, latencies, client_cpu, server_cpu,
        list(zip(rss_before, rss_after, strict=True)), window,
    )  # fmt: skip


def run_floor(args: argparse.Namespace, sockets: int, redis_url: str) -> Result:
    env = {**os.environ, "REDIS_URL": redis_url}
    command = [sys.executable, str(ROOT / "bench" / "floor_realtime.py")]
    servers = start([command, command], env)
    try:
        urls = [f"ws://{a}/ws" for a, _ in servers]
        subscribe = json.dumps({"type": "subscribe", "channel": "bench"})
        return asyncio.run(drive("floor", args, sockets, servers, urls, subscribe, ("/publish", {})))
    finally:
        stop(servers)


def run_app(args: argparse.Namespace, sockets: int, env: dict[str, str], world: list[object]) -> Result:
    chapterhouse = str(Path(sys.executable).with_name("chapterhouse"))
    servers = start([[chapterhouse, "serve"], [chapterhouse, "serve"]], env)
    try:
        if not world:
            world += asyncio.run(app_world(servers[0][0], args.users))
        owner_token, org, channel, tokens = world
        assert isinstance(tokens, list)
        urls = [f"ws://{a}/ws?token={tokens[i % len(tokens)]}" for i, (a, _) in enumerate(servers * len(tokens))]
        subscribe = json.dumps({"type": "subscribe", "channel": channel})
        post = (f"/api/orgs/{org}/channels/{channel}/messages", {"Authorization": f"Bearer {owner_token}"})
        return asyncio.run(drive("app", args, sockets, servers, urls, subscribe, post))
    finally:
        stop(servers)


def describe(result: Result) -> str:
    rss = ", ".join(f"{b:.0f}->{a:.0f}" for b, a in result.rss)
    cpu = ", ".join(f"{c:.0%}" for c in result.server_cpu)
    return (
        f"{result.target:5} {result.sockets:5} sockets: delivered {result.delivered}/{result.expected} "
        f"({100 * result.delivered / result.expected:.2f} %), p50 {result.pct(0.5):.1f} ms, "
        f"p99 {result.pct(0.99):.1f} ms, max {result.pct(1.0):.1f} ms; client CPU {result.client_cpu:.0%} "
        f"of a core; servers CPU {cpu}; RSS MB {rss}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", default="1000,2000", help="comma-separated socket counts")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--users", type=int, default=5, help="member accounts the sockets share (free plan: <= 9)")
    parser.add_argument("--only", choices=["app", "floor"], help="run one side only (no ratio)")
    args = parser.parse_args()
    import uvloop

    uvloop.install()
    redis_url, redis_proc = support.start_redis()
    database_url = support.create_database(support.admin_database_url(), prefix="chapterhouse_bench")
    rows, missed, world = [], False, []
    try:
        database.upgrade(database_url)
        env = app_env(database_url, redis_url)
        for sockets in (int(s) for s in args.sockets.split(",")):
            floor = None if args.only == "app" else run_floor(args, sockets, redis_url)
            app = None if args.only == "floor" else run_app(args, sockets, env, world)
            for result in (floor, app):
                if result is None:
                    continue
                print(describe(result), flush=True)
                ratio = result.pct(0.99) / floor.pct(0.99) if floor and result is app else None
                met = result.delivered == result.expected and (ratio is None or ratio <= GOAL_RATIO)
                missed |= not met
                rows.append(
                    {
                        "target": f"{result.target}: {sockets} sockets, 2 processes, {args.messages} msgs at "
                        f"{args.rate:g}/s",
                        "baseline": result is floor,
                        "throughput": result.delivered / result.window if result.window > 0 else None,
                        "unit": "frames/s",
                        "p50_ms": result.pct(0.5),
                        "p99_ms": result.pct(0.99),
                        "ratio": ratio,
                        "rss_mb": sum(a for _, a in result.rss),
                        "note": f"delivered {result.delivered}/{result.expected}; max {result.pct(1.0):.0f} ms; "
                        f"client CPU {result.client_cpu:.0%}; servers CPU "
                        + "/".join(f"{c:.0%}" for c in result.server_cpu)
                        + ("; ratio = p99 / floor p99, goal <= 1.5" if ratio is not None else "")
                        + ("" if met else "; GOAL MISSED"),
                    }
                )
    finally:
        support.drop_database(database_url)
        if redis_proc is not None:
            redis_proc.terminate()
    emit("realtime_fanout", rows)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
